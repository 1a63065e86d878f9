"""The LightGBM integration: Boosters and scikit-learn wrappers round-trip through every kind of
artifact store in LightGBM's own text format, rebuilt as fitted wrappers that predict the same;
identical models give identical bytes; what cannot be stored or was changed is refused."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest

from tests.integrations import boosting_steps
from tests.integrations.test_xgboost import model_artifact_on
from zenml_airflow.artifacts import ModelArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.lightgbm.materializers import (
    LightGBMBoosterMaterializer,
    LightGBMSklearnMaterializer,
)
from zenml_airflow.integrations.model_files import MANIFEST_FILENAME, digest
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.repository import Repository

X_TRAIN, X_TEST, Y_TRAIN, Y_TEST = boosting_steps.iris()
LABELS = boosting_steps.LABELS
QUIET = {"verbose": -1, "min_child_samples": 5}


@pytest.fixture(params=["local", "s3", "gcs"])
def artifact(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelArtifact]:
    with model_artifact_on(request.param, tmp_path) as artifact:
        yield artifact


def round_trip(materializer: type, model: Any, artifact: ModelArtifact, as_type: Any) -> Any:
    materializer(artifact).handle_return(model)
    return materializer(artifact).handle_input(as_type)


def booster(early_stopping: bool = False) -> lgb.Booster:
    train = lgb.Dataset(X_TRAIN, label=Y_TRAIN, feature_name=["sl", "sw", "pl", "pw"])
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1, "min_data_in_leaf": 5}
    if not early_stopping:
        return lgb.train(params, train, num_boost_round=6)
    valid = lgb.Dataset(X_TEST, label=Y_TEST, reference=train)
    return lgb.train(
        params,
        train,
        num_boost_round=200,
        valid_sets=[valid],
        keep_training_booster=True,  # else lgb.train itself drops the trees after the best
        callbacks=[lgb.early_stopping(3, verbose=False)],
    )


def classifier(labels: np.ndarray = LABELS, **params: Any) -> lgb.LGBMClassifier:
    model = lgb.LGBMClassifier(n_estimators=6, **QUIET, **params)
    return model.fit(X_TRAIN, labels[Y_TRAIN])


def test_a_booster_round_trips_with_equal_predictions(artifact: ModelArtifact) -> None:
    model = booster()
    loaded = round_trip(LightGBMBoosterMaterializer, model, artifact, lgb.Booster)
    np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))
    assert loaded.feature_name() == ["sl", "sw", "pl", "pw"]


def test_an_early_stopped_booster_keeps_its_best_iteration(tmp_path: Path) -> None:
    model = booster(early_stopping=True)
    assert 0 < model.best_iteration < model.current_iteration()
    with model_artifact_on("local", tmp_path) as artifact:
        loaded = round_trip(LightGBMBoosterMaterializer, model, artifact, lgb.Booster)
    assert loaded.best_iteration == model.best_iteration
    assert loaded.current_iteration() == model.current_iteration()  # every tree was kept
    assert loaded.best_score["valid_0"] == pytest.approx(dict(model.best_score["valid_0"]))
    np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))


@pytest.mark.parametrize(
    "labels",
    [LABELS, np.array([3, 7, 11]), np.array(["a", "b", "c"], dtype=object)],
    ids=["strings", "ints", "object-strings"],
)
def test_a_classifier_round_trips_as_a_fitted_classifier(
    artifact: ModelArtifact, labels: np.ndarray
) -> None:
    model = classifier(labels)
    loaded = round_trip(LightGBMSklearnMaterializer, model, artifact, lgb.LGBMClassifier)
    assert type(loaded) is lgb.LGBMClassifier
    np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))
    np.testing.assert_array_equal(loaded.predict_proba(X_TEST), model.predict_proba(X_TEST))
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    assert loaded.classes_.dtype == model.classes_.dtype
    assert loaded.n_classes_ == 3 and loaded.n_features_in_ == 4
    assert loaded.get_params() == model.get_params()
    assert loaded.objective_ == "multiclass"


def test_a_binary_classifier_with_feature_names_round_trips(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(X_TRAIN, columns=["sl", "sw", "pl", "pw"])
    model = lgb.LGBMClassifier(n_estimators=4, **QUIET).fit(frame, Y_TRAIN == 0)
    with model_artifact_on("local", tmp_path) as artifact:
        loaded = round_trip(LightGBMSklearnMaterializer, model, artifact, lgb.LGBMModel)
    test = pd.DataFrame(X_TEST, columns=["sl", "sw", "pl", "pw"])
    np.testing.assert_array_equal(loaded.predict(test), model.predict(test))
    np.testing.assert_array_equal(loaded.predict_proba(test), model.predict_proba(test))
    np.testing.assert_array_equal(loaded.classes_, [False, True])
    assert list(loaded.feature_names_in_) == ["sl", "sw", "pl", "pw"]


def test_an_early_stopped_regressor_and_a_ranker_round_trip(tmp_path: Path) -> None:
    regressor = lgb.LGBMRegressor(n_estimators=100, **QUIET).fit(
        X_TRAIN,
        X_TRAIN[:, 0],
        eval_X=(X_TEST,),
        eval_y=(X_TEST[:, 0],),
        callbacks=[lgb.early_stopping(3, verbose=False)],
    )
    ranker = lgb.LGBMRanker(n_estimators=5, **QUIET).fit(X_TRAIN, Y_TRAIN, group=[15] * 5)
    for model, kind in ((regressor, lgb.LGBMRegressor), (ranker, lgb.LGBMRanker)):
        with model_artifact_on("local", tmp_path) as artifact:
            loaded = round_trip(LightGBMSklearnMaterializer, model, artifact, lgb.LGBMModel)
        assert type(loaded) is kind
        np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))
        assert loaded.best_iteration_ == model.best_iteration_
    assert loaded.evals_result_ == {}  # the ranker had no eval set
    assert regressor.best_iteration_ > 0


def test_an_unfitted_wrapper_comes_back_unfitted_with_its_params(tmp_path: Path) -> None:
    model = lgb.LGBMClassifier(num_leaves=7, class_weight={"a": 2.0, "b": 1.0})
    with model_artifact_on("local", tmp_path) as artifact:
        loaded = round_trip(LightGBMSklearnMaterializer, model, artifact, lgb.LGBMClassifier)
    assert loaded.get_params() == model.get_params()
    assert not loaded.__sklearn_is_fitted__()


@pytest.mark.parametrize(
    ("materializer", "make"),
    [(LightGBMBoosterMaterializer, booster), (LightGBMSklearnMaterializer, classifier)],
)
def test_the_same_model_gives_the_same_bytes(tmp_path: Path, materializer: type, make: Any) -> None:
    model = make()
    written = []
    for _ in range(2):
        with model_artifact_on("local", tmp_path) as artifact:
            materializer(artifact).handle_return(model)
            written.append({p.name: p.read_bytes() for p in sorted(Path(artifact.uri).iterdir())})
    assert written[0] == written[1]
    assert set(written[0]) == {"model.txt", MANIFEST_FILENAME}
    assert written[0]["model.txt"].startswith(b"tree\n")


def _objective(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return y_pred - y_true, np.ones_like(y_pred)


def test_a_custom_objective_is_refused_when_written(tmp_path: Path) -> None:
    model = lgb.LGBMRegressor(n_estimators=2, objective=_objective, **QUIET)
    model.fit(X_TRAIN, X_TRAIN[:, 0])
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match=r"parameter\(s\) objective=function are not plain"),
    ):
        LightGBMSklearnMaterializer(artifact).handle_return(model)


def test_a_random_state_object_is_refused_when_written(tmp_path: Path) -> None:
    model = lgb.LGBMClassifier(random_state=np.random.RandomState(0))
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="random_state=RandomState are not plain data"),
    ):
        LightGBMSklearnMaterializer(artifact).handle_return(model)


class _Label:
    def __init__(self, name: str) -> None:
        self.name = name

    def __lt__(self, other: _Label) -> bool:
        return self.name < other.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Label) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def test_classes_that_are_objects_are_refused_when_written(tmp_path: Path) -> None:
    model = classifier()
    model._classes = np.array([_Label("a"), _Label("b"), _Label("c")], dtype=object)
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match=r"classes_ \(object\) are not plain numbers"),
    ):
        LightGBMSklearnMaterializer(artifact).handle_return(model)


class MyRegressor(lgb.LGBMRegressor):
    pass


def test_a_subclass_of_a_wrapper_is_refused(tmp_path: Path) -> None:
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="rebuilds only LightGBM's own wrapper classes"),
    ):
        LightGBMSklearnMaterializer(artifact).handle_return(MyRegressor())


def _written(tmp_path: Path, model: Any, materializer: type) -> ModelArtifact:
    uri = tmp_path / uuid.uuid4().hex
    uri.mkdir()
    artifact = ModelArtifact(uri=str(uri))
    materializer(artifact).handle_return(model)
    return artifact


def _edit_manifest(artifact: ModelArtifact, **changes: Any) -> None:
    path = Path(artifact.uri) / MANIFEST_FILENAME
    manifest = json.loads(path.read_text())
    for key, value in changes.items():
        target = manifest
        *parents, leaf = key.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    path.write_text(json.dumps(manifest))


def test_a_model_file_changed_after_writing_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), LightGBMSklearnMaterializer)
    path = Path(artifact.uri) / "model.txt"
    path.write_text(path.read_text().replace("learning_rate: 0.1", "learning_rate: 0.9"))
    with pytest.raises(MaterializerError, match="digest differs from the manifest"):
        LightGBMSklearnMaterializer(artifact).handle_input(lgb.LGBMClassifier)


class _Exploit:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch exploited",))


@pytest.mark.parametrize("materializer", [LightGBMBoosterMaterializer, LightGBMSklearnMaterializer])
def test_a_pickle_in_place_of_the_model_is_refused_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, materializer: type
) -> None:
    monkeypatch.chdir(tmp_path)
    model = booster() if materializer is LightGBMBoosterMaterializer else classifier()
    artifact = _written(tmp_path, model, materializer)
    payload = pickle.dumps(_Exploit())
    (Path(artifact.uri) / "model.txt").write_bytes(payload)
    _edit_manifest(artifact, blake3=digest(payload))  # a careful forger
    with pytest.raises(MaterializerError, match="is not a LightGBM text model"):
        materializer(artifact).handle_input(type(model))
    assert not (tmp_path / "exploited").exists()


def test_a_damaged_model_is_refused_with_lightgbms_reason(tmp_path: Path) -> None:
    artifact = _written(tmp_path, booster(), LightGBMBoosterMaterializer)
    payload = b"tree\nversion=v4\n"
    (Path(artifact.uri) / "model.txt").write_bytes(payload)
    _edit_manifest(artifact, blake3=digest(payload))
    with pytest.raises(MaterializerError, match="Cannot load the LightGBM model in .*num"):
        LightGBMBoosterMaterializer(artifact).handle_input(lgb.Booster)


def test_a_manifest_naming_another_class_is_refused_without_importing_it(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), LightGBMSklearnMaterializer)
    _edit_manifest(artifact, **{"class": "this.Anything"})
    with pytest.raises(MaterializerError, match="not one of LightGBM's scikit-learn wrappers"):
        LightGBMSklearnMaterializer(artifact).handle_input(lgb.LGBMClassifier)
    assert "this" not in sys.modules  # importing it would print the Zen of Python


def test_classes_of_an_object_dtype_in_a_manifest_are_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), LightGBMSklearnMaterializer)
    _edit_manifest(artifact, state__classes={"dtype": "O", "values": [1, "b", None]})
    with pytest.raises(MaterializerError, match="its classes are not a list of plain values"):
        LightGBMSklearnMaterializer(artifact).handle_input(lgb.LGBMClassifier)


def test_an_xgboost_artifact_is_not_read_as_lightgbm(tmp_path: Path) -> None:
    artifact = _written(tmp_path, booster(), LightGBMBoosterMaterializer)
    with pytest.raises(MaterializerError, match="describes a 'lightgbm.Booster/text' artifact"):
        LightGBMSklearnMaterializer(artifact).handle_input(lgb.LGBMClassifier)


def test_reading_a_classifier_as_a_regressor_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), LightGBMSklearnMaterializer)
    with pytest.raises(MaterializerError, match="holds a lightgbm.sklearn.LGBMClassifier, not a"):
        LightGBMSklearnMaterializer(artifact).handle_input(lgb.LGBMRegressor)


def test_the_registry_picks_lightgbm_materializers_over_sklearns() -> None:
    for cls in (lgb.LGBMClassifier, lgb.LGBMRegressor, lgb.LGBMRanker, MyRegressor):
        assert default_materializer_registry.get(cls) is LightGBMSklearnMaterializer
    assert default_materializer_registry.get(lgb.Booster) is LightGBMBoosterMaterializer


def test_metadata_names_the_class_params_and_shape() -> None:
    facts = LightGBMSklearnMaterializer.extract_metadata(None, classifier())  # type: ignore[arg-type]
    assert facts["model_class"] == "lightgbm.sklearn.LGBMClassifier"
    assert facts["params"]["n_estimators"] == 6
    assert facts["current_iteration"] == 6 and facts["num_trees"] == 18
    assert facts["n_classes"] == 3 and facts["objective"] == "multiclass"


def test_a_pipeline_passes_both_models_and_a_rerun_is_cached() -> None:
    first = boosting_steps.build_lightgbm().run(run_name="lgb-a")
    boosting_steps.build_lightgbm().run(run_name="lgb-b")
    assert first.status is ExecutionStatus.COMPLETED
    pipeline = Repository().get_pipeline("lightgbm_pipeline")
    assert pipeline is not None
    run_a, run_b = pipeline.get_run("lgb-a"), pipeline.get_run("lgb-b")
    assert run_b.get_step("trainer").is_cached
    outputs = run_a.get_step("evaluator").outputs
    assert outputs["booster_accuracy"].read() > 0.9
    assert outputs["classifier_accuracy"].read() > 0.9
    trainer_a, trainer_b = run_a.get_step("trainer"), run_b.get_step("trainer")
    assert trainer_a.outputs["classifier"].data_type == "lightgbm.sklearn:LGBMClassifier"
    model = trainer_a.outputs["classifier"].read()
    np.testing.assert_array_equal(model.classes_, LABELS)
    np.testing.assert_array_equal(
        model.predict_proba(X_TEST), trainer_b.outputs["classifier"].read().predict_proba(X_TEST)
    )
    assert trainer_a.outputs["classifier"].uri == trainer_b.outputs["classifier"].uri


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_lightgbm_is_not_imported_unless_a_step_uses_it() -> None:
    result = _fresh(
        "import sys\n"
        "import zenml_airflow\n"
        "from zenml_airflow.integrations.registry import integration_registry\n"
        "from zenml_airflow.integrations.lightgbm import LightGBMIntegration\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "assert integration_registry.integrations['lightgbm'] is LightGBMIntegration\n"
        "r.is_registered(int)\n"
        "print('lightgbm' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_wrapper_finds_its_materializer_through_the_lazy_entry() -> None:
    result = _fresh(
        "import sys, lightgbm\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "assert 'zenml_airflow.integrations.lightgbm.materializers' not in sys.modules\n"
        "print(r.get(lightgbm.LGBMClassifier).__name__, r.get(lightgbm.Booster).__name__)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["LightGBMSklearnMaterializer", "LightGBMBoosterMaterializer"]
