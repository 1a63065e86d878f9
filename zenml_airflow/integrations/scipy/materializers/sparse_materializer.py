"""Materializer for scipy sparse matrices and sparse arrays: the components as ``.npy`` files and
a small ``sparse.json``, never a pickle.

``scipy.sparse.save_npz`` is not used: it writes a zip whose entries carry the time of writing
(equal matrices would give different bytes, so identical outputs would not share one stored copy
and cache keys would drift), and ``load_npz`` loads with ``allow_pickle`` in some versions.
Instead each component is written with ``np.save(allow_pickle=False)`` and read with
``np.load(allow_pickle=False)``:

================  =========================================================================
format            files besides ``sparse.json``
================  =========================================================================
csr, csc, bsr     ``data.npy``, ``indices.npy``, ``indptr.npy`` (bsr: ``data`` holds blocks)
coo               ``data.npy``, ``coords.npy`` (one row per dimension; n-d coo arrays too)
dia               ``data.npy``, ``offsets.npy``
dok, lil          stored as coo, converted back on reading
================  =========================================================================

``sparse.json`` names the class (one of the fourteen ``<format>_matrix``/``<format>_array``
classes of ``scipy.sparse``; nothing else is ever looked up), the shape and the file format
version. The value comes back as the same class with the same format, shape, dtype and values,
the stored order of entries included (duplicates in a coo matrix are kept, not summed).

Refused with a :class:`~zenml_airflow.exceptions.MaterializerError`: subclasses of the scipy
classes (scipy.sparse itself has no object dtypes) and, on reading, a ``sparse.json`` naming
anything else, an array that needs pickle, or indices that point outside the shape (checked
before any scipy routine touches them).
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import scipy.sparse as sp

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

METADATA_FILENAME = "sparse.json"
FORMAT_VERSION = 1
_FORMATS = ("csr", "csc", "coo", "bsr", "dia", "dok", "lil")
# The only classes this materializer writes or builds: "csr_matrix" -> scipy.sparse.csr_matrix.
_CLASSES: dict[str, type[Any]] = {
    f"{fmt}_{kind}": getattr(sp, f"{fmt}_{kind}")
    for fmt in _FORMATS
    for kind in ("matrix", "array")
}
# Formats without their own layout are stored as coo.
_STORED_AS = {"dok": "coo", "lil": "coo"}
_COMPONENTS = {
    "csr": ("data", "indices", "indptr"),
    "csc": ("data", "indices", "indptr"),
    "bsr": ("data", "indices", "indptr"),
    "coo": ("data", "coords"),
    "dia": ("data", "offsets"),
}


def _npy(name: str) -> str:
    return f"{name}.npy"


class SparseMaterializer(BaseMaterializer):
    """Reads and writes scipy sparse matrices and arrays as ``.npy`` components (no pickle)."""

    # The concrete classes too: dok_array is also a dict, and dict comes before sparray in its
    # MRO, so the lookup would find the built-in dict materializer first.
    ASSOCIATED_TYPES = (sp.spmatrix, sp.sparray, *_CLASSES.values())
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (
        METADATA_FILENAME,
        "data.npy",
        "indices.npy",
        "indptr.npy",
        "coords.npy",
        "offsets.npy",
    )

    def _path(self, name: str) -> str:
        return os.path.join(self.artifact.uri, name)

    # --- writing -------------------------------------------------------------------------------

    def handle_return(self, data: Any) -> None:
        """Write ``data``'s components and ``sparse.json``.

        Raises:
            MaterializerError: for a subclass of a scipy sparse class. (scipy.sparse itself
                refuses object dtypes, so every value here is numeric or boolean; the arrays are
                saved with allow_pickle=False all the same.)
        """
        super().handle_return(data)
        class_name = type(data).__name__
        if _CLASSES.get(class_name) is not type(data):
            raise MaterializerError(
                f"SparseMaterializer stores scipy.sparse's own matrix and array classes; a "
                f"{type_path(type(data))} would come back as its scipy base class. Convert it "
                "(e.g. scipy.sparse.csr_array(value)) or write a custom materializer for it."
            )
        stored_format = _STORED_AS.get(data.format, data.format)
        stored = data.tocoo() if stored_format != data.format else data
        components: dict[str, np.ndarray] = {"data": np.asarray(stored.data)}
        if stored_format == "coo":
            # One row per dimension; np.stack keeps the (shared) index dtype.
            components["coords"] = np.stack(stored.coords)
        elif stored_format == "dia":
            components["offsets"] = np.asarray(stored.offsets)
        else:
            components["indices"] = np.asarray(stored.indices)
            components["indptr"] = np.asarray(stored.indptr)
        metadata = {
            "class": class_name,
            "format": data.format,
            "format_version": FORMAT_VERSION,
            "shape": [int(n) for n in data.shape],
            "stored_format": stored_format,
        }
        fileio.makedirs(self.artifact.uri)
        for name, array in components.items():
            with fileio.open(self._path(_npy(name)), "wb") as handle:
                np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
        # Written last: its presence says every component is there.
        with fileio.open(self._path(METADATA_FILENAME), "w") as handle:
            json.dump(metadata, handle, sort_keys=True)

    # --- reading -------------------------------------------------------------------------------

    def _refuse(self, why: str) -> MaterializerError:
        return MaterializerError(
            f"SparseMaterializer refuses to read artifact '{self.artifact.uri}': {why}. It was "
            "not written by SparseMaterializer (it may be damaged or was put there by other "
            "means); re-run the step that produced it."
        )

    def _metadata(self) -> dict[str, Any]:
        path = self._path(METADATA_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(METADATA_FILENAME)
        try:
            with fileio.open(path, "r") as handle:
                metadata = json.load(handle)
        except (ValueError, UnicodeDecodeError) as error:
            raise self._refuse(f"{METADATA_FILENAME} is not JSON ({error})") from error
        if not isinstance(metadata, dict):
            raise self._refuse(f"{METADATA_FILENAME} is not a JSON object")
        if metadata.get("format_version") != FORMAT_VERSION:
            raise self._refuse(
                f"{METADATA_FILENAME} has format_version {metadata.get('format_version')!r}; "
                f"this version of zenml-airflow reads {FORMAT_VERSION}"
            )
        class_name = metadata.get("class")
        if not isinstance(class_name, str) or class_name not in _CLASSES:
            raise self._refuse(
                f"{METADATA_FILENAME} names class {class_name!r}, which is not one of the "
                f"scipy.sparse classes it builds ({', '.join(sorted(_CLASSES))})"
            )
        fmt = class_name.split("_", 1)[0]
        if metadata.get("format") != fmt or metadata.get("stored_format") != _STORED_AS.get(
            fmt, fmt
        ):
            raise self._refuse(f"{METADATA_FILENAME} does not match the format of {class_name}")
        shape = metadata.get("shape")
        if not (
            isinstance(shape, list)
            and shape
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        ):
            raise self._refuse(f"{METADATA_FILENAME} has an invalid shape {shape!r}")
        return metadata

    def _load(self, name: str) -> np.ndarray:
        path = self._path(_npy(name))
        if not fileio.exists(path):
            raise self._missing_file(_npy(name))
        try:
            with fileio.open(path, "rb") as handle:
                array = np.load(handle, allow_pickle=False)
        except ValueError as error:  # object arrays need pickle: refused, nothing built
            raise self._refuse(f"{_npy(name)} cannot be read without pickle ({error})") from error
        except (OSError, EOFError) as error:
            raise self._refuse(f"{_npy(name)} is not a .npy file ({error})") from error
        if not isinstance(array, np.ndarray):  # pragma: no cover - .npy holds one array
            raise self._refuse(f"{_npy(name)} does not hold one array")
        return array

    @staticmethod
    def _check_indices(indices: np.ndarray, bound: int, what: str) -> str:
        if indices.dtype.kind not in "iu":
            return f"{what} has dtype {indices.dtype}, not an integer dtype"
        if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= bound):
            return f"{what} points outside the shape"
        return ""

    def _build(self, metadata: dict[str, Any]) -> Any:
        shape = tuple(metadata["shape"])
        stored_format = metadata["stored_format"]
        arrays = {name: self._load(name) for name in _COMPONENTS[stored_format]}
        data = arrays["data"]
        problem = ""
        if stored_format == "coo":
            coords = arrays["coords"]
            if coords.ndim != 2 or coords.shape != (len(shape), data.shape[0]) or data.ndim != 1:
                problem = "coords.npy and data.npy do not fit the shape"
            else:
                problem = next(
                    (
                        p
                        for axis, bound in enumerate(shape)
                        if (p := self._check_indices(coords[axis], bound, f"coords[{axis}]"))
                    ),
                    "",
                )
            if not problem:
                cls = sp.coo_array if metadata["class"].endswith("_array") else sp.coo_matrix
                return cls((data, tuple(coords)), shape=shape)
        elif stored_format == "dia":
            return self._build_dia(metadata, data, arrays["offsets"], shape)
        else:
            problem = self._check_compressed(stored_format, shape, arrays)
            if not problem:
                cls = _CLASSES[metadata["class"]]
                # _check_compressed checked what check_format(full_check=True) would (index
                # bounds, indptr order), once, before scipy's C routines see the arrays.
                return cls((data, arrays["indices"], arrays["indptr"]), shape=shape)
        raise self._refuse(problem)

    def _check_compressed(
        self, fmt: str, shape: tuple[int, ...], arrays: dict[str, np.ndarray]
    ) -> str:
        data, indices, indptr = arrays["data"], arrays["indices"], arrays["indptr"]
        if indices.ndim != 1 or indptr.ndim != 1:
            return "indices.npy and indptr.npy must be one-dimensional"
        if fmt == "bsr":
            if data.ndim != 3 or data.shape[0] != indices.shape[0]:
                return "data.npy does not hold one block per index"
            rows, cols = data.shape[1], data.shape[2]
            if len(shape) != 2 or not rows or not cols or shape[0] % rows or shape[1] % cols:
                return "the block size does not divide the shape"
            major, minor = shape[0] // rows, shape[1] // cols
        else:
            if data.ndim != 1 or data.shape != indices.shape:
                return "data.npy and indices.npy differ in length"
            dims = shape if fmt == "csr" else shape[::-1]
            if len(dims) == 1:  # 1-d csr arrays: one row
                major, minor = 1, dims[0]
            elif len(dims) == 2:
                major, minor = dims
            else:
                return f"a {fmt} value has one or two dimensions, not {len(dims)}"
        problem = self._check_indices(indices, minor, "indices.npy") or self._check_indices(
            indptr, indices.shape[0] + 1, "indptr.npy"
        )
        if problem:
            return problem
        if indptr.shape[0] != major + 1 or indptr[0] != 0 or indptr[-1] != indices.shape[0]:
            return "indptr.npy does not fit the shape and the number of entries"
        if np.any(np.diff(indptr) < 0):
            return "indptr.npy is not non-decreasing"
        return ""

    def _build_dia(
        self,
        metadata: dict[str, Any],
        data: np.ndarray,
        offsets: np.ndarray,
        shape: tuple[int, ...],
    ) -> Any:
        if len(shape) != 2 or data.ndim != 2 or offsets.ndim != 1:
            raise self._refuse("a dia value needs a 2-d shape, 2-d data and 1-d offsets")
        if data.shape[0] != offsets.shape[0] or offsets.dtype.kind not in "iu":
            raise self._refuse("offsets.npy does not fit data.npy")
        cls = _CLASSES[metadata["class"]]
        return cls((data, offsets), shape=shape)

    def handle_input(self, data_type: Any) -> Any:
        """Build the stored value: same class, format, shape, dtype and entries.

        Raises:
            MaterializerError: if a file is missing, holds objects, or does not fit the rest;
                if ``sparse.json`` names a class other than the fourteen scipy.sparse ones; or
                if the stored class is not a ``data_type``.
        """
        super().handle_input(data_type)
        metadata = self._metadata()
        try:
            value = self._build(metadata)
        except (ValueError, TypeError, IndexError) as error:  # scipy's own format checks
            raise self._refuse(f"its components do not form a {metadata['class']} ({error})") from (
                error
            )
        if metadata["format"] != value.format:
            value = value.asformat(metadata["format"])
        cls = _CLASSES[metadata["class"]]
        if type(value) is not cls:  # pragma: no cover - the constructors above give cls
            value = cls(value)
        if not isinstance(value, data_type if isinstance(data_type, type) else object):
            raise MaterializerError(
                f"Cannot read artifact '{self.artifact.uri}' as {type_path(data_type)}: it holds "
                f"a scipy.sparse.{metadata['class']}. Annotate the step input with the type the "
                "upstream step returned (or scipy.sparse.sparray / spmatrix)."
            )
        return value

    def extract_metadata(self, data: Any) -> dict[str, Any]:
        """Class, format, shape, dtype and number of stored entries."""
        return {
            "class": type(data).__name__,
            "format": data.format,
            "shape": list(data.shape),
            "dtype": str(data.dtype),
            "nnz": int(data.nnz),
        }


__all__ = ["FORMAT_VERSION", "METADATA_FILENAME", "SparseMaterializer"]
