"""Materializer for ``xgboost.DMatrix``: the data it holds, never XGBoost's binary buffer.

XGBoost's own ``DMatrix.save_binary`` writes its internal binary buffer, a format for caching
rather than exchange (not promised to stay readable across versions, and parsed by C++ code we
cannot check first), so this materializer stores what a DMatrix is made of, each part as plain
arrays:

- ``data/``: the predictors as a scipy CSR matrix (``DMatrix.get_data()``: every value that is
  not missing, explicit zeros included), written by the scipy integration's
  :class:`~zenml_airflow.integrations.scipy.materializers.sparse_materializer.SparseMaterializer`
  (``.npy`` components, indices checked on reading);
- ``info/<field>.npy``: each meta field that is set - ``label``, ``weight``, ``base_margin``,
  ``label_lower_bound``, ``label_upper_bound``, ``feature_weights`` (float32) and ``group``
  (uint32, the sizes of the query groups) - written and read with ``allow_pickle=False``;
- ``dmatrix.json`` (written last): rows, columns, feature names and types, the fields present
  and the XGBoost version.

Reading builds a new ``DMatrix`` from those arrays; missing values are the entries the CSR
matrix does not hold, so the result has the same non-missing values, shape, fields and feature
names and types as the one written, and trains the same model.

Refused on writing, with a message that says to return the underlying arrays or frame instead:
subclasses (``QuantileDMatrix`` holds quantised bins, not the values; external-memory
matrices hold no data in memory), matrices with categorical features (their category
encoding is not part of the values), and matrices split by column across workers.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import scipy.sparse as sp
import xgboost as xgb

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.scipy.materializers.sparse_materializer import (
    SparseMaterializer,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

METADATA_FILENAME = "dmatrix.json"
DATA_DIRECTORY = "data"
INFO_DIRECTORY = "info"
FORMAT = "xgboost.DMatrix/arrays"
FORMAT_VERSION = 1
# Meta fields stored, with their dtype: XGBoost keeps the float ones as float32 and the group
# boundaries as uint32, so storing those dtypes loses nothing.
FLOAT_FIELDS = (
    "label",
    "weight",
    "base_margin",
    "label_lower_bound",
    "label_upper_bound",
    "feature_weights",
)
_DTYPES = {**dict.fromkeys(FLOAT_FIELDS, np.dtype("<f4")), "group": np.dtype("<u4")}


def _refused(data: xgb.DMatrix, why: str) -> MaterializerError:
    return MaterializerError(
        f"XgboostDMatrixMaterializer cannot store this {type_path(type(data))}: {why}. Return "
        "the arrays or data frame the DMatrix was built from (and its labels) instead, and "
        "build the DMatrix in the step that trains."
    )


def _fields(data: xgb.DMatrix) -> dict[str, np.ndarray]:
    fields: dict[str, np.ndarray] = {}
    for name in FLOAT_FIELDS:
        values = data.get_float_info(name)
        if values.size:
            fields[name] = values
    group_ptr = data.get_uint_info("group_ptr")
    if group_ptr.size:  # the query groups' boundaries; stored as their sizes, as set_group takes
        fields["group"] = np.diff(group_ptr)
    return fields


class XgboostDMatrixMaterializer(BaseMaterializer):
    """Reads and writes ``xgboost.DMatrix`` as its data (scipy CSR) and meta fields (``.npy``)."""

    ASSOCIATED_TYPES = (xgb.DMatrix,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (METADATA_FILENAME, DATA_DIRECTORY, INFO_DIRECTORY)

    def _sparse(self) -> SparseMaterializer:
        return SparseMaterializer(DataArtifact(uri=os.path.join(self.artifact.uri, DATA_DIRECTORY)))

    def _info_path(self, name: str) -> str:
        return os.path.join(self.artifact.uri, INFO_DIRECTORY, f"{name}.npy")

    def handle_return(self, data: xgb.DMatrix) -> None:
        """Write the data, the meta fields that are set and ``dmatrix.json``.

        Raises:
            MaterializerError: ``data`` is a subclass (``QuantileDMatrix``, external memory),
                has categorical features, or is split by column.
        """
        super().handle_return(data)
        if type(data) is not xgb.DMatrix:
            raise _refused(
                data,
                "only a plain xgboost.DMatrix holds the values it was built from (a "
                "QuantileDMatrix holds quantised bins, an external-memory one reads batches)",
            )
        feature_types = data.feature_types
        if feature_types and "c" in feature_types:
            raise _refused(
                data,
                "it has categorical features, whose category encoding is not part of its "
                "values and could not be rebuilt exactly",
            )
        if int(data.data_split_mode()) != 0:  # DataSplitMode.ROW
            raise _refused(data, "it is split by column across workers")
        fields = _fields(data)
        self._sparse().handle_return(sp.csr_matrix(data.get_data()))
        fileio.makedirs(os.path.join(self.artifact.uri, INFO_DIRECTORY))
        for name, values in fields.items():
            with fileio.open(self._info_path(name), "wb") as handle:
                np.save(handle, np.ascontiguousarray(values, _DTYPES[name]), allow_pickle=False)
        metadata = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "xgboost_version": xgb.__version__,
            "num_row": int(data.num_row()),
            "num_col": int(data.num_col()),
            "feature_names": data.feature_names,
            "feature_types": feature_types,
            "fields": sorted(fields),
        }
        # Written last: its presence says every other file is there.
        with fileio.open(os.path.join(self.artifact.uri, METADATA_FILENAME), "w") as handle:
            json.dump(metadata, handle, sort_keys=True)

    def _metadata(self) -> dict[str, Any]:
        path = os.path.join(self.artifact.uri, METADATA_FILENAME)
        try:
            with fileio.open(path, "r") as handle:
                metadata = json.load(handle)
        except FileNotFoundError:
            raise self._missing_file(METADATA_FILENAME) from None
        except ValueError as error:
            raise self._invalid(f"{METADATA_FILENAME} is not JSON ({error})") from error
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
            raise self._invalid(f"{METADATA_FILENAME} does not describe a {FORMAT} artifact")
        if metadata.get("format_version") != FORMAT_VERSION:
            raise self._invalid(
                f"format version {metadata.get('format_version')!r} is not {FORMAT_VERSION}"
            )
        rows, cols = metadata.get("num_row"), metadata.get("num_col")
        fields = metadata.get("fields")
        if (
            not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (rows, cols))
            or not isinstance(fields, list)
            or not set(fields) <= set(_DTYPES)
        ):
            raise self._invalid("its shape or list of fields is not valid")
        for key in ("feature_names", "feature_types"):
            names = metadata.get(key)
            if names is not None and (
                not isinstance(names, list)
                or len(names) != cols
                or not all(isinstance(n, str) for n in names)
            ):
                raise self._invalid(f"its {key} are not {cols} strings")
        return metadata

    def _invalid(self, why: str) -> MaterializerError:
        return MaterializerError(
            f"Cannot read the DMatrix artifact '{self.artifact.uri}': {why}. It was not written "
            "by XgboostDMatrixMaterializer, or was changed since; re-run the step that produced "
            "it."
        )

    def _field(self, name: str) -> np.ndarray:
        path = self._info_path(name)
        try:
            with fileio.open(path, "rb") as handle:
                values = np.load(handle, allow_pickle=False)
        except FileNotFoundError:
            raise self._invalid(f"{INFO_DIRECTORY}/{name}.npy, listed in it, is missing") from None
        except ValueError as error:  # not .npy, or an object array (which would need pickle)
            raise self._invalid(
                f"{INFO_DIRECTORY}/{name}.npy is not a plain array ({error})"
            ) from error
        # labels and base margins are 2-d for multi-target and multi-class models
        dims = (1, 2) if name in ("label", "base_margin") else (1,)
        if values.dtype != _DTYPES[name] or values.ndim not in dims:
            raise self._invalid(
                f"{INFO_DIRECTORY}/{name}.npy is not a {'1-d' if dims == (1,) else '1-d or 2-d'} "
                f"{_DTYPES[name]} array"
            )
        return values

    def handle_input(self, data_type: Any) -> xgb.DMatrix:
        """A new DMatrix with the stored values, meta fields, feature names and types.

        Raises:
            MaterializerError: a file is missing or invalid, the data's shape is not the one
                recorded, or XGBoost refuses the stored fields.
        """
        super().handle_input(data_type)
        metadata = self._metadata()
        rows, cols = metadata["num_row"], metadata["num_col"]
        matrix = self._sparse().handle_input(sp.csr_matrix)
        if matrix.format != "csr" or tuple(matrix.shape) != (rows, cols):
            raise self._invalid(
                f"its data is a {matrix.format} matrix of shape {matrix.shape}, not the "
                f"recorded csr ({rows}, {cols})"
            )
        fields = {name: self._field(name) for name in metadata["fields"]}
        try:
            dmatrix = xgb.DMatrix(
                matrix,
                feature_names=metadata.get("feature_names"),
                feature_types=metadata.get("feature_types"),
            )
            dmatrix.set_info(**fields)
        except (xgb.core.XGBoostError, ValueError, TypeError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise self._invalid(f"XGBoost refuses its fields ({first_line})") from error
        return dmatrix

    def extract_metadata(self, data: xgb.DMatrix) -> dict[str, Any]:
        """Rows, columns, non-missing values, feature names count and the fields set."""
        names = data.feature_names
        return {
            "rows": int(data.num_row()),
            "columns": int(data.num_col()),
            "non_missing": int(data.num_nonmissing()),
            "feature_names": len(names) if names else 0,
            "fields": sorted(_fields(data)),
        }


__all__ = ["FORMAT", "METADATA_FILENAME", "XgboostDMatrixMaterializer"]
