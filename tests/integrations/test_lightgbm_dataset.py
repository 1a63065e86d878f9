"""The LightGBM Dataset materializer: a Dataset round-trips through every kind of artifact store
in LightGBM's binary dataset format, trains the same model afterwards, writes the same bytes
twice, and what cannot be stored or was tampered with is refused without running anything."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.lightgbm.materializers import LightGBMDatasetMaterializer
from zenml_airflow.integrations.model_files import MANIFEST_FILENAME, digest
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step

PARAMS = {"max_bin": 31, "verbose": -1, "min_data_in_leaf": 5}


def features() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((200, 4))
    return x, (x[:, 0] + 0.1 * rng.random(200) > 0.5).astype(float)


def ranking_dataset() -> lgb.Dataset:
    x, y = features()
    return lgb.Dataset(
        x,
        label=y,
        weight=np.linspace(0.5, 2.0, 200),
        group=[50] * 4,
        init_score=np.linspace(-1, 1, 200),
        feature_name=["a", "b", "c", "d"],
        params=dict(PARAMS),
        free_raw_data=False,
    )


def write(artifact: DataArtifact, value: lgb.Dataset) -> lgb.Dataset:
    LightGBMDatasetMaterializer(artifact).handle_return(value)
    return LightGBMDatasetMaterializer(artifact).handle_input(lgb.Dataset)


def train(dataset: lgb.Dataset, objective: str, **extra: object) -> lgb.Booster:
    params = {"objective": objective, "verbose": -1, "num_threads": 1, "seed": 0, **extra}
    return lgb.train(params, dataset, num_boost_round=5)


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_dataset_round_trips_and_trains_the_same_model(kind: str, tmp_path: Path) -> None:
    original = ranking_dataset()
    with artifact_on(kind, tmp_path) as artifact:
        loaded = write(artifact, original)
    for field in ("label", "weight", "group", "init_score"):
        np.testing.assert_array_equal(loaded.get_field(field), original.get_field(field))
    assert loaded.get_feature_name() == ["a", "b", "c", "d"]
    assert (loaded.num_data(), loaded.num_feature()) == (200, 4)
    assert loaded.params == original.params
    ours, theirs = train(loaded, "lambdarank"), train(original, "lambdarank")
    assert ours.model_to_string() == theirs.model_to_string()


def test_an_unconstructed_dataset_is_constructed_and_stored(tmp_path: Path) -> None:
    x, y = features()
    with artifact_on("local", tmp_path) as artifact:
        loaded = write(artifact, lgb.Dataset(x, label=y, params={"verbose": -1}))
    assert loaded.num_data() == 200
    same = lgb.Dataset(x, label=y, params={"verbose": -1})
    assert train(loaded, "binary").model_to_string() == train(same, "binary").model_to_string()


def test_pandas_categories_round_trip_into_the_trained_model(tmp_path: Path) -> None:
    x, y = features()
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["colour"] = pd.Categorical(np.where(x[:, 1] > 0.5, "red", "blue"))
    original = lgb.Dataset(frame, label=y, params={"verbose": -1})
    with artifact_on("local", tmp_path) as artifact:
        loaded = write(artifact, original)
    assert loaded.pandas_categorical == [["blue", "red"]]
    ours, theirs = train(loaded, "binary"), train(original, "binary")
    assert ours.model_to_string() == theirs.model_to_string()  # categories included
    np.testing.assert_array_equal(ours.predict(frame), theirs.predict(frame))


def test_a_validation_set_is_refused_with_what_to_return_instead(tmp_path: Path) -> None:
    x, y = features()
    valid_set = lgb.Dataset(x[:50], label=y[:50], reference=lgb.Dataset(x, label=y))
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="it is a validation set.*Return the arrays"),
    ):
        LightGBMDatasetMaterializer(artifact).handle_return(valid_set)


def test_the_same_dataset_gives_the_same_bytes(tmp_path: Path) -> None:
    written = []
    for _ in range(2):
        with artifact_on("local", tmp_path) as artifact:
            LightGBMDatasetMaterializer(artifact).handle_return(ranking_dataset())
            written.append({p.name: p.read_bytes() for p in sorted(Path(artifact.uri).iterdir())})
    assert written[0] == written[1]
    assert set(written[0]) == {"dataset.bin", "init_score.npy", MANIFEST_FILENAME}


def test_metadata_counts_rows_columns_and_feature_names(tmp_path: Path) -> None:
    dataset = ranking_dataset()
    with artifact_on("local", tmp_path) as artifact:
        materializer = LightGBMDatasetMaterializer(artifact)
        materializer.handle_return(dataset)
        assert materializer.extract_metadata(dataset) == {
            "rows": 200,
            "columns": 4,
            "feature_names": 4,
        }


def test_the_registry_picks_it_for_datasets() -> None:
    assert default_materializer_registry.get(lgb.Dataset) is LightGBMDatasetMaterializer


def test_parameters_that_are_code_are_refused(tmp_path: Path) -> None:
    x, y = features()
    dataset = lgb.Dataset(x, label=y, params={"verbose": -1, "hook": print})
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match=r"parameter\(s\) hook=builtin_function_or_method"),
    ):
        LightGBMDatasetMaterializer(artifact).handle_return(dataset)


def test_a_subclass_is_refused_with_what_to_return_instead(tmp_path: Path) -> None:
    class MyDataset(lgb.Dataset):
        pass

    x, y = features()
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="never a subclass. Return the arrays or data"),
    ):
        LightGBMDatasetMaterializer(artifact).handle_return(MyDataset(x, label=y))


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch exploited",))


def _written(tmp_path: Path) -> DataArtifact:
    uri = tmp_path / "artifact"
    uri.mkdir()
    artifact = DataArtifact(uri=str(uri))
    LightGBMDatasetMaterializer(artifact).handle_return(ranking_dataset())
    return artifact


def test_a_changed_dataset_file_is_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path)
    path = Path(artifact.uri) / "dataset.bin"
    changed = bytearray(path.read_bytes())
    changed[-10] ^= 0xFF
    path.write_bytes(bytes(changed))
    with pytest.raises(MaterializerError, match="digest differs from the manifest"):
        LightGBMDatasetMaterializer(artifact).handle_input(lgb.Dataset)


@pytest.mark.parametrize(
    "payload", [pickle.dumps(_Exploit()), b"1,2,3\n4,5,6\n"], ids=["pickle", "csv"]
)
def test_a_foreign_file_with_a_forged_digest_is_refused_without_loading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: bytes
) -> None:
    # LightGBM would parse a CSV as training data: only its binary format is accepted
    monkeypatch.chdir(tmp_path)
    artifact = _written(tmp_path)
    (Path(artifact.uri) / "dataset.bin").write_bytes(payload)
    manifest_path = Path(artifact.uri) / MANIFEST_FILENAME
    manifest = json.loads(manifest_path.read_text())
    manifest["blake3"] = digest(payload)
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(MaterializerError, match="is not a LightGBM binary dataset"):
        LightGBMDatasetMaterializer(artifact).handle_input(lgb.Dataset)
    assert not (tmp_path / "exploited").exists()


def test_a_pickled_extra_field_is_refused_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    artifact = _written(tmp_path)
    with open(Path(artifact.uri) / "init_score.npy", "wb") as handle:
        np.save(handle, np.array([_Exploit()], dtype=object), allow_pickle=True)
    with pytest.raises(MaterializerError, match="is not a plain numeric array"):
        LightGBMDatasetMaterializer(artifact).handle_input(lgb.Dataset)
    assert not (tmp_path / "exploited").exists()


def test_a_model_artifact_is_not_read_as_a_dataset(tmp_path: Path) -> None:
    from zenml_airflow.integrations.lightgbm.materializers import LightGBMBoosterMaterializer

    x, y = features()
    booster = lgb.train({"verbose": -1}, lgb.Dataset(x, label=y), num_boost_round=2)
    uri = tmp_path / "model"
    uri.mkdir()
    LightGBMBoosterMaterializer(DataArtifact(uri=str(uri))).handle_return(booster)
    with pytest.raises(MaterializerError, match="describes a 'lightgbm.Booster/text' artifact"):
        LightGBMDatasetMaterializer(DataArtifact(uri=str(uri))).handle_input(lgb.Dataset)


@step
def make_dataset() -> lgb.Dataset:
    """A ranking Dataset, handed to the next step."""
    return ranking_dataset()


@step
def fit_dataset(train_set: lgb.Dataset) -> str:
    """Trains on the Dataset it received: the model's text."""
    return train(train_set, "lambdarank").model_to_string()


@pipeline
def dataset_pipeline(make, fit):
    fit(train_set=make())


def test_a_pipeline_passes_a_dataset_and_a_rerun_is_cached() -> None:
    for name in ("ds-a", "ds-b"):
        run = dataset_pipeline(make=make_dataset(), fit=fit_dataset()).run(run_name=name)
        assert run.status is ExecutionStatus.COMPLETED
    found = Repository().get_pipeline("dataset_pipeline")
    assert found is not None
    run_a, run_b = found.get_run("ds-a"), found.get_run("ds-b")
    assert run_b.get_step("make").is_cached
    expected = train(ranking_dataset(), "lambdarank").model_to_string()
    assert run_a.get_step("fit").output.read() == expected
    made = run_a.get_step("make").output
    assert made.metadata == {"rows": 200, "columns": 4, "feature_names": 4}
