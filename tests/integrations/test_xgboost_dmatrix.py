"""The XGBoost DMatrix materializer: a DMatrix round-trips through every kind of artifact store
as its data (scipy CSR) and meta fields, trains the same model afterwards, writes the same bytes
twice, and what it cannot rebuild exactly or what was tampered with is refused."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.xgboost.materializers import XgboostDMatrixMaterializer
from zenml_airflow.integrations.xgboost.materializers.xgboost_dmatrix_materializer import (
    METADATA_FILENAME,
)
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step

FIELDS = ("label", "weight", "base_margin", "label_lower_bound", "label_upper_bound")


def features() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.random((60, 4)).astype(np.float32)
    x[rng.random((60, 4)) < 0.2] = np.nan  # missing values
    x[rng.random((60, 4)) < 0.1] = 0.0  # explicit zeros are values, not missing
    return x


def ranking_matrix() -> xgb.DMatrix:
    x = features()
    return xgb.DMatrix(
        x,
        label=np.arange(60) % 3,
        weight=np.linspace(0.5, 2.0, 6),  # per group for ranking
        group=[10] * 6,
        feature_names=["f0", "f1", "f2", "f3"],
        feature_types=["q", "float", "int", "q"],
        feature_weights=[1.0, 2.0, 0.5, 1.0],
    )


def write(artifact: DataArtifact, value: xgb.DMatrix) -> xgb.DMatrix:
    XgboostDMatrixMaterializer(artifact).handle_return(value)
    return XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)


def assert_same(loaded: xgb.DMatrix, original: xgb.DMatrix) -> None:
    assert (loaded.num_row(), loaded.num_col()) == (original.num_row(), original.num_col())
    assert loaded.num_nonmissing() == original.num_nonmissing()
    a, b = loaded.get_data(), original.get_data()
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)
    for name in (*FIELDS, "feature_weights"):
        np.testing.assert_array_equal(loaded.get_float_info(name), original.get_float_info(name))
    np.testing.assert_array_equal(
        loaded.get_uint_info("group_ptr"), original.get_uint_info("group_ptr")
    )
    assert loaded.feature_names == original.feature_names
    assert loaded.feature_types == original.feature_types


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_ranking_dmatrix_round_trips_and_trains_the_same_model(kind: str, tmp_path: Path) -> None:
    original = ranking_matrix()
    with artifact_on(kind, tmp_path) as artifact:
        loaded = write(artifact, original)
    assert_same(loaded, original)
    params = {"objective": "rank:ndcg", "max_depth": 3, "seed": 0, "nthread": 1}
    ours = xgb.train(params, loaded, num_boost_round=4)
    theirs = xgb.train(params, original, num_boost_round=4)
    assert ours.save_raw("json") == theirs.save_raw("json")


def test_multi_target_labels_base_margins_and_survival_bounds_round_trip(tmp_path: Path) -> None:
    x = features()
    targets = xgb.DMatrix(x, label=np.arange(120).reshape(60, 2), base_margin=np.ones((60, 2)))
    survival = xgb.DMatrix(x)
    survival.set_info(label_lower_bound=np.arange(60.0), label_upper_bound=np.arange(60.0) + 1)
    for original in (targets, survival):
        with artifact_on("local", tmp_path) as artifact:
            assert_same(write(artifact, original), original)


def test_the_same_dmatrix_gives_the_same_bytes(tmp_path: Path) -> None:
    written = []
    for _ in range(2):
        with artifact_on("local", tmp_path) as artifact:
            XgboostDMatrixMaterializer(artifact).handle_return(ranking_matrix())
            root = Path(artifact.uri)
            written.append({str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.*")})
    assert written[0] == written[1]
    assert set(written[0]) >= {METADATA_FILENAME, "data/indptr.npy", "info/label.npy"}


def test_metadata_counts_rows_columns_and_feature_names() -> None:
    facts = XgboostDMatrixMaterializer(DataArtifact(uri="unused")).extract_metadata(
        ranking_matrix()
    )
    assert facts["rows"] == 60 and facts["columns"] == 4 and facts["feature_names"] == 4
    assert facts["fields"] == ["feature_weights", "group", "label", "weight"]
    assert 0 < facts["non_missing"] < 240


def test_the_registry_picks_it_for_dmatrix() -> None:
    assert default_materializer_registry.get(xgb.DMatrix) is XgboostDMatrixMaterializer


def test_a_quantile_dmatrix_is_refused_with_what_to_return_instead(tmp_path: Path) -> None:
    quantised = xgb.QuantileDMatrix(features(), label=np.arange(60) % 2)
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="QuantileDMatrix holds quantised bins.*Return the"),
    ):
        XgboostDMatrixMaterializer(artifact).handle_return(quantised)


def test_categorical_features_are_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame({"colour": pd.Categorical(["red", "blue"] * 5), "size": range(10)})
    categorical = xgb.DMatrix(frame, enable_categorical=True)
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="categorical features.*arrays or data frame"),
    ):
        XgboostDMatrixMaterializer(artifact).handle_return(categorical)


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch exploited",))


def _written(tmp_path: Path) -> DataArtifact:
    uri = tmp_path / "artifact"
    uri.mkdir()
    artifact = DataArtifact(uri=str(uri))
    XgboostDMatrixMaterializer(artifact).handle_return(ranking_matrix())
    return artifact


def test_a_pickled_label_file_is_refused_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    artifact = _written(tmp_path)
    with open(Path(artifact.uri) / "info" / "label.npy", "wb") as handle:
        np.save(handle, np.array([_Exploit()], dtype=object), allow_pickle=True)
    with pytest.raises(MaterializerError, match=r"info/label.npy is not a plain array"):
        XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)
    assert not (tmp_path / "exploited").exists()
    (Path(artifact.uri) / "info" / "label.npy").write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(MaterializerError, match=r"info/label.npy is not a plain array"):
        XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)
    assert not (tmp_path / "exploited").exists()


def test_indices_outside_the_shape_are_refused_before_xgboost_sees_them(tmp_path: Path) -> None:
    artifact = _written(tmp_path)
    path = Path(artifact.uri) / "data" / "indices.npy"
    indices = np.load(path, allow_pickle=False)
    indices[0] = 1000
    np.save(path, indices, allow_pickle=False)
    with pytest.raises(MaterializerError, match="outside|out of"):
        XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)


def test_a_shape_that_disagrees_with_the_data_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path)
    path = Path(artifact.uri) / METADATA_FILENAME
    metadata = json.loads(path.read_text())
    path.write_text(
        json.dumps({**metadata, "num_col": 5, "feature_names": None, "feature_types": None})
    )
    with pytest.raises(MaterializerError, match=r"not the recorded csr \(60, 5\)"):
        XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)


def test_a_missing_or_foreign_description_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path)
    path = Path(artifact.uri) / METADATA_FILENAME
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(MaterializerError, match="does not describe a xgboost.DMatrix/arrays"):
        XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)
    path.unlink()
    with pytest.raises(MaterializerError, match=f"has no {METADATA_FILENAME}: it was not written"):
        XgboostDMatrixMaterializer(artifact).handle_input(xgb.DMatrix)


@step
def make_matrix() -> xgb.DMatrix:
    """A ranking DMatrix, handed to the next step."""
    return ranking_matrix()


@step
def fit_matrix(train: xgb.DMatrix) -> float:
    """Trains on the DMatrix it received: the sum of its predictions."""
    params = {"objective": "rank:ndcg", "max_depth": 3, "seed": 0, "nthread": 1}
    return float(xgb.train(params, train, num_boost_round=3).predict(train).sum())


@pipeline
def dmatrix_pipeline(make, fit):
    fit(train=make())


def test_a_pipeline_passes_a_dmatrix_and_a_rerun_is_cached() -> None:
    for name in ("dm-a", "dm-b"):
        run = dmatrix_pipeline(make=make_matrix(), fit=fit_matrix()).run(run_name=name)
        assert run.status is ExecutionStatus.COMPLETED
    found = Repository().get_pipeline("dmatrix_pipeline")
    assert found is not None
    run_a, run_b = found.get_run("dm-a"), found.get_run("dm-b")
    assert run_b.get_step("make").is_cached
    params = {"objective": "rank:ndcg", "max_depth": 3, "seed": 0, "nthread": 1}
    original = ranking_matrix()
    expected = float(xgb.train(params, original, num_boost_round=3).predict(original).sum())
    assert run_a.get_step("fit").output.read() == expected
    made = run_a.get_step("make").output
    assert made.metadata["rows"] == 60 and made.metadata["feature_names"] == 4
