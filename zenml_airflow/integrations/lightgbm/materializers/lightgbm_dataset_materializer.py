"""Materializer for ``lightgbm.Dataset``: LightGBM's own binary dataset file, never a pickle.

The artifact holds:

- ``dataset.bin``: ``Dataset.save_binary`` - the binned features (the bin boundaries
  included, so a validation set needs no ``reference`` once loaded), feature names, labels,
  weights and query groups. Saving constructs the Dataset first, as training would;
- ``init_score.npy`` / ``position.npy`` when set (the binary file leaves them out), written and
  read with ``allow_pickle=False``;
- ``zenml_model.json``: the Dataset's ``params`` (which must match the file when LightGBM loads
  it, e.g. ``max_bin``), the pandas categories it was built with, the LightGBM version and the
  binary file's BLAKE3 digest (see :mod:`zenml_airflow.integrations.model_files`).

Reading checks the digest before LightGBM parses the file, then builds a constructed
``Dataset`` from it and sets the extra fields back: it trains exactly the model the written one
trains. As with LightGBM's default ``free_raw_data=True``, the raw feature values are not part
of it (``get_data()`` is not available): a step that needs them should return the arrays or
frame instead.

Refused on writing, with a message that says to return the arrays or frame instead:
validation sets (built with ``reference=``: LightGBM cannot attach a Dataset loaded from its
binary file to a training set), subclasses, parameters that are not plain data and pandas
categories that are not plain values.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import lightgbm as lgb
import numpy as np

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    check_params,
    jsonable,
    read_manifest,
    read_model,
    write_model,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "dataset.bin"
FORMAT = "lightgbm.Dataset/binary"
# What every LightGBM binary dataset file starts with (LightGBM's binary_file_token).
BINARY_TOKEN = b"______LightGBM_Binary_File_Token______\n"
# Fields the binary file does not hold, stored next to it.
EXTRA_FIELDS = ("init_score", "position")


def _refused(data: lgb.Dataset, why: str) -> MaterializerError:
    return MaterializerError(
        f"LightGBMDatasetMaterializer cannot store this {type_path(type(data))}: {why}. Return "
        "the arrays or data frame it is built from (and its labels) instead, and build the "
        "Dataset in the step that trains."
    )


class LightGBMDatasetMaterializer(BaseMaterializer):
    """Reads and writes ``lightgbm.Dataset`` as LightGBM's binary dataset file plus a manifest."""

    ASSOCIATED_TYPES = (lgb.Dataset,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME, *(f"{f}.npy" for f in EXTRA_FIELDS))

    def handle_return(self, data: lgb.Dataset) -> None:
        """Construct ``data`` if needed and write it as ``dataset.bin``, its extra fields and
        the manifest.

        Raises:
            MaterializerError: ``data`` is a subclass or a validation set, has parameters that
                are not plain data or pandas categories that are not plain values, or LightGBM
                cannot construct it.
        """
        super().handle_return(data)
        if type(data) is not lgb.Dataset:
            raise _refused(data, "only lightgbm.Dataset itself is rebuilt, never a subclass")
        if data.reference is not None:
            raise _refused(
                data,
                "it is a validation set (built with reference=), and a Dataset loaded from "
                "LightGBM's binary file can no longer be attached to a training set",
            )
        check_params(data.params or {}, "lightgbm.Dataset")  # refused before constructing
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-lightgbm-") as folder:
            path = os.path.join(folder, DEFAULT_FILENAME)
            try:
                data.save_binary(path)  # constructs it first
            except lgb.basic.LightGBMError as error:
                raise _refused(data, f"LightGBM cannot construct it ({error})") from error
            with open(path, "rb") as handle:
                payload = handle.read()
        # as constructing left them (it sets the pandas categories)
        params = check_params(data.params or {}, "lightgbm.Dataset")
        categories = data.pandas_categorical
        if categories is not None and not jsonable(categories):
            raise _refused(data, "its pandas categories are not plain numbers or strings")
        extras = {}
        for name in EXTRA_FIELDS:
            values = data.get_field(name)
            if values is not None and np.size(values):
                extras[name] = np.ascontiguousarray(values)
        manifest = {
            "format": FORMAT,
            "lightgbm_version": lgb.__version__,
            "params": params,
            "pandas_categorical": categories,
            "fields": sorted(extras),
        }
        fileio.makedirs(self.artifact.uri)
        for name, values in extras.items():
            with fileio.open(os.path.join(self.artifact.uri, f"{name}.npy"), "wb") as handle:
                np.save(handle, values, allow_pickle=False)
        # the manifest is written last: its presence says every other file is there
        write_model(self.artifact.uri, DEFAULT_FILENAME, payload, manifest)

    def _extra(self, name: str) -> np.ndarray:
        path = os.path.join(self.artifact.uri, f"{name}.npy")
        try:
            with fileio.open(path, "rb") as handle:
                values = np.load(handle, allow_pickle=False)
        except FileNotFoundError:
            raise self._missing_file(f"{name}.npy") from None
        except ValueError as error:  # not .npy, or an object array (which would need pickle)
            raise MaterializerError(
                f"Refusing to load '{path}': it is not a plain numeric array ({error})."
            ) from error
        if values.dtype.kind not in "iuf":
            raise MaterializerError(f"Refusing to load '{path}': {values.dtype} is not numeric.")
        return values

    def handle_input(self, data_type: Any) -> lgb.Dataset:
        """A constructed Dataset with the stored bins, fields, feature names and parameters.

        Raises:
            MaterializerError: a file is missing, the binary file is not the one written
                (digest) or not a LightGBM dataset, or LightGBM cannot load it.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        params, fields = manifest.get("params"), manifest.get("fields")
        if not isinstance(params, dict) or not (
            isinstance(fields, list) and set(fields) <= set(EXTRA_FIELDS)
        ):
            raise MaterializerError(
                f"Refusing to load '{self.artifact.uri}/{MANIFEST_FILENAME}': its params or "
                "fields are not valid. Re-run the step that produced it."
            )
        payload = read_model(self, manifest)
        where = f"{self.artifact.uri}/{DEFAULT_FILENAME}"
        if not payload.startswith(BINARY_TOKEN):
            # LightGBM would parse anything else as a text data file instead
            raise MaterializerError(
                f"Refusing to load '{where}': it is not a LightGBM binary dataset (it starts "
                f"with {payload[:8]!r}); nothing in it was loaded. Re-run the step that "
                "produced it."
            )
        extras = {name: self._extra(name) for name in fields}
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-lightgbm-") as folder:
            path = os.path.join(folder, DEFAULT_FILENAME)
            with open(path, "wb") as handle:
                handle.write(payload)
            try:
                dataset = lgb.Dataset(path, params=dict(params)).construct()
                for name, values in extras.items():
                    dataset.set_field(name, values)
            except (lgb.basic.LightGBMError, ValueError, TypeError) as error:
                raise MaterializerError(
                    f"Cannot load the LightGBM dataset in '{where}': {error}. The file is "
                    f"damaged or was written by a LightGBM this one ({lgb.__version__}) cannot "
                    "read; re-run the step that produced it."
                ) from error
        dataset.pandas_categorical = manifest.get("pandas_categorical")
        return dataset

    def extract_metadata(self, data: lgb.Dataset) -> dict[str, Any]:
        """Rows, columns and the number of feature names (of the constructed Dataset)."""
        names = data.get_feature_name()  # handle_return constructed it
        facts: dict[str, Any] = {
            "rows": int(data.num_data()),
            "columns": int(data.num_feature()),
            "feature_names": len(names) if names else 0,
        }
        return facts


__all__ = ["DEFAULT_FILENAME", "FORMAT", "LightGBMDatasetMaterializer"]
