from __future__ import annotations

import pytest

from zenml_airflow.artifacts import (
    BaseArtifact,
    DataAnalysisArtifact,
    DataArtifact,
    ModelArtifact,
    SchemaArtifact,
    ServiceArtifact,
    StatisticsArtifact,
    artifact_type_by_name,
)
from zenml_airflow.exceptions import ArtifactStoreError

ALL_TYPES = [
    BaseArtifact,
    DataArtifact,
    DataAnalysisArtifact,
    ModelArtifact,
    SchemaArtifact,
    ServiceArtifact,
    StatisticsArtifact,
]


@pytest.mark.parametrize("cls", ALL_TYPES)
def test_type_name_is_class_name_and_looks_up_the_class(cls: type[BaseArtifact]) -> None:
    assert cls.__name__ == cls.TYPE_NAME
    assert artifact_type_by_name(cls.__name__) is cls


def test_unknown_type_name_suggests_the_closest() -> None:
    with pytest.raises(
        ArtifactStoreError,
        match="Unknown artifact type 'DataArtefact'. Did you mean 'DataArtifact'",
    ):
        artifact_type_by_name("DataArtefact")


def test_fields_and_seed_style_construction() -> None:
    artifact = ModelArtifact(uri="/s/p/s/o/1", materializer="m:M", datatype="pkg.Model")
    assert (artifact.uri, artifact.materializer, artifact.datatype) == (
        "/s/p/s/o/1",
        "m:M",
        "pkg.Model",
    )
    seed_style = DataArtifact()  # the seed built an empty artifact and set .uri afterwards
    seed_style.uri = "/tmp/x"
    assert seed_style.uri == "/tmp/x" and seed_style.materializer is None


def test_dict_round_trip_keeps_the_subclass() -> None:
    artifact = StatisticsArtifact(uri="memory://r/a", materializer="m:M", datatype="builtins.dict")
    restored = BaseArtifact.from_dict(artifact.to_dict())
    assert type(restored) is StatisticsArtifact
    assert restored == artifact
    assert DataArtifact(uri="x") != ModelArtifact(uri="x")


def test_custom_artifact_subclass_is_found_by_name() -> None:
    class EmbeddingArtifact(DataArtifact):
        pass

    assert artifact_type_by_name("EmbeddingArtifact") is EmbeddingArtifact
    assert issubclass(EmbeddingArtifact, BaseArtifact)
