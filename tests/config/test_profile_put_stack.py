"""``ProfileStore.put_stack`` (a stack and its components in one write) and
``resolve_active_profile``."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenml_airflow.config import (
    ComponentRecord,
    ProfileManager,
    ProfileStore,
    RepositoryConfig,
    initialize_repository,
    resolve_active_profile,
)
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import DoesNotExistError, StackError

ORCH = StackComponentType.ORCHESTRATOR
META = StackComponentType.METADATA_STORE
ART = StackComponentType.ARTIFACT_STORE


@pytest.fixture
def default(isolated_config: Path) -> ProfileStore:
    return ProfileManager(isolated_config).ensure_default()


def records(
    art_path: str, meta: ComponentRecord
) -> dict[StackComponentType, tuple[str, ComponentRecord]]:
    return {
        ORCH: ("default", ComponentRecord(flavor="local")),
        META: ("default", meta),
        ART: ("archive", ComponentRecord(flavor="local", config={"path": art_path})),
    }


def test_put_stack_registers_new_components_and_shares_identical_ones(
    default: ProfileStore,
) -> None:
    meta = default.get_component(META, "default")
    components = records("/archive", meta)
    added = default.put_stack("archival", components, create=True, activate=True)
    assert added == [(ART, "archive")]
    assert default.get_stack("archival") == {ORCH: "default", META: "default", ART: "archive"}
    assert default.active_stack_name == "archival"


def test_put_stack_clash_writes_nothing(default: ProfileStore) -> None:
    before = default.stacks_file.read_text()
    components = records("/archive", ComponentRecord(flavor="sqlite"))
    with pytest.raises(
        StackError,
        match="A metadata store named 'default' already exists in "
        "profile 'default' with a different configuration",
    ):
        default.put_stack("archival", components, create=True)
    assert default.stacks_file.read_text() == before


def test_put_stack_custom_sameness_and_identical_ok(default: ProfileStore) -> None:
    meta = default.get_component(META, "default")
    components = records("/archive", meta)
    default.put_stack("archival", components, create=True)
    with pytest.raises(StackError, match="A stack named 'archival' already exists"):
        default.put_stack("archival", components, create=True)
    assert default.put_stack("archival", components, create=True, identical_ok=True) == []
    relaxed = {
        **components,
        ART: ("archive", ComponentRecord(flavor="local", config={"path": "x"})),
    }
    with pytest.raises(StackError, match="different configuration"):
        default.put_stack("other", relaxed, create=True)
    default.put_stack("other", relaxed, create=True, same_component=lambda kind: lambda a, b: True)
    assert default.get_component(ART, "archive").config == {"path": "/archive"}  # kept


def test_put_stack_update_requires_existing_stack(default: ProfileStore) -> None:
    meta = default.get_component(META, "default")
    with pytest.raises(DoesNotExistError, match="No stack named 'nope'"):
        default.put_stack("nope", records("/a", meta), create=False)


def test_stacks_using(default: ProfileStore) -> None:
    assert default.stacks_using(ART, "default") == ["default"]
    assert default.stacks_using(ART, "other") == []


def test_resolve_active_profile_ignores_a_broken_stack_pin(
    isolated_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ProfileManager(isolated_config).ensure_default()
    root = tmp_path / "repo"
    initialize_repository(root)
    RepositoryConfig(active_stack_name="gone").save(root)
    profile, source = resolve_active_profile(root)
    assert (profile.name, source) == ("default", "global")
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "nope")
    with pytest.raises(DoesNotExistError, match=r"Active profile 'nope' \(ZENML_AIRFLOW_PROFILE\)"):
        resolve_active_profile(root)
