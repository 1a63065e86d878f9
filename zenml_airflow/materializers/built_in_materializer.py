"""Materializer for Python's built-in types: JSON for values, raw bytes for ``bytes``.

Lossless or a clear error: a value is written only if reading it back gives an equal value of the
same type. JSON cannot tell a tuple from a list inside a container, keeps only string keys, and
knows nothing of sets or objects, so such values are refused with the path of the offending part
(``data['rows'][3]``) and a suggestion: a pydantic model or a custom materializer. Never pickle.
"""

from __future__ import annotations

import json
import os
from typing import Any

from zenml_airflow.artifacts.base_artifact import DataAnalysisArtifact, DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "data.json"
BYTES_FILENAME = "data.bin"

_NONE_TYPE = type(None)
_JSON_TYPES = (int, float, bool, str, dict, list, tuple, _NONE_TYPE)

_HOW_TO_FIX = (
    "Use a pydantic model for structured data, or write a custom materializer "
    "(subclass zenml_airflow.materializers.base_materializer.BaseMaterializer)."
)


def _refuse(data: Any, where: str, why: str) -> MaterializerError:
    return MaterializerError(
        f"BuiltInMaterializer cannot store this {type_path(type(data))} losslessly as JSON: "
        f"{why} at {where}. {_HOW_TO_FIX}"
    )


def _check_lossless(root: Any, value: Any, where: str, seen: set[int]) -> None:
    """Raise unless ``value`` survives a JSON round trip unchanged (types included)."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return
    if kind in (list, tuple, dict):
        if where != "data" and kind is tuple:
            raise _refuse(root, where, "a nested tuple would come back as a list")
        if id(value) in seen:
            raise _refuse(root, where, "the value contains a reference cycle")
        seen.add(id(value))
        if kind is dict:
            for key, item in value.items():
                if type(key) is not str:
                    raise _refuse(
                        root,
                        where,
                        f"the key {key!r} is a {type_path(type(key))}, and JSON object keys "
                        f"come back as strings ({str(key)!r})",
                    )
                _check_lossless(root, item, f"{where}[{key!r}]", seen)
        else:
            for index, item in enumerate(value):
                _check_lossless(root, item, f"{where}[{index}]", seen)
        seen.discard(id(value))
        return
    if isinstance(value, _JSON_TYPES):
        base = next(t for t in kind.__mro__ if t in _JSON_TYPES)
        raise _refuse(
            root,
            where,
            f"{type_path(kind)} is a subclass of {type_path(base)} and would come back as a "
            f"plain {type_path(base)}",
        )
    raise _refuse(root, where, f"a {type_path(kind)} is not representable in JSON")


class BuiltInMaterializer(BaseMaterializer):
    """Reads and writes ``int, float, bool, str, bytes, dict, list, tuple`` and ``None``.

    Files in ``artifact.uri``: ``data.json`` (everything but bytes) or ``data.bin`` (bytes).
    Reading returns exactly the type asked for: a tuple comes back as a tuple, ``True`` as a bool.
    ``nan`` and the infinities are kept (as JSON's non-standard ``NaN``/``Infinity``).
    """

    ASSOCIATED_TYPES = (int, float, bool, str, bytes, dict, list, tuple, _NONE_TYPE)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact, DataAnalysisArtifact)
    #: One of them per artifact: the JSON document, or the raw bytes of a ``bytes`` value.
    FILENAMES = (DEFAULT_FILENAME, BYTES_FILENAME)

    def handle_input(self, data_type: Any) -> Any:
        """Read the artifact as ``data_type`` (one of the built-in types)."""
        super().handle_input(data_type)
        cls = as_class(data_type)
        if cls is bytes:
            path = os.path.join(self.artifact.uri, BYTES_FILENAME)
            if not fileio.exists(path):
                raise self._mismatch(cls, "it holds JSON, not bytes")
            with fileio.open(path, "rb") as handle:
                return handle.read()
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            if fileio.exists(os.path.join(self.artifact.uri, BYTES_FILENAME)):
                raise self._mismatch(cls, "it holds bytes")
            raise self._missing_file(DEFAULT_FILENAME)
        with fileio.open(path, "r") as handle:
            value = json.load(handle)
        return self._coerce(value, cls)

    def _mismatch(self, cls: Any, why: str) -> MaterializerError:
        return MaterializerError(
            f"Cannot read artifact '{self.artifact.uri}' as {type_path(cls)}: {why}. Annotate the "
            "step input with the type the upstream step returned."
        )

    def _coerce(self, value: Any, cls: Any) -> Any:
        if cls is tuple and type(value) is list:
            return tuple(value)
        if cls is float and type(value) is int:
            return float(value)  # an int output read by a step that wants a float
        if cls is _NONE_TYPE:
            if value is None:
                return None
        elif type(value) is cls:
            return value
        elif cls not in self.ASSOCIATED_TYPES:
            raise MaterializerError(
                f"BuiltInMaterializer reads exact built-in types; {type_path(cls)} is a subclass "
                f"of one. {_HOW_TO_FIX}"
            )
        raise self._mismatch(cls, f"it holds a {type_path(type(value))}")

    def handle_return(self, data: Any) -> None:
        """Write ``data`` as ``data.json`` (or ``data.bin`` for bytes), refusing lossy values."""
        super().handle_return(data)
        fileio.makedirs(self.artifact.uri)
        if type(data) is bytes:
            with fileio.open(os.path.join(self.artifact.uri, BYTES_FILENAME), "wb") as handle:
                handle.write(data)
            return
        if isinstance(data, bytes):
            raise _refuse(data, "data", "a bytes subclass would come back as plain bytes")
        try:
            _check_lossless(data, data, "data", set())
            text = json.dumps(data)
        except RecursionError as error:
            raise MaterializerError(
                f"BuiltInMaterializer cannot write this {type_path(type(data))}: it is nested "
                f"too deeply for JSON. {_HOW_TO_FIX}"
            ) from error
        except ValueError as error:  # e.g. an int past Python's 4300-digit str conversion limit
            raise MaterializerError(
                f"BuiltInMaterializer cannot write this {type_path(type(data))}: {error}. "
                f"{_HOW_TO_FIX}"
            ) from error
        with fileio.open(os.path.join(self.artifact.uri, DEFAULT_FILENAME), "w") as handle:
            handle.write(text)

    def extract_metadata(self, data: Any) -> dict[str, Any]:
        """The value's type, and the length of a string, bytes or container."""
        facts: dict[str, Any] = {"type": type(data).__name__}
        if isinstance(data, str | bytes | list | tuple | dict | set | frozenset):
            facts["length"] = len(data)
        return facts
