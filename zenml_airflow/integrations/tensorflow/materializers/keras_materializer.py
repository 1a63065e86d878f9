"""Materializer for Keras 3 models (``keras.Model``, also ``tf.keras.Model`` since TensorFlow
2.16): Keras's native ``.keras`` format, loaded in safe mode, never a pickle.

The artifact holds ``model.keras`` (a zip of ``config.json``, the architecture and compile
configuration as JSON; ``model.weights.h5``, the weights; ``metadata.json``, the Keras version)
and ``zenml_model.json`` (the format, Keras version and backend, the model class and the file's
BLAKE3 digest; see :mod:`zenml_airflow.integrations.model_files`). The seed stored ``model.hdf5``.

Identical models give identical bytes: Keras writes the save date into ``metadata.json``, the
time into the zip entries and objects' memory addresses (``shared_object_id``, which only say
which layers share an object) into ``config.json``, so the file is re-packed with fixed
timestamps, stored (uncompressed) entries, no save date and shared-object ids numbered in order
of appearance. The HDF5 weights file Keras writes carries no timestamps.

Safety: reading checks the digest, that the file is a ``.keras`` zip, then calls
``keras.saving.load_model(..., safe_mode=True)``, which builds layers from JSON configuration
and refuses ``Lambda`` layers (their Python bytecode would run) and other unsafe
deserialization. Writing refuses models with ``Lambda`` layers up front, since they could not be
read back; custom layers must be registered with ``@keras.saving.register_keras_serializable``
in code the reading step imports.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import Any

import keras

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    read_manifest,
    read_model,
    write_model,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "model.keras"
FORMAT = "keras.Model/keras"
_ENTRIES = {"config.json", "metadata.json", "model.weights.h5"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def _renumber_shared_objects(config: Any, numbers: dict[Any, int]) -> Any:
    """``config`` with each ``shared_object_id`` (Keras writes the object's memory address)
    replaced by its order of first appearance: the same sharing, the same bytes every time."""
    if isinstance(config, dict):
        renumbered = {}
        for key, value in config.items():
            if key == "shared_object_id":
                renumbered[key] = numbers.setdefault(value, len(numbers) + 1)
            else:
                renumbered[key] = _renumber_shared_objects(value, numbers)
        return renumbered
    if isinstance(config, list):
        return [_renumber_shared_objects(item, numbers) for item in config]
    return config


def deterministic_keras_zip(payload: bytes) -> bytes:
    """The ``.keras`` zip ``payload`` re-packed so that the same model gives the same bytes:
    entries in their order, fixed timestamps and permissions, stored, and ``metadata.json``
    without its ``date_saved``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(payload)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name == "metadata.json":
                metadata = json.loads(data)
                metadata.pop("date_saved", None)
                data = json.dumps(metadata, sort_keys=True).encode()
            elif name == "config.json":
                data = json.dumps(_renumber_shared_objects(json.loads(data), {})).encode()
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    return out.getvalue()


def _lambda_layers(model: keras.Model) -> list[str]:
    return [
        layer.name
        for layer in model._flatten_layers(include_self=False, recursive=True)
        if isinstance(layer, keras.layers.Lambda)
    ]


class KerasMaterializer(BaseMaterializer):
    """Reads and writes ``keras.Model`` as a ``.keras`` file plus a manifest."""

    ASSOCIATED_TYPES = (keras.Model,)
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    def handle_input(self, data_type: Any) -> keras.Model:
        """Load the model with ``keras.saving.load_model(..., safe_mode=True)``.

        Raises:
            MaterializerError: a file is missing or not the one written (digest), it is not a
                ``.keras`` zip, Keras refuses it in safe mode (a ``Lambda`` layer, an
                unregistered custom class) or it is not a ``data_type``.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        payload = read_model(self, manifest)
        where = f"{self.artifact.uri}/{manifest['file']}"
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if not {"config.json", "metadata.json"} <= names:
            raise MaterializerError(
                f"Refusing to load '{where}': it is not a Keras .keras file (it starts with "
                f"{payload[:8]!r}); nothing in it was loaded. Re-run the step that produced it."
            )
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-keras-") as folder:
            path = os.path.join(folder, DEFAULT_FILENAME)
            with open(path, "wb") as handle:
                handle.write(payload)
            try:
                model = keras.saving.load_model(path, safe_mode=True)
            except (ValueError, TypeError, KeyError, OSError) as error:
                raise MaterializerError(
                    f"Keras refused to load '{where}' in safe mode: {error}. zenml-airflow "
                    "never loads Keras models in unsafe mode; remove Lambda layers (write a "
                    "registered custom layer instead) and make sure custom classes are "
                    "registered with @keras.saving.register_keras_serializable in code the "
                    "step imports."
                ) from error
        wanted = as_class(data_type)
        if wanted is not None and not isinstance(model, wanted):
            raise MaterializerError(
                f"'{self.artifact.uri}' holds a {type_path(type(model))}, not a "
                f"{type_path(wanted)}: fix the step's input annotation."
            )
        return model

    def handle_return(self, data: keras.Model) -> None:
        """Write ``data`` as ``model.keras`` (re-packed to fixed bytes) and its manifest.

        Raises:
            MaterializerError: the model has ``Lambda`` layers, or Keras cannot save it.
        """
        super().handle_return(data)
        lambdas = _lambda_layers(data)
        if lambdas:
            raise MaterializerError(
                f"Cannot store this {type_path(type(data))}: its Lambda layer(s) "
                f"{', '.join(lambdas)} hold Python bytecode, which Keras loads only in unsafe "
                "mode and zenml-airflow never does. Replace each with a custom layer registered "
                "with @keras.saving.register_keras_serializable."
            )
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-keras-") as folder:
            path = os.path.join(folder, DEFAULT_FILENAME)
            try:
                data.save(path)
            except (ValueError, TypeError, NotImplementedError) as error:
                raise MaterializerError(
                    f"Keras cannot save this {type_path(type(data))} as .keras: {error}"
                ) from error
            with open(path, "rb") as handle:
                payload = deterministic_keras_zip(handle.read())
        manifest = {
            "format": FORMAT,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "class": type_path(type(data)),
        }
        write_model(self.artifact.uri, DEFAULT_FILENAME, payload, manifest)

    def extract_metadata(self, data: keras.Model) -> dict[str, Any]:
        """Model class, parameter counts, number of layers, input and output shapes."""
        facts: dict[str, Any] = {
            "model_class": type_path(type(data)),
            "layers": len(data.layers),
            "built": bool(data.built),
        }
        if data.built:
            facts["parameter_count"] = int(data.count_params())
            facts["trainable_parameter_count"] = int(
                sum(int(keras.ops.size(w)) for w in data.trainable_weights)
            )
        for key, tensors in (("input_shape", "inputs"), ("output_shape", "outputs")):
            try:
                shapes = [list(t.shape) for t in getattr(data, tensors)]
            except (AttributeError, TypeError, ValueError):
                continue  # a subclassed model has no symbolic inputs/outputs
            facts[key] = shapes[0] if len(shapes) == 1 else shapes
        return facts


__all__ = ["DEFAULT_FILENAME", "KerasMaterializer", "deterministic_keras_zip"]
