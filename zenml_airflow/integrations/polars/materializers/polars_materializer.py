"""Materializer for polars ``DataFrame``, ``LazyFrame`` and ``Series``: one ``data.parquet`` file
written by polars itself (zstd), never a pickle.

Parquet keeps every polars dtype that holds data rather than Python objects: integers of every
width, floats, decimals, strings, binary, booleans, dates, times, datetimes with their unit and
time zone, durations, categoricals, enums (with their categories), lists, arrays, structs and the
null type. Equal frames give identical bytes, so identical outputs share one stored copy and
cache keys stay stable.

- A ``LazyFrame`` is a query plan, not data: it is *collected* when the step returns it (the plan
  may read local files that the next task cannot see), and a step input annotated ``LazyFrame``
  gets ``frame.lazy()`` over the stored data. A stored frame may be read as either type.
- A ``Series`` is stored as a one-column frame (its name is the column name) and read back as a
  ``Series`` when the input asks for one.
- Columns of dtype ``Object`` (arbitrary Python objects, anywhere in a nested type) are refused:
  only pickle could store them, and zenml-airflow never pickles.

Reading a parquet file runs no code named in the file; a file that is not parquet is refused
with a :class:`~zenml_airflow.exceptions.MaterializerError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Final

import polars as pl

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "data.parquet"
# zstd: polars' default, smaller than snappy at about the same speed; deterministic output.
COMPRESSION: Final = "zstd"


def _dtypes(dtype: Any) -> Iterator[Any]:
    """``dtype`` and every dtype nested in it (list and array items, struct fields)."""
    yield dtype
    inner = getattr(dtype, "inner", None)
    if inner is not None:
        yield from _dtypes(inner)
    for field in getattr(dtype, "fields", None) or ():
        yield from _dtypes(field.dtype)


def _object_columns(frame: pl.DataFrame) -> list[str]:
    return [
        name
        for name, dtype in frame.schema.items()
        if any(isinstance(d, pl.Object) or d == pl.Object for d in _dtypes(dtype))
    ]


class PolarsMaterializer(BaseMaterializer):
    """Reads and writes polars ``DataFrame``, ``LazyFrame`` (collected) and ``Series`` as
    ``data.parquet``."""

    ASSOCIATED_TYPES = (pl.DataFrame, pl.LazyFrame, pl.Series)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME,)

    def handle_input(self, data_type: Any) -> pl.DataFrame | pl.LazyFrame | pl.Series:
        """Read the stored frame as ``data_type`` (``DataFrame``, ``LazyFrame`` or ``Series``).

        Raises:
            MaterializerError: if the file is missing or is not a parquet file polars can read,
                or a ``Series`` is asked for and the file holds more than one column.
        """
        super().handle_input(data_type)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(DEFAULT_FILENAME)
        try:
            local = fileio.local_path(path)
            if local is not None:  # polars' own reader: memory-mapped, no Python file between
                frame = pl.read_parquet(local, hive_partitioning=False)
            else:
                with fileio.open(path, "rb") as handle:
                    frame = pl.read_parquet(handle, hive_partitioning=False)
        except (pl.exceptions.PolarsError, OSError, ValueError) as error:
            raise MaterializerError(
                f"Cannot read '{path}' as a polars frame: {type(error).__name__}: {error}. It is "
                "not a parquet file written by PolarsMaterializer (it may be damaged or was put "
                "there by other means); re-run the step that produced it."
            ) from error
        wanted = as_class(data_type)
        if wanted is not None and issubclass(wanted, pl.Series):
            if frame.width != 1:
                raise MaterializerError(
                    f"Cannot read artifact '{self.artifact.uri}' as a polars Series: it holds a "
                    f"frame with {frame.width} columns ({', '.join(frame.columns[:5])}). "
                    "Annotate the step input with polars.DataFrame."
                )
            return frame.to_series()
        if wanted is not None and issubclass(wanted, pl.LazyFrame):
            return frame.lazy()
        return frame

    def handle_return(self, data: pl.DataFrame | pl.LazyFrame | pl.Series) -> None:
        """Write ``data`` as ``data.parquet`` (a ``LazyFrame`` is collected first).

        Raises:
            MaterializerError: for subclasses of the polars types, a ``LazyFrame`` whose query
                fails, ``Object`` columns, or anything else polars cannot write as parquet.
        """
        super().handle_return(data)
        if type(data) not in (pl.DataFrame, pl.LazyFrame, pl.Series):
            raise MaterializerError(
                f"PolarsMaterializer stores plain polars DataFrame, LazyFrame and Series; a "
                f"{type_path(type(data))} would come back as its polars base class. Convert it "
                "or write a custom materializer for it."
            )
        if isinstance(data, pl.LazyFrame):
            try:
                frame = data.collect()
            except pl.exceptions.PolarsError as error:
                raise MaterializerError(
                    f"PolarsMaterializer stores a LazyFrame by collecting it, and collecting "
                    f"failed: {type(error).__name__}: {error}. Fix the query, or return "
                    "frame.collect() from the step to see the error where it happens."
                ) from error
        elif isinstance(data, pl.Series):
            frame = data.to_frame()
        else:
            frame = data
        refused = _object_columns(frame)
        if refused:
            raise MaterializerError(
                f"PolarsMaterializer cannot store column(s) {', '.join(map(repr, refused))} of "
                "dtype Object: they hold Python objects, which only pickle could save, and "
                "zenml-airflow never pickles. Convert them to a polars dtype (e.g. "
                "pl.col(name).cast(pl.String) or a Struct), or write a custom materializer."
            )
        fileio.makedirs(self.artifact.uri)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        try:
            local = fileio.local_path(path)
            if local is not None:
                frame.write_parquet(local, compression=COMPRESSION)
            else:
                with fileio.open(path, "wb") as handle:
                    frame.write_parquet(handle, compression=COMPRESSION)
        except (pl.exceptions.PolarsError, ValueError, TypeError) as error:
            # Leave no half-written parquet file behind for a reader to trip over.
            if fileio.exists(path):
                fileio.remove(path)
            raise MaterializerError(
                f"PolarsMaterializer cannot write this {type_path(type(data))} as parquet: "
                f"{type(error).__name__}: {error}. Cast the offending columns to a type parquet "
                "holds, or write a custom materializer."
            ) from error

    def extract_metadata(self, data: pl.DataFrame | pl.LazyFrame | pl.Series) -> dict[str, Any]:
        """Rows, and the columns with their dtypes (a LazyFrame: its schema only - running its
        query again to count rows could be costly)."""
        if isinstance(data, pl.Series):
            return {"kind": "series", "rows": data.len(), "dtype": str(data.dtype)}
        if isinstance(data, pl.LazyFrame):
            schema = data.collect_schema()
            return {
                "kind": "lazyframe",
                "columns": len(schema),
                "schema": {name: str(dtype) for name, dtype in schema.items()},
            }
        return {
            "kind": "dataframe",
            "rows": data.height,
            "columns": data.width,
            "schema": {name: str(dtype) for name, dtype in data.schema.items()},
        }


__all__ = ["COMPRESSION", "DEFAULT_FILENAME", "PolarsMaterializer"]
