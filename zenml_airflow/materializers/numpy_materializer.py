"""Materializer for ``numpy.ndarray``: one ``data.npy`` file, written and read with
``np.save``/``np.load`` through :mod:`zenml_airflow.io.fileio`, so it works on every artifact-store
scheme and streams rather than buffering the whole array.

Lossless for every dtype numpy can store without pickle: any shape (0-d included), structured
and datetime dtypes, Fortran order. Arrays holding Python objects are refused (that would need
pickle); so are ndarray subclasses (masked arrays, matrices), which would come back as plain arrays.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "data.npy"


class NumpyMaterializer(BaseMaterializer):
    """Reads and writes ``numpy.ndarray`` as ``data.npy`` (never pickled)."""

    ASSOCIATED_TYPES = (np.ndarray,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME,)

    def handle_input(self, data_type: Any) -> np.ndarray:
        """Read the array back with its dtype, shape and memory order."""
        super().handle_input(data_type)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(DEFAULT_FILENAME)
        with fileio.open(path, "rb") as handle:
            array = np.load(handle, allow_pickle=False)
        if not isinstance(array, np.ndarray):  # pragma: no cover - np.load of .npy gives arrays
            raise MaterializerError(f"'{path}' does not hold a single numpy array.")
        return array

    def handle_return(self, data: np.ndarray) -> None:
        """Write ``data`` as ``data.npy``; object arrays and ndarray subclasses are refused."""
        super().handle_return(data)
        if type(data) is not np.ndarray:
            raise MaterializerError(
                f"NumpyMaterializer stores plain numpy arrays; a {type_path(type(data))} would "
                "come back as numpy.ndarray and lose what makes it special. Convert it "
                "(np.asarray(value)) or write a custom materializer for it."
            )
        if data.dtype.hasobject:
            raise MaterializerError(
                f"NumpyMaterializer cannot store an array of dtype {data.dtype!r}: it holds Python "
                "objects, which only pickle could save, and zenml-airflow never pickles. Convert "
                "it to a fixed dtype (e.g. arr.astype(str) or a structured dtype), use a "
                "pandas DataFrame, or write a custom materializer."
            )
        fileio.makedirs(self.artifact.uri)
        with fileio.open(os.path.join(self.artifact.uri, DEFAULT_FILENAME), "wb") as handle:
            np.save(handle, data, allow_pickle=False)

    def extract_metadata(self, data: np.ndarray) -> dict[str, Any]:
        """Shape, dtype and number of elements."""
        return {"shape": list(data.shape), "dtype": str(data.dtype), "size": int(data.size)}
