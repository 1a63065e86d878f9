"""The TensorFlow/Keras integration: Keras 3 models (``tf.keras.Model``) round-trip through every
kind of artifact store in the ``.keras`` format, identical models give identical bytes, a pipeline
passes a trained model and is cached on a rerun, and what safe mode cannot load (Lambda layers,
foreign files) is refused without running anything. Heavy: run by ``make test-heavy``."""

from __future__ import annotations

import io
import json
import os
import pickle
import uuid
import zipfile
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from tests.integrations import keras_steps
from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import ModelArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import MANIFEST_FILENAME, digest
from zenml_airflow.integrations.tensorflow.materializers import KerasMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.repository import Repository

pytestmark = [
    pytest.mark.heavy,
    # Keras's TensorFlow backend calls np.array on tensors the NumPy 2 way it warns about
    pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"),
]

X_TEST, Y_TEST = keras_steps.data(seed=1)


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return keras_steps.trained_model()


def _artifact(tmp_path: Path) -> ModelArtifact:
    uri = tmp_path / uuid.uuid4().hex
    uri.mkdir()
    return ModelArtifact(uri=str(uri))


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_trained_model_round_trips_on_every_store(
    kind: str, tmp_path: Path, model: keras.Model
) -> None:
    with artifact_on(kind, tmp_path) as artifact:
        KerasMaterializer(artifact).handle_return(model)
        loaded = KerasMaterializer(artifact).handle_input(keras.Model)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(
        loaded.predict(X_TEST, verbose=0), model.predict(X_TEST, verbose=0)
    )
    assert loaded.optimizer.__class__ is model.optimizer.__class__  # compiled as it was


def test_the_same_model_gives_the_same_bytes(tmp_path: Path, model: keras.Model) -> None:
    written = []
    for _ in range(2):
        artifact = _artifact(tmp_path)
        KerasMaterializer(artifact).handle_return(model)
        written.append({p.name: p.read_bytes() for p in Path(artifact.uri).iterdir()})
    assert written[0] == written[1]
    assert set(written[0]) == {"model.keras", MANIFEST_FILENAME}
    with zipfile.ZipFile(io.BytesIO(written[0]["model.keras"])) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "date_saved" not in json.loads(archive.read("metadata.json"))


def test_a_functional_model_with_a_shared_layer_round_trips(tmp_path: Path) -> None:
    inputs = keras.Input((4,))
    shared = keras.layers.Dense(4, name="shared")
    outputs = keras.layers.Dense(2)(shared(shared(inputs)))
    functional = keras.Model(inputs, outputs)
    artifact = _artifact(tmp_path)
    KerasMaterializer(artifact).handle_return(functional)
    loaded = KerasMaterializer(artifact).handle_input(keras.Model)
    np.testing.assert_array_equal(
        loaded.predict(X_TEST, verbose=0), functional.predict(X_TEST, verbose=0)
    )
    assert len(loaded.layers) == len(functional.layers)


@keras.saving.register_keras_serializable(package="zenml_airflow_tests")
class Scale(keras.layers.Layer):
    """A registered custom layer: loads in safe mode."""

    def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs: Any) -> Any:
        return inputs * self.factor

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


def test_a_registered_custom_layer_round_trips(tmp_path: Path) -> None:
    custom = keras.Sequential([keras.Input((4,)), Scale(3.0), keras.layers.Dense(1)])
    artifact = _artifact(tmp_path)
    KerasMaterializer(artifact).handle_return(custom)
    loaded = KerasMaterializer(artifact).handle_input(keras.Model)
    assert loaded.layers[0].factor == 3.0
    np.testing.assert_array_equal(
        loaded.predict(X_TEST, verbose=0), custom.predict(X_TEST, verbose=0)
    )


def _lambda_model() -> keras.Model:
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2, name="times2")]
    )


def test_a_lambda_layer_is_refused_when_written(tmp_path: Path) -> None:
    with pytest.raises(MaterializerError, match=r"Lambda layer\(s\) times2 hold Python bytecode"):
        KerasMaterializer(_artifact(tmp_path)).handle_return(_lambda_model())


def _replace_model(artifact: ModelArtifact, payload: bytes) -> None:
    # A forger who also rewrites the manifest's digest: the format checks must still hold.
    (Path(artifact.uri) / "model.keras").write_bytes(payload)
    path = Path(artifact.uri) / MANIFEST_FILENAME
    manifest = json.loads(path.read_text())
    manifest["blake3"] = digest(payload)
    path.write_text(json.dumps(manifest))


def test_a_forged_model_with_a_lambda_layer_is_refused_by_safe_mode(
    tmp_path: Path, model: keras.Model
) -> None:
    artifact = _artifact(tmp_path)
    KerasMaterializer(artifact).handle_return(model)
    forged = tmp_path / "forged.keras"
    _lambda_model().save(forged)  # Keras itself writes Lambda layers (as bytecode)
    _replace_model(artifact, forged.read_bytes())
    with pytest.raises(MaterializerError, match="Keras refused to load .* in safe mode"):
        KerasMaterializer(artifact).handle_input(keras.Model)


class _Exploit:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch exploited",))


def test_a_pickle_in_place_of_the_model_is_refused_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: keras.Model
) -> None:
    monkeypatch.chdir(tmp_path)
    artifact = _artifact(tmp_path)
    KerasMaterializer(artifact).handle_return(model)
    _replace_model(artifact, pickle.dumps(_Exploit()))
    with pytest.raises(MaterializerError, match="it is not a Keras .keras file"):
        KerasMaterializer(artifact).handle_input(keras.Model)
    assert not (tmp_path / "exploited").exists()


def test_changed_bytes_are_refused(tmp_path: Path, model: keras.Model) -> None:
    artifact = _artifact(tmp_path)
    KerasMaterializer(artifact).handle_return(model)
    path = Path(artifact.uri) / "model.keras"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(MaterializerError, match="digest differs from the manifest"):
        KerasMaterializer(artifact).handle_input(keras.Model)


class OtherModel(keras.Model):
    pass


def test_reading_as_another_class_is_refused(tmp_path: Path, model: keras.Model) -> None:
    artifact = _artifact(tmp_path)
    KerasMaterializer(artifact).handle_return(model)
    with pytest.raises(MaterializerError, match="holds a keras.src.models.sequential.Sequential"):
        KerasMaterializer(artifact).handle_input(OtherModel)


def test_metadata_names_the_class_parameters_layers_and_shapes(model: keras.Model) -> None:
    facts = KerasMaterializer.extract_metadata(None, model)  # type: ignore[arg-type]
    assert facts == {
        "model_class": "keras.src.models.sequential.Sequential",
        "layers": 2,
        "built": True,
        "parameter_count": (4 * 8 + 8) + (8 * 3 + 3),
        "trainable_parameter_count": (4 * 8 + 8) + (8 * 3 + 3),
        "input_shape": [None, 4],
        "output_shape": [None, 3],
    }


def test_the_registry_picks_the_keras_materializer_for_tf_keras_models() -> None:
    import tensorflow as tf

    assert tf.keras.Model is keras.Model  # TensorFlow 2.16+ is Keras 3
    assert default_materializer_registry.get(tf.keras.Sequential) is KerasMaterializer


def test_a_pipeline_passes_a_trained_model_and_a_rerun_is_cached() -> None:
    first = keras_steps.build().run(run_name="keras-a")
    keras_steps.build().run(run_name="keras-b")
    assert first.status is ExecutionStatus.COMPLETED
    pipeline = Repository().get_pipeline("keras_pipeline")
    assert pipeline is not None
    run_a, run_b = pipeline.get_run("keras-a"), pipeline.get_run("keras-b")
    assert run_b.get_step("trainer").is_cached
    assert run_a.get_step("evaluator").output.read() > 0.9
    assert run_a.get_step("trainer").output.uri == run_b.get_step("trainer").output.uri
