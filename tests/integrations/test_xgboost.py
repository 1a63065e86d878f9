"""The XGBoost integration: Boosters and scikit-learn wrappers round-trip through every kind of
artifact store in XGBoost's own format, identical models give identical bytes, and what cannot
be stored or was changed after writing is refused without running anything."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from tests.backends.object_stores import S3_ENV, gcs_component, s3_component
from tests.integrations import boosting_steps
from zenml_airflow.artifacts import ArtifactStore, ModelArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import MANIFEST_FILENAME, digest
from zenml_airflow.integrations.xgboost.materializers import (
    XgboostBoosterMaterializer,
    XgboostSklearnMaterializer,
    xgboost_sklearn_materializer,
)
from zenml_airflow.integrations.xgboost.materializers.xgboost_sklearn_materializer import (
    WRAPPERS,
    saved_through_file,
    wrapper_params,
    wrapper_payload,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.repository import Repository

X_TRAIN, X_TEST, Y_TRAIN, Y_TEST = boosting_steps.iris()


@contextlib.contextmanager
def model_artifact_on(kind: str, tmp_path: Path) -> Iterator[ModelArtifact]:
    """An empty artifact directory on a local, S3 (moto) or GCS (fake-gcs-server) store."""
    if kind == "s3":
        for name, value in S3_ENV.items():
            os.environ.setdefault(name, value)
        store = s3_component().open_store()
    elif kind == "gcs":
        store = gcs_component().open_store()
    else:
        store = ArtifactStore(str(tmp_path / "store"))
    uri = store.artifact_uri("pipeline", "trainer", "output", uuid.uuid4().hex)
    with store:
        store.prepare(uri)
        yield ModelArtifact(uri=uri)


@pytest.fixture(params=["local", "s3", "gcs"])
def artifact(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelArtifact]:
    with model_artifact_on(request.param, tmp_path) as artifact:
        yield artifact


def round_trip(materializer: type, model: Any, artifact: ModelArtifact, as_type: Any) -> Any:
    materializer(artifact).handle_return(model)
    return materializer(artifact).handle_input(as_type)


def booster() -> xgb.Booster:
    data = xgb.DMatrix(X_TRAIN, label=Y_TRAIN, feature_names=["sl", "sw", "pl", "pw"])
    model = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 2},
        data,
        num_boost_round=6,
    )
    model.set_attr(trained_by="test")
    return model


def classifier(**params: Any) -> xgb.XGBClassifier:
    return xgb.XGBClassifier(n_estimators=6, max_depth=2, random_state=0, **params).fit(
        X_TRAIN, Y_TRAIN
    )


def test_a_booster_round_trips_with_equal_predictions(artifact: ModelArtifact) -> None:
    model = booster()
    loaded = round_trip(XgboostBoosterMaterializer, model, artifact, xgb.Booster)
    data = xgb.DMatrix(X_TEST, feature_names=["sl", "sw", "pl", "pw"])
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
    assert loaded.feature_names == ["sl", "sw", "pl", "pw"]
    assert loaded.attr("trained_by") == "test"


def test_a_classifier_round_trips_as_a_fitted_classifier(artifact: ModelArtifact) -> None:
    model = classifier()
    loaded = round_trip(XgboostSklearnMaterializer, model, artifact, xgb.XGBClassifier)
    assert type(loaded) is xgb.XGBClassifier
    np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))
    np.testing.assert_array_equal(loaded.predict_proba(X_TEST), model.predict_proba(X_TEST))
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    assert loaded.n_classes_ == 3
    assert {k: loaded.get_params()[k] for k in ("n_estimators", "max_depth", "random_state")} == {
        "n_estimators": 6,
        "max_depth": 2,
        "random_state": 0,
    }


def test_a_regressor_and_a_ranker_round_trip(tmp_path: Path) -> None:
    regressor = xgb.XGBRegressor(n_estimators=5, max_depth=2).fit(X_TRAIN, X_TRAIN[:, 0])
    ranker = xgb.XGBRanker(n_estimators=5, max_depth=2).fit(
        X_TRAIN, Y_TRAIN, qid=np.repeat(np.arange(5), 15)
    )
    for model, kind in ((regressor, xgb.XGBRegressor), (ranker, xgb.XGBRanker)):
        with model_artifact_on("local", tmp_path) as artifact:
            loaded = round_trip(XgboostSklearnMaterializer, model, artifact, xgb.XGBModel)
        assert type(loaded) is kind
        np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))


def test_an_unfitted_wrapper_comes_back_unfitted_with_its_params(tmp_path: Path) -> None:
    with model_artifact_on("local", tmp_path) as artifact:
        loaded = round_trip(
            XgboostSklearnMaterializer,
            xgb.XGBClassifier(max_depth=3, eval_metric="mlogloss"),
            artifact,
            xgb.XGBClassifier,
        )
        assert not (Path(artifact.uri) / "model.ubj").read_bytes()
    expected = xgb.XGBClassifier(max_depth=3, eval_metric="mlogloss").get_params()
    # json compares NaN (the default `missing`) as equal to itself
    assert json.dumps(loaded.get_params(), sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert not loaded.__sklearn_is_fitted__()


@pytest.mark.parametrize(
    ("materializer", "make"),
    [(XgboostBoosterMaterializer, booster), (XgboostSklearnMaterializer, classifier)],
)
def test_the_same_model_gives_the_same_bytes(tmp_path: Path, materializer: type, make: Any) -> None:
    model = make()
    written = []
    for _ in range(2):
        with model_artifact_on("local", tmp_path) as artifact:
            materializer(artifact).handle_return(model)
            written.append({p.name: p.read_bytes() for p in sorted(Path(artifact.uri).iterdir())})
    assert written[0] == written[1]
    assert set(written[0]) == {"model.ubj", MANIFEST_FILENAME}


def _wrappers() -> list[xgb.XGBModel]:
    qid = np.repeat(np.arange(5), 15)
    return [
        classifier(),
        xgb.XGBRegressor(n_estimators=3, max_depth=2).fit(X_TRAIN, X_TRAIN[:, 0]),
        xgb.XGBRanker(n_estimators=3, max_depth=2).fit(X_TRAIN, Y_TRAIN, qid=qid),
        xgb.XGBRFClassifier(n_estimators=3, max_depth=2).fit(X_TRAIN, Y_TRAIN),
        xgb.XGBRFRegressor(n_estimators=3, max_depth=2).fit(X_TRAIN, X_TRAIN[:, 0]),
    ]


@pytest.mark.parametrize("model", _wrappers(), ids=lambda model: type(model).__name__)
@pytest.mark.parametrize("kind", ["local", "s3"])
def test_the_stored_model_is_what_the_wrappers_save_model_writes(
    tmp_path: Path, model: xgb.XGBModel, kind: str
) -> None:
    model.save_model(tmp_path / "own.ubj")
    with model_artifact_on(kind, tmp_path) as artifact:
        XgboostSklearnMaterializer(artifact).handle_return(model)
        with fileio.open(f"{artifact.uri}/model.ubj", "rb") as handle:
            assert handle.read() == (tmp_path / "own.ubj").read_bytes()
        loaded = XgboostSklearnMaterializer(artifact).handle_input(type(model))
    np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))


@pytest.mark.parametrize("model", _wrappers(), ids=lambda model: type(model).__name__)
def test_the_in_memory_payload_is_what_save_model_writes_and_leaves_no_mark(
    tmp_path: Path, model: xgb.XGBModel
) -> None:
    model.save_model(tmp_path / "own.ubj")
    own = (tmp_path / "own.ubj").read_bytes()

    assert wrapper_payload(model) == own
    assert saved_through_file(model) == own
    # like save_model, the estimator-type mark is removed from the caller's booster afterwards
    assert model.get_booster().attr("scikit_learn") is None


def test_writing_finds_the_params_once_and_the_metadata_reuses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = classifier()
    calls = []

    def counted(value: xgb.XGBModel) -> dict[str, Any]:
        calls.append(value)
        return wrapper_params(value)

    monkeypatch.setattr(xgboost_sklearn_materializer, "wrapper_params", counted)
    with model_artifact_on("local", tmp_path) as artifact:
        writer = XgboostSklearnMaterializer(artifact)
        writer.handle_return(model)
        remembered = writer.extract_metadata(model)
        assert calls == [model]
        fresh = XgboostSklearnMaterializer(artifact).extract_metadata(model)
    assert calls == [model, model]
    assert remembered == fresh
    assert remembered["params"]["max_depth"] == 2 and remembered["fitted"] is True


# Each wrapper built with: nothing; set parameters; XGBoost's extra keyword arguments (kept in
# model.kwargs); parameters changed after construction; a numpy integer seed.
PARAM_CASES = [
    {},
    {"n_estimators": 7, "max_depth": 3, "learning_rate": 0.3, "missing": 0.0},
    {"tree_method": "hist", "num_parallel_tree": 2, "custom_flag": "x"},
    {"random_state": np.int64(5), "eval_metric": ["logloss", "error"]},
]


@pytest.mark.parametrize("cls", sorted(WRAPPERS.values(), key=lambda c: c.__name__))
@pytest.mark.parametrize("params", PARAM_CASES)
def test_wrapper_params_are_exactly_get_params(cls: type, params: dict[str, Any]) -> None:
    model = cls(**params)
    assert wrapper_params(model) == model.get_params(deep=False)
    model.set_params(max_depth=9, colsample_bytree=0.5)
    assert wrapper_params(model) == model.get_params(deep=False)
    if cls is xgb.XGBClassifier:
        fitted = cls(**params).fit(np.arange(20.0).reshape(10, 2), np.arange(10) % 2)
        assert wrapper_params(fitted) == fitted.get_params(deep=False)


@pytest.mark.parametrize("state", [np.random.RandomState, np.random.default_rng])
def test_a_random_state_object_gets_xgboosts_own_drawn_seed(state: Any) -> None:
    # get_params draws an int from it; wrapper_params must draw the same, not store the object
    ours, theirs = xgb.XGBRegressor(random_state=state(3)), xgb.XGBRegressor(random_state=state(3))
    params = wrapper_params(ours)
    assert params == theirs.get_params(deep=False)
    assert isinstance(params["random_state"], int)


def test_metadata_of_another_value_than_the_one_written_is_its_own(tmp_path: Path) -> None:
    with model_artifact_on("local", tmp_path) as artifact:
        writer = XgboostSklearnMaterializer(artifact)
        writer.handle_return(classifier())
        other = xgb.XGBRegressor(max_depth=4)
        facts = writer.extract_metadata(other)
    assert facts["model_class"] == "xgboost.sklearn.XGBRegressor"
    assert facts["params"]["max_depth"] == 4 and facts["fitted"] is False


@pytest.mark.parametrize("missing", ["model.ubj", MANIFEST_FILENAME])
def test_a_missing_file_says_what_happened_on_every_store(
    artifact: ModelArtifact, missing: str
) -> None:
    XgboostSklearnMaterializer(artifact).handle_return(classifier())
    fileio.remove(f"{artifact.uri}/{missing}")
    with pytest.raises(MaterializerError, match=f"has no {missing}: it was not written"):
        XgboostSklearnMaterializer(artifact).handle_input(xgb.XGBClassifier)


def test_the_files_are_ubjson_and_a_json_manifest_not_pickles(tmp_path: Path) -> None:
    with model_artifact_on("local", tmp_path) as artifact:
        XgboostSklearnMaterializer(artifact).handle_return(classifier())
        payload = (Path(artifact.uri) / "model.ubj").read_bytes()
        manifest = json.loads((Path(artifact.uri) / MANIFEST_FILENAME).read_text())
    assert payload.startswith(b"{") and not payload.startswith(b"\x80")
    assert manifest["class"] == "xgboost.sklearn.XGBClassifier"
    assert manifest["params"]["max_depth"] == 2 and manifest["fitted"] is True


def _squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return y_pred - y_true, np.ones_like(y_pred)


def test_a_custom_objective_is_refused_when_written(tmp_path: Path) -> None:
    model = xgb.XGBRegressor(n_estimators=2, objective=_squared_error).fit(X_TRAIN, X_TRAIN[:, 0])
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match=r"parameter\(s\) objective=function are not plain"),
    ):
        XgboostSklearnMaterializer(artifact).handle_return(model)


def test_callbacks_are_refused_when_written(tmp_path: Path) -> None:
    model = xgb.XGBClassifier(callbacks=[xgb.callback.EvaluationMonitor()])
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="callbacks=list are not plain data"),
    ):
        XgboostSklearnMaterializer(artifact).handle_return(model)


class MyClassifier(xgb.XGBClassifier):
    pass


def test_a_subclass_of_a_wrapper_is_refused(tmp_path: Path) -> None:
    model = MyClassifier(n_estimators=2).fit(X_TRAIN, Y_TRAIN)
    with (
        model_artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="rebuilds only XGBoost's own wrapper classes"),
    ):
        XgboostSklearnMaterializer(artifact).handle_return(model)


def _written(tmp_path: Path, model: Any, materializer: type) -> ModelArtifact:
    uri = tmp_path / uuid.uuid4().hex
    uri.mkdir()
    artifact = ModelArtifact(uri=str(uri))
    materializer(artifact).handle_return(model)
    return artifact


def test_a_model_file_changed_after_writing_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path, booster(), XgboostBoosterMaterializer)
    path = Path(artifact.uri) / "model.ubj"
    changed = bytearray(path.read_bytes())
    changed[len(changed) // 2] ^= 0xFF  # XGBoost itself would load this silently
    path.write_bytes(bytes(changed))
    with pytest.raises(MaterializerError, match="digest differs from the manifest"):
        XgboostBoosterMaterializer(artifact).handle_input(xgb.Booster)


def _manifest_of(artifact: ModelArtifact) -> dict[str, Any]:
    return dict(json.loads((Path(artifact.uri) / MANIFEST_FILENAME).read_text()))


def _save_manifest(artifact: ModelArtifact, manifest: dict[str, Any]) -> None:
    (Path(artifact.uri) / MANIFEST_FILENAME).write_text(json.dumps(manifest))


def test_the_manifest_records_the_model_files_blake3_digest(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), XgboostSklearnMaterializer)
    manifest = _manifest_of(artifact)
    payload = (Path(artifact.uri) / "model.ubj").read_bytes()
    assert manifest["blake3"] == digest(payload) and len(manifest["blake3"]) == 64
    assert "sha256" not in manifest


@pytest.mark.parametrize("materializer", [XgboostBoosterMaterializer, XgboostSklearnMaterializer])
def test_a_manifest_written_with_a_sha256_digest_still_loads(
    tmp_path: Path, materializer: type
) -> None:
    # artifacts written before the digest became BLAKE3 record only "sha256"
    import hashlib

    model = booster() if materializer is XgboostBoosterMaterializer else classifier()
    artifact = _written(tmp_path, model, materializer)
    payload = (Path(artifact.uri) / "model.ubj").read_bytes()
    manifest = _manifest_of(artifact)
    del manifest["blake3"]
    manifest["sha256"] = hashlib.sha256(payload).hexdigest()
    _save_manifest(artifact, manifest)
    loaded = materializer(artifact).handle_input(type(model))
    if materializer is XgboostBoosterMaterializer:
        dtest = xgb.DMatrix(X_TEST, feature_names=["sl", "sw", "pl", "pw"])
        np.testing.assert_array_equal(loaded.predict(dtest), model.predict(dtest))
    else:
        np.testing.assert_array_equal(loaded.predict(X_TEST), model.predict(X_TEST))


def test_a_model_file_not_matching_its_sha256_manifest_is_refused(tmp_path: Path) -> None:
    import hashlib

    artifact = _written(tmp_path, booster(), XgboostBoosterMaterializer)
    path = Path(artifact.uri) / "model.ubj"
    manifest = _manifest_of(artifact)
    del manifest["blake3"]
    manifest["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    _save_manifest(artifact, manifest)
    changed = bytearray(path.read_bytes())
    changed[len(changed) // 2] ^= 0xFF
    path.write_bytes(bytes(changed))
    with pytest.raises(MaterializerError, match="SHA-256 digest differs from the manifest"):
        XgboostBoosterMaterializer(artifact).handle_input(xgb.Booster)


def test_a_manifest_with_a_forged_sha256_beside_its_blake3_is_checked_by_blake3(
    tmp_path: Path,
) -> None:
    # "sha256" is read only when there is no "blake3": adding one cannot bypass the check
    import hashlib

    artifact = _written(tmp_path, booster(), XgboostBoosterMaterializer)
    path = Path(artifact.uri) / "model.ubj"
    changed = bytearray(path.read_bytes())
    changed[len(changed) // 2] ^= 0xFF
    path.write_bytes(bytes(changed))
    _save_manifest(
        artifact, {**_manifest_of(artifact), "sha256": hashlib.sha256(changed).hexdigest()}
    )
    with pytest.raises(MaterializerError, match="BLAKE3 digest differs from the manifest"):
        XgboostBoosterMaterializer(artifact).handle_input(xgb.Booster)


def test_a_manifest_without_a_digest_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path, booster(), XgboostBoosterMaterializer)
    manifest = _manifest_of(artifact)
    del manifest["blake3"]
    _save_manifest(artifact, manifest)
    with pytest.raises(MaterializerError, match="records no digest of it"):
        XgboostBoosterMaterializer(artifact).handle_input(xgb.Booster)


class _Exploit:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch exploited",))


def _replace_model(artifact: ModelArtifact, payload: bytes) -> None:
    # A forger who also rewrites the manifest's digest: the format checks must still hold.
    (Path(artifact.uri) / "model.ubj").write_bytes(payload)
    manifest_path = Path(artifact.uri) / MANIFEST_FILENAME
    manifest = json.loads(manifest_path.read_text())
    manifest["blake3"] = digest(payload)
    manifest_path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("materializer", [XgboostBoosterMaterializer, XgboostSklearnMaterializer])
def test_a_pickle_in_place_of_the_model_is_refused_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, materializer: type
) -> None:
    monkeypatch.chdir(tmp_path)
    model = booster() if materializer is XgboostBoosterMaterializer else classifier()
    artifact = _written(tmp_path, model, materializer)
    _replace_model(artifact, pickle.dumps(_Exploit()))
    with pytest.raises(MaterializerError, match="is not an XGBoost UBJSON/JSON model"):
        materializer(artifact).handle_input(type(model))
    assert not (tmp_path / "exploited").exists()


def test_a_damaged_model_is_refused_with_xgboosts_reason(tmp_path: Path) -> None:
    artifact = _written(tmp_path, booster(), XgboostBoosterMaterializer)
    _replace_model(artifact, b"{this is not a model")
    with pytest.raises(MaterializerError, match="Cannot load the XGBoost model in"):
        XgboostBoosterMaterializer(artifact).handle_input(xgb.Booster)


def test_a_manifest_naming_another_class_is_refused_without_importing_it(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), XgboostSklearnMaterializer)
    manifest_path = Path(artifact.uri) / MANIFEST_FILENAME
    manifest = json.loads(manifest_path.read_text())
    manifest["class"] = "this.Anything"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(MaterializerError, match="not one of XGBoost's scikit-learn wrappers"):
        XgboostSklearnMaterializer(artifact).handle_input(xgb.XGBClassifier)
    assert "this" not in sys.modules  # importing it would print the Zen of Python


def test_a_lightgbm_artifact_is_not_read_as_xgboost(tmp_path: Path) -> None:
    artifact = _written(tmp_path, booster(), XgboostBoosterMaterializer)
    with pytest.raises(MaterializerError, match="describes a 'xgboost.Booster/ubj' artifact"):
        XgboostSklearnMaterializer(artifact).handle_input(xgb.XGBClassifier)


def test_a_missing_manifest_says_what_happened(tmp_path: Path) -> None:
    uri = tmp_path / "empty"
    uri.mkdir()
    with pytest.raises(MaterializerError, match=f"has no {MANIFEST_FILENAME}: it was not written"):
        XgboostBoosterMaterializer(ModelArtifact(uri=str(uri))).handle_input(xgb.Booster)


def test_reading_a_classifier_as_a_regressor_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path, classifier(), XgboostSklearnMaterializer)
    with pytest.raises(MaterializerError, match="holds a xgboost.sklearn.XGBClassifier, not a"):
        XgboostSklearnMaterializer(artifact).handle_input(xgb.XGBRegressor)


def test_the_registry_picks_xgboost_materializers_over_sklearns() -> None:
    for cls in (xgb.XGBClassifier, xgb.XGBRegressor, xgb.XGBRanker, MyClassifier):
        assert default_materializer_registry.get(cls) is XgboostSklearnMaterializer
    assert default_materializer_registry.get(xgb.Booster) is XgboostBoosterMaterializer


def test_metadata_names_the_class_params_and_shape(tmp_path: Path) -> None:
    facts = XgboostSklearnMaterializer(ModelArtifact(uri=str(tmp_path))).extract_metadata(
        classifier()
    )
    assert facts["model_class"] == "xgboost.sklearn.XGBClassifier"
    assert facts["params"]["max_depth"] == 2
    assert facts["num_boosted_rounds"] == 6 and facts["num_features"] == 4
    assert facts["n_classes"] == 3 and facts["objective"] == "multi:softprob"


def test_a_pipeline_passes_both_models_and_a_rerun_is_cached() -> None:
    first = boosting_steps.build_xgboost().run(run_name="xgb-a")
    boosting_steps.build_xgboost().run(run_name="xgb-b")
    assert first.status is ExecutionStatus.COMPLETED
    pipeline = Repository().get_pipeline("xgboost_pipeline")
    assert pipeline is not None
    run_a, run_b = pipeline.get_run("xgb-a"), pipeline.get_run("xgb-b")
    assert run_b.get_step("trainer").is_cached
    outputs = run_a.get_step("evaluator").outputs
    assert outputs["booster_accuracy"].read() > 0.9
    assert outputs["classifier_accuracy"].read() > 0.9
    trainer_a, trainer_b = run_a.get_step("trainer"), run_b.get_step("trainer")
    assert trainer_a.outputs["classifier"].data_type == "xgboost.sklearn:XGBClassifier"
    model = trainer_a.outputs["classifier"].read()
    np.testing.assert_array_equal(
        model.predict_proba(X_TEST), trainer_b.outputs["classifier"].read().predict_proba(X_TEST)
    )
    assert trainer_a.outputs["classifier"].uri == trainer_b.outputs["classifier"].uri


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_xgboost_is_not_imported_unless_a_step_uses_it() -> None:
    result = _fresh(
        "import sys\n"
        "import zenml_airflow\n"
        "from zenml_airflow.integrations.registry import integration_registry\n"
        "from zenml_airflow.integrations.xgboost import XgboostIntegration\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "assert integration_registry.integrations['xgboost'] is XgboostIntegration\n"
        "r.is_registered(int)\n"
        "print('xgboost' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_wrapper_finds_its_materializer_through_the_lazy_entry() -> None:
    result = _fresh(
        "import sys, xgboost\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "assert 'zenml_airflow.integrations.xgboost.materializers' not in sys.modules\n"
        "print(r.get(xgboost.XGBClassifier).__name__, r.get(xgboost.Booster).__name__)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["XgboostSklearnMaterializer", "XgboostBoosterMaterializer"]


def test_writing_into_a_local_folder_not_made_yet_creates_it(tmp_path: Path) -> None:
    artifact = ModelArtifact(uri=str(tmp_path / "not" / "made" / "yet"))
    model = booster()

    loaded = round_trip(XgboostBoosterMaterializer, model, artifact, xgb.Booster)

    assert {p.name for p in Path(artifact.uri).iterdir()} == {MANIFEST_FILENAME, "model.ubj"}
    data = xgb.DMatrix(X_TEST, feature_names=["sl", "sw", "pl", "pw"])
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
