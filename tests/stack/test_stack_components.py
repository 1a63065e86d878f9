from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import ValidationError

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack import (
    ArtifactStoreComponent,
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    SQLiteMetadataStoreComponent,
)


def test_unknown_field_refused_naming_allowed_fields() -> None:
    with pytest.raises(StackError) as info:
        LocalArtifactStoreComponent.from_config("store", {"pth": "/x"})
    message = str(info.value)
    assert "artifact store 'store'" in message
    assert "unknown field(s) 'pth'" in message
    assert "Did you mean 'path'?" in message
    assert "Allowed fields: path" in message


def test_direct_construction_refuses_unknown_fields_too() -> None:
    with pytest.raises(ValidationError, match="Allowed fields: uri"):
        SQLiteMetadataStoreComponent(name="m", url="sqlite:///x.db")  # type: ignore[call-arg]


def test_missing_and_bad_values_name_the_field() -> None:
    with pytest.raises(StackError, match=r"path: Field required\. Allowed fields: path\."):
        LocalArtifactStoreComponent.from_config("store", {})
    with pytest.raises(
        StackError,
        match=r"path: Value error, 's3://b' is not a local path|"
        r"path: 's3://b' is not a local path",
    ):
        LocalArtifactStoreComponent.from_config("store", {"path": "s3://b"})


def test_flavor_is_filled_in_and_checked() -> None:
    component = LocalOrchestratorComponent(name="o")
    assert component.flavor == "local"
    assert component.component_type is StackComponentType.ORCHESTRATOR
    with pytest.raises(StackError, match="flavor 'airflow' does not match"):
        LocalOrchestratorComponent.from_config("o", {"flavor": "airflow"})


def test_paths_are_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    artifacts = LocalArtifactStoreComponent.from_config("a", {"path": "rel/artifacts"})
    assert artifacts.path == str(tmp_path / "rel" / "artifacts")
    metadata = SQLiteMetadataStoreComponent.from_config("m", {"uri": "meta.db"})
    assert metadata.uri == str(tmp_path / "meta.db")
    assert metadata.url == f"sqlite:///{tmp_path / 'meta.db'}"
    assert metadata.url.startswith("sqlite:////")


def test_config_round_trips(tmp_path: Path) -> None:
    component = SQLiteMetadataStoreComponent.from_config("m", {"uri": str(tmp_path / "m.db")})
    assert component.config == {"uri": str(tmp_path / "m.db")}
    assert SQLiteMetadataStoreComponent.from_config("m", component.config) == component


def test_components_are_immutable() -> None:
    component = LocalArtifactStoreComponent(name="a", path="/a")
    with pytest.raises(ValidationError):
        component.path = "/b"


def test_construction_does_no_io(tmp_path: Path) -> None:
    before = set(sys.modules)
    LocalArtifactStoreComponent.from_config("a", {"path": str(tmp_path / "a")})
    SQLiteMetadataStoreComponent.from_config("m", {"uri": str(tmp_path / "m.db")})
    assert list(tmp_path.iterdir()) == [tmp_path / "work"]
    assert "zenml_airflow.metadata.store" not in set(sys.modules) - before


def test_open_store_is_lazy_and_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    created: list[str] = []

    class FakeStore:
        def __init__(self, path: str) -> None:
            created.append(path)

    import zenml_airflow.artifacts.store as artifact_store_module

    monkeypatch.setattr(artifact_store_module, "ArtifactStore", FakeStore)
    component = LocalArtifactStoreComponent(name="a", path=str(tmp_path / "a"))
    assert created == []
    first = component.open_store()
    assert component.open_store() is first
    assert created == [str(tmp_path / "a")]


def test_custom_component_subclass() -> None:
    class BucketStore(ArtifactStoreComponent):
        FLAVOR: ClassVar[str] = "bucket"
        region: str = "eu"

    store = BucketStore.from_config("b", {"path": "s3://x"})
    assert store.config == {"path": "s3://x", "region": "eu"}
    with pytest.raises(StackError, match="Allowed fields: path, region"):
        BucketStore.from_config("b", {"path": "s3://x", "zone": "a"})


@pytest.mark.parametrize(
    ("component_type", "label", "plural_label", "plural", "cli_name"),
    [
        (
            StackComponentType.ORCHESTRATOR,
            "orchestrator",
            "orchestrators",
            "orchestrators",
            "orchestrator",
        ),
        (
            StackComponentType.METADATA_STORE,
            "metadata store",
            "metadata stores",
            "metadata_stores",
            "metadata-store",
        ),
        (
            StackComponentType.ARTIFACT_STORE,
            "artifact store",
            "artifact stores",
            "artifact_stores",
            "artifact-store",
        ),
        (
            StackComponentType.STEP_OPERATOR,
            "step operator",
            "step operators",
            "step_operators",
            "step-operator",
        ),
        (
            StackComponentType.CONTAINER_REGISTRY,
            "container registry",
            "container registries",
            "container_registries",
            "container-registry",
        ),
        (
            StackComponentType.SECRETS_MANAGER,
            "secrets manager",
            "secrets managers",
            "secrets_managers",
            "secrets-manager",
        ),
        (
            StackComponentType.MODEL_DEPLOYER,
            "model deployer",
            "model deployers",
            "model_deployers",
            "model-deployer",
        ),
    ],
)
def test_component_type_spellings(
    component_type: StackComponentType, label: str, plural_label: str, plural: str, cli_name: str
) -> None:
    assert (component_type.label, component_type.plural_label) == (label, plural_label)
    assert (component_type.plural, component_type.cli_name) == (plural, cli_name), (
        "the seed's spellings"
    )
