"""``Repository``'s stack-management API (the seed's 0.7/0.8 methods)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from zenml_airflow.config import ProfileManager, RepositoryConfig, initialize_repository
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import DoesNotExistError, StackError
from zenml_airflow.repository import Repository
from zenml_airflow.stack import LocalArtifactStoreComponent, SQLiteMetadataStoreComponent, Stack
from zenml_airflow.stack.components import AirflowOrchestratorComponent

ART = StackComponentType.ARTIFACT_STORE
ORCH = StackComponentType.ORCHESTRATOR


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZENML_AIRFLOW_PROFILE", "ZENML_AIRFLOW_STACK", "ZENML_AIRFLOW_REPOSITORY_PATH"):
        monkeypatch.delenv(name, raising=False)


def archival(repo: Repository, name: str = "archival") -> Stack:
    default = repo.get_stack("default")
    return Stack(
        name,
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=LocalArtifactStoreComponent(name="archive", path="/archive"),
    )


def test_constructor_does_no_io(isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zenml_airflow.repository as module

    def forbidden(*args: object) -> None:
        raise AssertionError("searched for the repository in the constructor")

    monkeypatch.setattr(module, "find_repository", forbidden)
    repo = Repository()
    assert not isolated_config.exists()
    monkeypatch.undo()
    assert repo.root is None


def test_root_is_found_lazily(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    initialize_repository(tmp_path / "project")
    (tmp_path / "project" / "src").mkdir()
    monkeypatch.chdir(tmp_path / "project" / "src")
    repo = Repository()
    assert repo.root == (tmp_path / "project").resolve()
    assert repo.config_directory == (tmp_path / "project" / ".zen").resolve()


def test_stacks_and_stack_configurations() -> None:
    repo = Repository()
    repo.register_stack(archival(repo))
    assert [stack.name for stack in repo.stacks] == ["archival", "default"]
    assert repo.stack_configurations["archival"] == {
        ORCH: "default",
        StackComponentType.METADATA_STORE: "default",
        ART: "archive",
    }
    assert repo.get_stack("archival").artifact_store.path == "/archive"


def test_register_stack_with_activate_and_deregister() -> None:
    repo = Repository()
    repo.register_stack(archival(repo), activate=True)
    assert repo.active_stack_name == "archival"
    with pytest.raises(StackError, match="Cannot delete stack 'archival': it is the active stack"):
        repo.deregister_stack("archival")
    repo.activate_stack("default")
    repo.deregister_stack("archival")
    assert "archival" not in repo.stack_configurations
    with pytest.raises(DoesNotExistError, match="No stack named 'archival'"):
        repo.deregister_stack("archival")


def test_update_stack() -> None:
    repo = Repository()
    repo.register_stack(archival(repo))
    stack = repo.get_stack("archival")
    stack.metadata_store = SQLiteMetadataStoreComponent(name="meta2", uri="/meta2.db")
    repo.update_stack("archival", stack)
    assert repo.stack_configurations["archival"][StackComponentType.METADATA_STORE] == "meta2"
    assert repo.get_stack_component(StackComponentType.METADATA_STORE, "meta2").uri == "/meta2.db"  # type: ignore[attr-defined]


def test_activate_stack_pins_inside_a_repository(tmp_path: Path) -> None:
    root = tmp_path / "project"
    initialize_repository(root)
    repo = Repository(root)
    repo.register_stack(archival(repo))
    repo.activate_stack("archival")
    assert RepositoryConfig.load(root).active_stack_name == "archival"
    assert repo.active_profile.active_stack_name == "default"
    assert repo.active_stack.name == "archival"
    assert Repository(tmp_path).active_stack.name == "default"  # elsewhere: unchanged
    repo.activate_stack("default", global_scope=True)
    assert RepositoryConfig.load(root).active_stack_name == "archival"
    with pytest.raises(DoesNotExistError, match="Did you mean 'archival'"):
        repo.activate_stack("archivl")


def test_activate_profile_outside_and_inside_a_repository(
    isolated_config: Path, tmp_path: Path
) -> None:
    manager = ProfileManager(isolated_config)
    manager.ensure_default()
    manager.create("staging")
    Repository().activate_profile("staging")
    assert manager.active_profile_name == "staging"
    assert Repository().active_profile.name == "staging"
    root = tmp_path / "project"
    initialize_repository(root)
    Repository(root).activate_profile("default")
    pins = RepositoryConfig.load(root)
    assert (pins.active_profile_name, pins.active_stack_name) == ("default", "default")
    assert manager.active_profile_name == "staging"
    assert Repository(root).active_profile_name == "default"
    with pytest.raises(DoesNotExistError, match="Did you mean 'staging'"):
        Repository().activate_profile("stagin")


def test_component_methods() -> None:
    repo = Repository()
    repo.register_stack_component(LocalArtifactStoreComponent(name="spare", path="/spare"))
    names = [c.name for c in repo.get_stack_components(ART)]
    assert names == ["default", "spare"]
    assert repo.get_stack_component(ART, "spare").path == "/spare"  # type: ignore[attr-defined]
    repo.update_stack_component("spare", ART, LocalArtifactStoreComponent(name="spare", path="/x"))
    assert repo.get_stack_component(ART, "spare").path == "/x"  # type: ignore[attr-defined]
    with pytest.raises(StackError, match="Cannot change the flavor of orchestrator 'default'"):
        repo.update_stack_component("default", ORCH, AirflowOrchestratorComponent(name="default"))
    with pytest.raises(StackError, match="renaming is not supported"):
        repo.update_stack_component("spare", ART, LocalArtifactStoreComponent(name="o", path="/"))
    with pytest.raises(StackError, match="already exists"):
        repo.register_stack_component(LocalArtifactStoreComponent(name="spare", path="/y"))
    repo.deregister_stack_component(ART, "spare")
    with pytest.raises(DoesNotExistError, match="No artifact store named 'spare'"):
        repo.get_stack_component(ART, "spare")
    with pytest.raises(StackError, match="used by stack\\(s\\) 'default'"):
        repo.deregister_stack_component(ART, "default")


def test_get_flavor_accepts_both_argument_orders() -> None:
    repo = Repository()
    assert repo.get_flavor("airflow", ORCH) is AirflowOrchestratorComponent
    assert repo.get_flavor(ORCH, "airflow") is AirflowOrchestratorComponent
    assert repo.get_flavor("local", "artifact_store") is LocalArtifactStoreComponent
    with pytest.raises(StackError, match="Available flavors: airflow, local"):
        repo.get_flavor("kubeflow", ORCH)


def test_register_stack_refuses_unavailable_flavor(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository()
    stack = repo.get_stack("default")
    stack.name = "af"
    stack.orchestrator = AirflowOrchestratorComponent(name="af")
    monkeypatch.setitem(sys.modules, "zenml_airflow.orchestrators.airflow", None)  # type: ignore[arg-type]
    with pytest.raises(StackError, match="Stack 'af' cannot be used: orchestrator 'af'"):
        repo.register_stack(stack)
    fake = types.ModuleType("zenml_airflow.orchestrators.airflow")
    fake.AirflowOrchestrator = object  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zenml_airflow.orchestrators.airflow", fake)
    repo.register_stack(stack)
    assert repo.stack_configurations["af"][ORCH] == "af"
