"""How the model materializers (XGBoost, LightGBM) lay out an artifact: the model in its
library's own format plus a small manifest, both written with fixed bytes for the same model.

The manifest (``zenml_model.json``) says which format the model file is in, which library
version wrote it, the BLAKE3 digest of the model file (``"blake3"``) and, for scikit-learn
wrappers, the wrapper class and its parameters. Reading checks the digest before the library
parses anything, so a model file changed after it was written (or copied in from elsewhere) is
refused instead of being loaded. Manifests written before the digest became BLAKE3 record a
SHA-256 (``"sha256"``) instead; it is checked the same way, so those artifacts keep loading.
BLAKE3 is cryptographic like SHA-256 and hashes several times faster (ADR 0012): for a 300 KB
XGBoost model, whose own save and load take about 2.8 ms, the two SHA-256 passes of a round trip
(writing, reading) took about 0.35 ms, the two BLAKE3 passes take about 0.1 ms.

Neither file is ever unpickled: the model is parsed by the library's own model reader, the
manifest by :func:`json.loads`. This module imports numpy, never a model library.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from blake3 import blake3

from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

MANIFEST_FILENAME = "zenml_model.json"

# Payloads of at least this many bytes are hashed on every core: below it, waking the hashing
# threads costs more than they save (BLAKE3 splits its input in 1 MiB chunks, ADR 0012).
_THREADED_DIGEST_MIN = 1024 * 1024


def digest(payload: bytes | bytearray) -> str:
    """The BLAKE3-256 digest (hex) of a model file's bytes, as the manifest records it."""
    threads = blake3.AUTO if len(payload) >= _THREADED_DIGEST_MIN else 1
    return str(blake3(payload, max_threads=threads).hexdigest())


def jsonable(value: Any) -> bool:
    """Whether ``value`` is plain data that JSON keeps as it is (no callables, no objects)."""
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return True  # NaN is XGBoost's default `missing`; our JSON writer keeps it
    if isinstance(value, np.bool_ | np.integer | np.floating | np.str_):
        return True
    if isinstance(value, list | tuple):
        return all(jsonable(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and jsonable(v) for k, v in value.items())
    return False


def check_params(params: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """``params`` as a plain dict, or the error naming every parameter JSON cannot hold.

    Raises:
        MaterializerError: some parameter is code or an object (a custom objective or metric
            function, callbacks, a ``numpy.random.RandomState``...), which could not be stored
            without pickling it.
    """
    refused = {name: value for name, value in params.items() if not jsonable(value)}
    if refused:
        listed = ", ".join(
            f"{name}={type(value).__name__}" for name, value in sorted(refused.items())
        )
        raise MaterializerError(
            f"Cannot store this {owner}: parameter(s) {listed} are not plain data. zenml-airflow "
            "stores models in their library's own format plus their parameters as JSON and "
            "never pickles, so a custom objective or metric function, callbacks or a random "
            "state object cannot be stored. Set them to built-in names (e.g. objective='binary'"
            ", eval_metric='logloss'), None or an int before returning the model, or return "
            "its Booster."
        )
    return {name: _plain(value) for name, value in params.items()}


def _plain(value: Any) -> Any:
    # tuples become lists and numpy scalars Python ones: what JSON gives back when read
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def dump_manifest(manifest: Mapping[str, Any]) -> bytes:
    """Sorted, compact JSON: the same manifest always gives the same bytes."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def write_model(
    uri: str, filename: str, payload: bytes | bytearray, manifest: Mapping[str, Any]
) -> None:
    """Write ``payload`` as ``filename`` and the manifest (with the payload's digest) in ``uri``."""
    local = fileio.local_path(uri)
    if local is None:
        fileio.makedirs(uri)
        with fileio.open(os.path.join(uri, filename), "wb") as handle:
            handle.write(payload)
        write_manifest(uri, filename, payload, manifest)
        return
    # The same files through the local path found once, instead of a filesystem lookup per
    # call: a round trip of a small model is short enough for these to show (docs/benchmarks.md).
    os.makedirs(local, exist_ok=True)
    with open(os.path.join(local, filename), "wb") as handle:
        handle.write(payload)
    with open(os.path.join(local, MANIFEST_FILENAME), "wb") as handle:
        handle.write(_manifest_bytes(filename, payload, manifest))


def write_manifest(
    uri: str, filename: str, payload: bytes | bytearray, manifest: Mapping[str, Any]
) -> None:
    """Write the manifest of ``uri/filename``, already written with the bytes ``payload``
    (for libraries that save a model only to a path of their own choosing)."""
    with fileio.open(os.path.join(uri, MANIFEST_FILENAME), "wb") as handle:
        handle.write(_manifest_bytes(filename, payload, manifest))


def _manifest_bytes(
    filename: str, payload: bytes | bytearray, manifest: Mapping[str, Any]
) -> bytes:
    return dump_manifest({**manifest, "file": filename, "blake3": digest(payload)})


def _read_file(materializer: BaseMaterializer, path: str, name: str) -> bytes:
    # Opening without asking whether the file exists first spares a round trip to the store
    # (a stat locally, a request on S3/GCS) on every read; a missing file is the same error.
    try:
        with fileio.open(path, "rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError:
        raise materializer._missing_file(name) from None


def read_manifest(materializer: BaseMaterializer, expected_format: str) -> dict[str, Any]:
    """The manifest of ``materializer.artifact``, checked to describe ``expected_format``.

    Raises:
        MaterializerError: it is missing, not JSON, or describes another format.
    """
    uri = materializer.artifact.uri
    path = os.path.join(uri, MANIFEST_FILENAME)
    raw = _read_file(materializer, path, MANIFEST_FILENAME)
    try:
        manifest = json.loads(raw)
    except ValueError as error:
        raise MaterializerError(
            f"Cannot read '{path}': not a JSON manifest ({error}). The artifact was damaged or "
            "not written by zenml-airflow; re-run the step that produced it."
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != expected_format:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise MaterializerError(
            f"'{path}' describes a {found!r} artifact, not {expected_format!r}: "
            f"{type(materializer).__name__} cannot read it. Read it with the materializer that "
            "wrote it."
        )
    return manifest


def rebuild_wrapper(
    materializer: BaseMaterializer,
    manifest: Mapping[str, Any],
    wrappers: Mapping[str, type[Any]],
    data_type: Any,
    *,
    library: str,
    version: str,
    requires: tuple[str, ...] = ("params",),
) -> Any:
    """A scikit-learn wrapper of ``library`` rebuilt (unfitted) from the manifest's class and
    parameters.

    The class is looked up in ``wrappers`` (the library's own classes), never imported from the
    name in the file. ``requires``: manifest entries that must be JSON objects.

    Raises:
        MaterializerError: the manifest names another class or lacks a required entry, the
            class is not ``data_type``, or the parameters no longer build it.
    """
    where = f"{materializer.artifact.uri}/{MANIFEST_FILENAME}"
    class_name = manifest.get("class")
    cls = wrappers.get(class_name) if isinstance(class_name, str) else None
    if cls is None or not all(isinstance(manifest.get(key), dict) for key in requires):
        raise MaterializerError(
            f"Refusing to load '{where}': it names {class_name!r}, which is not one of "
            f"{library}'s scikit-learn wrappers ({', '.join(sorted(wrappers))}), or lacks its "
            f"{' or '.join(requires)}. Nothing named in it was imported."
        )
    wanted = as_class(data_type)
    if wanted is not None and not issubclass(cls, wanted):
        raise MaterializerError(
            f"'{materializer.artifact.uri}' holds a {class_name}, not a {type_path(wanted)}: "
            "fix the step's input annotation."
        )
    try:
        return cls(**manifest["params"])
    except TypeError as error:
        raise MaterializerError(
            f"Cannot rebuild {class_name} from '{where}': {error}. It was written by {library} "
            f"{manifest.get(f'{library.lower()}_version')}; this is {version}."
        ) from error


def read_model(materializer: BaseMaterializer, manifest: Mapping[str, Any]) -> bytes:
    """The model file the manifest names, after checking its digest against the manifest.

    The digest is the manifest's ``"blake3"``, or its ``"sha256"`` when it has no ``"blake3"``
    (manifests written before the digest became BLAKE3).

    Raises:
        MaterializerError: the file is missing, the manifest records no digest, or the file's
            bytes are not the ones written.
    """
    uri = materializer.artifact.uri
    filename = manifest.get("file")
    if not isinstance(filename, str) or os.path.basename(filename) != filename or not filename:
        raise MaterializerError(
            f"The manifest in '{uri}' names no valid model file ({filename!r}); the artifact "
            "was not written by zenml-airflow. Re-run the step that produced it."
        )
    path = os.path.join(uri, filename)
    if "blake3" in manifest:
        expected, algorithm = manifest["blake3"], "BLAKE3"
    elif "sha256" in manifest:
        expected, algorithm = manifest["sha256"], "SHA-256"
    else:
        raise MaterializerError(
            f"Refusing to load '{path}': the manifest in '{uri}' records no digest of it "
            "(neither 'blake3' nor 'sha256'), so its content cannot be checked; nothing in it "
            "was loaded. The artifact was not written by zenml-airflow: re-run the step that "
            "produced it."
        )
    payload = _read_file(materializer, path, filename)
    actual = digest(payload) if algorithm == "BLAKE3" else hashlib.sha256(payload).hexdigest()
    if actual != expected:
        raise MaterializerError(
            f"Refusing to load '{path}': its content is not what {type(materializer).__name__} "
            f"wrote ({algorithm} digest differs from the manifest). The file was changed or "
            "replaced after the step wrote it; nothing in it was loaded. Re-run the step that "
            "produced it."
        )
    return payload


__all__ = [
    "MANIFEST_FILENAME",
    "check_params",
    "digest",
    "dump_manifest",
    "jsonable",
    "read_manifest",
    "read_model",
    "rebuild_wrapper",
    "write_manifest",
    "write_model",
]
