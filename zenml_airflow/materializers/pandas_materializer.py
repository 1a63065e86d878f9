"""Materializer for pandas ``DataFrame`` and ``Series``: parquet (pyarrow, snappy) in
``df.parquet``, plus a small ``metadata.json`` with what parquet cannot say itself.

The index (including MultiIndex and its names), column names and dtypes (nullable integers,
categoricals, tz-aware datetimes, strings) survive via pyarrow's pandas metadata. A Series is
stored as a one-column frame; its name (``None`` included) comes back from ``metadata.json``, as
does the ``freq`` of a DatetimeIndex/TimedeltaIndex. Columns parquet cannot hold (mixed Python
objects, duplicate names) are refused with a clear error; nothing is pickled.
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

import pandas as pd

from zenml_airflow.artifacts.base_artifact import (
    DataArtifact,
    SchemaArtifact,
    StatisticsArtifact,
)
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "df.parquet"
METADATA_FILENAME = "metadata.json"
FORMAT_VERSION = 1

# A Series named None becomes a frame column; this placeholder never collides with user data
# because the real name is restored from metadata.json.
_SERIES_COLUMN = "__zenml_airflow_series__"


def _require_pyarrow() -> None:
    if importlib.util.find_spec("pyarrow") is None:
        raise MaterializerError(
            "PandasMaterializer writes parquet with pyarrow, which is not installed. Install it "
            "with: pip install 'zenml-airflow[pandas]'"
        )


class PandasMaterializer(BaseMaterializer):
    """Reads and writes ``pandas.DataFrame`` and ``pandas.Series`` as snappy parquet."""

    ASSOCIATED_TYPES = (pd.DataFrame, pd.Series)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact, StatisticsArtifact, SchemaArtifact)
    FILENAMES = (DEFAULT_FILENAME, METADATA_FILENAME)

    def handle_input(self, data_type: Any) -> pd.DataFrame | pd.Series:
        """Read the frame (or series) back with its index, names and dtypes."""
        super().handle_input(data_type)
        _require_pyarrow()
        wanted = as_class(data_type)
        wants_series = wanted is not None and issubclass(wanted, pd.Series)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(DEFAULT_FILENAME)
        metadata: dict[str, Any] = {}
        metadata_path = os.path.join(self.artifact.uri, METADATA_FILENAME)
        if fileio.exists(metadata_path):
            with fileio.open(metadata_path, "r") as handle:
                metadata = json.load(handle)
        kind = metadata.get("kind", "series" if wants_series else "dataframe")
        if (kind == "series") != wants_series:
            raise MaterializerError(
                f"Cannot read artifact '{self.artifact.uri}' as {type_path(wanted)}: it holds a "
                f"pandas {'Series' if kind == 'series' else 'DataFrame'}. Annotate the step input "
                "with the type the upstream step returned."
            )
        local = fileio.local_path(path)
        if local is not None:  # pyarrow's own reader: threaded, no Python file in between
            frame = pd.read_parquet(local, engine="pyarrow")
        else:
            with fileio.open(path, "rb") as handle:
                frame = pd.read_parquet(handle, engine="pyarrow")
        freq = metadata.get("index_freq")
        if freq and isinstance(frame.index, pd.DatetimeIndex | pd.TimedeltaIndex):
            frame.index = type(frame.index)(frame.index, freq=freq)
        if kind != "series":
            return frame
        series = frame.iloc[:, 0]
        if metadata.get("series_name_is_none"):
            series.name = None
        return series

    def handle_return(self, data: pd.DataFrame | pd.Series) -> None:
        """Write ``data`` as ``df.parquet`` and ``metadata.json``."""
        super().handle_return(data)
        if type(data) not in (pd.DataFrame, pd.Series):
            raise MaterializerError(
                f"PandasMaterializer stores plain DataFrames and Series; a "
                f"{type_path(type(data))} would come back as its pandas base class. Convert it "
                "or write a custom materializer for it."
            )
        _require_pyarrow()
        metadata: dict[str, Any] = {"format_version": FORMAT_VERSION}
        if isinstance(data, pd.Series):
            metadata["kind"] = "series"
            metadata["series_name_is_none"] = data.name is None
            frame = data.to_frame(name=_SERIES_COLUMN if data.name is None else data.name)
        else:
            metadata["kind"] = "dataframe"
            frame = data
        index_freq = getattr(frame.index, "freqstr", None)
        metadata["index_freq"] = index_freq if isinstance(index_freq, str) else None

        fileio.makedirs(self.artifact.uri)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        try:
            local = fileio.local_path(path)
            if local is not None:
                frame.to_parquet(local, engine="pyarrow", compression="snappy")
            else:
                with fileio.open(path, "wb") as handle:
                    frame.to_parquet(handle, engine="pyarrow", compression="snappy")
        except (ValueError, TypeError, NotImplementedError) as error:
            # Leave no half-written parquet file behind for a reader to trip over.
            if fileio.exists(path):
                fileio.remove(path)
            raise MaterializerError(
                f"PandasMaterializer cannot write this {type_path(type(data))} as parquet: "
                f"{error}. Give each column one type (e.g. df[col].astype(str)) and unique string "
                "names, or write a custom materializer."
            ) from error
        with fileio.open(os.path.join(self.artifact.uri, METADATA_FILENAME), "w") as handle:
            json.dump(metadata, handle)

    def extract_metadata(self, data: pd.DataFrame | pd.Series) -> dict[str, Any]:
        """Rows, and the columns with their dtypes (the schema)."""
        if isinstance(data, pd.Series):
            return {"kind": "series", "rows": len(data), "dtype": str(data.dtype)}
        return {
            "kind": "dataframe",
            "rows": len(data),
            "columns": len(data.columns),
            "schema": {str(name): str(dtype) for name, dtype in data.dtypes.items()},
        }
