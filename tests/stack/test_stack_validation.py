"""Full stack validation (flavor availability, combinations, notes), registration with components,
export/import, and the airflow orchestrator component."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import ClassVar

import pytest

from zenml_airflow.config import ProfileManager
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import ConfigError, StackError
from zenml_airflow.stack import (
    Flavor,
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    OrchestratorComponent,
    SQLiteMetadataStoreComponent,
    Stack,
    register_stack,
)
from zenml_airflow.stack.components import (
    AirflowOrchestratorComponent,
    DefaultContainerRegistryComponent,
    KubernetesStepOperatorComponent,
    LocalModelDeployerComponent,
    MySQLMetadataStoreComponent,
    S3ArtifactStoreComponent,
)
from zenml_airflow.stack.stack import import_stack, stack_from_export, update_stack

ART = StackComponentType.ARTIFACT_STORE


@pytest.fixture
def fake_airflow_module(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("zenml_airflow.orchestrators.airflow")
    fake.AirflowOrchestrator = type("AirflowOrchestrator", (), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zenml_airflow.orchestrators.airflow", fake)


def local_stack(name: str = "s", **extra: object) -> Stack:
    return Stack(
        name,
        orchestrator=LocalOrchestratorComponent(name="o"),
        metadata_store=SQLiteMetadataStoreComponent(name="m", uri="/m.db"),
        artifact_store=LocalArtifactStoreComponent(name="a", path="/a"),
        **extra,  # type: ignore[arg-type]
    )


def test_local_stack_is_valid_and_has_no_notes() -> None:
    stack = local_stack()
    stack.validate()
    assert stack.notes() == []


def test_unimplemented_flavor_is_refused_with_its_reason() -> None:
    stack = Stack(
        "cloud",
        orchestrator=LocalOrchestratorComponent(name="o"),
        metadata_store=MySQLMetadataStoreComponent(name="db", host="db.example.com", database="z"),
        artifact_store=S3ArtifactStoreComponent(name="s3", path="s3://bucket/root"),
        model_deployer=LocalModelDeployerComponent(name="serve"),
    )
    stack.validate(structural_only=True)  # a stored stack can still be loaded and described
    with pytest.raises(StackError) as info:
        stack.validate()
    message = str(info.value)
    assert message.startswith("Stack 'cloud' cannot be used: ")
    assert (
        "model deployer 'serve': the model deployer flavor 'local' is not implemented yet"
        in message
    )
    assert "metadata store 'db'" not in message  # the mysql flavor is implemented
    assert "artifact store 's3'" not in message  # the s3 flavor is implemented
    assert "planned with model deployment" in message


def test_missing_implementation_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AirflowOrchestratorComponent, "IMPLEMENTATION", "no_such_mod_xyz:Orch")
    stack = local_stack()
    stack.orchestrator = AirflowOrchestratorComponent(name="af")
    with pytest.raises(
        StackError,
        match=r"orchestrator 'af': the implementation of the "
        r"orchestrator flavor 'airflow' cannot be loaded: Cannot import "
        r"'no_such_mod_xyz'",
    ):
        stack.validate()


def test_orchestrator_without_implementation_is_refused() -> None:
    class Bare(OrchestratorComponent):
        FLAVOR: ClassVar[str] = "bare"

    assert Flavor.from_component_class(Bare).unavailable_reason() == (
        "the orchestrator flavor 'bare' names no implementation to run it"
    )


def test_implementation_that_raises_on_import_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "broken_impl_xyz.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(AirflowOrchestratorComponent, "IMPLEMENTATION", "broken_impl_xyz:X")
    reason = Flavor.from_component_class(AirflowOrchestratorComponent).unavailable_reason()
    assert reason is not None and "fails to import: RuntimeError: boom" in reason


def test_kubernetes_step_operator_refuses_local_stores_and_missing_image() -> None:
    stack = local_stack(step_operator=KubernetesStepOperatorComponent(name="k8s"))
    problems = stack.step_operator.check_in_stack(stack)  # type: ignore[union-attr]
    assert problems == [
        "step operator 'k8s' runs steps in Kubernetes pods, which cannot reach artifact store "
        "'a' on this machine; use s3/gcs and mysql/postgresql stores",
        "step operator 'k8s' runs steps in Kubernetes pods, which cannot reach metadata store "
        "'m' on this machine; use s3/gcs and mysql/postgresql stores",
        "step operator 'k8s' needs an image its pods can pull: set its `image` or add a "
        "container registry to the stack (-c)",
    ]
    stack.container_registry = DefaultContainerRegistryComponent(name="r", uri="r.io/x")
    assert len(stack.step_operator.check_in_stack(stack)) == 2  # type: ignore[union-attr]


def test_airflow_orchestrator_with_local_stores_is_allowed_with_a_note(
    fake_airflow_module: None,
) -> None:
    stack = local_stack()
    stack.orchestrator = AirflowOrchestratorComponent(name="af")
    stack.validate()
    [note] = stack.notes()
    assert "artifact store 'a' and metadata store 'm' are only reachable on this machine" in note
    stack.metadata_store = MySQLMetadataStoreComponent(name="db", host="db.example", database="z")
    assert "artifact store 'a' is only reachable" in stack.notes()[0]


@pytest.mark.parametrize("executor", ["celery", "CeleryExecutor", "kubernetes"])
def test_a_distributed_airflow_refuses_stores_in_this_machines_files(
    fake_airflow_module: None, executor: str
) -> None:
    stack = local_stack()
    stack.orchestrator = AirflowOrchestratorComponent(name="af", executor=executor)
    with pytest.raises(StackError) as caught:
        stack.validate()
    text = str(caught.value)
    name = executor.lower().removesuffix("executor")
    assert f"orchestrator 'af' runs tasks on {name} workers" in text
    assert "artifact store 'a' keeps its data in /a on this machine only" in text
    assert "metadata store 'm' keeps its data in /m.db on this machine only" in text
    assert "zenml-airflow orchestrator update af --shared_paths=MOUNT" in text


def test_a_distributed_airflow_takes_stores_under_a_declared_shared_path(
    fake_airflow_module: None,
) -> None:
    stack = Stack(
        "s",
        orchestrator=AirflowOrchestratorComponent.from_config(
            "af", {"executor": "celery", "shared_paths": "/mnt/nfs,/shared/"}
        ),
        metadata_store=SQLiteMetadataStoreComponent(name="m", uri="/shared/zen/m.db"),
        artifact_store=LocalArtifactStoreComponent(name="a", path="/mnt/nfs/artifacts"),
    )
    assert stack.orchestrator.shared_paths == ["/mnt/nfs", "/shared"]  # type: ignore[union-attr]
    stack.validate()
    assert stack.notes() == []
    # a sibling that merely starts with the same letters is not under the shared path
    stack.artifact_store = LocalArtifactStoreComponent(name="a", path="/mnt/nfs2/artifacts")
    with pytest.raises(StackError, match="keeps its data in /mnt/nfs2/artifacts"):
        stack.validate()


def test_a_distributed_airflow_notes_stores_on_this_hosts_loopback(
    fake_airflow_module: None,
) -> None:
    stack = Stack(
        "s",
        orchestrator=AirflowOrchestratorComponent(name="af", executor="celery"),
        metadata_store=MySQLMetadataStoreComponent(name="db", host="127.0.0.1", database="z"),
        artifact_store=S3ArtifactStoreComponent(name="s3", path="s3://bucket/art"),
    )
    stack.validate()
    [note] = stack.notes()
    assert "metadata store 'db' is addressed by a loopback host" in note
    stack.metadata_store = MySQLMetadataStoreComponent(name="db", host="db.example", database="z")
    assert stack.notes() == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"executor": "dask"}, "unknown executor 'dask': use one of local, celery, kubernetes"),
        ({"shared_paths": "relative/dir"}, "shared path 'relative/dir' is not absolute"),
        ({"dag_bundle_subdir": "/abs"}, "dag_bundle_subdir '/abs' must be a directory inside"),
        ({"dag_bundle_subdir": "a/../.."}, "must be a directory inside the repository"),
    ],
)
def test_bad_executor_settings_are_refused(config: dict[str, str], message: str) -> None:
    with pytest.raises(StackError, match=message):
        AirflowOrchestratorComponent.from_config("af", config)


def test_airflow_component_paths_and_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    component = AirflowOrchestratorComponent.from_config(
        "af", {"dags_folder": "dags", "airflow_home": "~/af"}
    )
    assert component.dags_folder == str(tmp_path / "dags")
    assert component.airflow_home == str(Path("~/af").expanduser())
    assert component.resolved_dags_folder() == tmp_path / "dags"
    defaults = AirflowOrchestratorComponent(name="af")
    assert (defaults.api_url, defaults.unpause_on_deploy) == ("http://localhost:8080", True)
    assert defaults.dags_folder is None and defaults.airflow_home is None  # resolved when used
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    assert defaults.resolved_airflow_home() == tmp_path / "home"
    assert defaults.resolved_dags_folder() == tmp_path / "home" / "dags"
    monkeypatch.delenv("AIRFLOW_HOME")
    assert defaults.resolved_airflow_home() == Path("~/airflow").expanduser()
    with pytest.raises(StackError, match="api_url: 'localhost:8080' is not an http"):
        AirflowOrchestratorComponent.from_config("af", {"api_url": "localhost:8080"})
    assert AirflowOrchestratorComponent(name="af", password="pw").masked_config()["password"] == (
        "********"
    )
    reference = AirflowOrchestratorComponent(name="af", password="{{airflow.password}}")
    assert reference.masked_config()["password"] == "{{airflow.password}}"


# --- registration ---------------------------------------------------------------------------------


def test_register_stack_registers_its_new_components(isolated_config: Path) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    default = Stack.from_profile(profile, "default")
    stack = Stack(
        "archival",
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=LocalArtifactStoreComponent(name="archive", path="/archive"),
    )
    register_stack(profile, stack)
    assert profile.get_component(ART, "archive").config == {"path": "/archive"}
    assert profile.get_stack("archival")[ART] == "archive"


def test_register_stack_refuses_a_different_component_of_the_same_name(
    isolated_config: Path,
) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    stack = local_stack("clash")
    stack.artifact_store = LocalArtifactStoreComponent(name="default", path="/elsewhere")
    stack.orchestrator = LocalOrchestratorComponent(name="default")
    with pytest.raises(
        StackError,
        match="An artifact store named 'default' already exists in "
        "profile 'default' with a different configuration",
    ):
        register_stack(profile, stack)
    assert "clash" not in profile.list_stacks()
    assert "m" not in profile.list_components(StackComponentType.METADATA_STORE)  # all or nothing


def test_register_stack_refuses_an_unavailable_stack_before_writing(
    isolated_config: Path,
) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    stack = local_stack("k8s", step_operator=KubernetesStepOperatorComponent(name="k", image="i"))
    with pytest.raises(StackError, match="cannot reach artifact store"):
        register_stack(profile, stack)
    assert "k8s" not in profile.list_stacks()


def test_update_stack_replaces_components(isolated_config: Path) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    default = Stack.from_profile(profile, "default")
    default.artifact_store = LocalArtifactStoreComponent(name="other", path="/other")
    update_stack(profile, "default", default)
    assert profile.get_stack("default")[ART] == "other"
    with pytest.raises(StackError, match="renaming is not supported"):
        update_stack(profile, "x", default)


def test_export_import_round_trip(isolated_config: Path) -> None:
    manager = ProfileManager(isolated_config)
    manager.ensure_default()
    other = manager.create("other")
    stack = local_stack("portable")
    exported = stack.to_export()
    rebuilt = stack_from_export(exported)
    assert rebuilt.to_export() == exported
    imported, added = import_stack(other, exported)
    assert imported.name == "portable"
    assert sorted(kind.value for kind, _ in added) == [
        "artifact_store",
        "metadata_store",
        "orchestrator",
    ]
    assert Stack.from_profile(other, "portable").to_export() == exported
    again, added_again = import_stack(other, exported)  # identical: nothing changes
    assert added_again == [] and again.name == "portable"
    renamed, _ = import_stack(other, exported, name="copy")
    assert renamed.name == "copy" and other.get_stack("copy") == other.get_stack("portable")


def test_import_refuses_newer_versions_and_wrong_shapes() -> None:
    exported = local_stack().to_export()
    with pytest.raises(
        ConfigError, match="has stack export version 99; this zenml-airflow reads up to version 1"
    ):
        stack_from_export({**exported, "version": 99}, source="f.yaml")
    with pytest.raises(ConfigError, match="f.yaml must contain a mapping"):
        stack_from_export([1, 2], source="f.yaml")
    with pytest.raises(StackError, match="Unknown orchestrator flavor 'kubeflow'"):
        broken = {**exported, "components": {**exported["components"]}}
        broken["components"]["orchestrator"] = {"name": "o", "flavor": "kubeflow"}
        stack_from_export(broken)


def test_a_dag_bundle_is_named_after_the_orchestrator_and_a_local_repo_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    component = AirflowOrchestratorComponent.from_config(
        "af", {"dag_bundle_repo": "repo.git", "dag_bundle_subdir": "dags/"}
    )
    assert component.dag_bundle_repo == str(tmp_path / "repo.git")
    assert component.dag_bundle_subdir == "dags" and component.dag_bundle_name == "zenml-af"
    remote = AirflowOrchestratorComponent.from_config(
        "af", {"dag_bundle_repo": "git@git.example.com:team/ml.git"}
    )
    assert remote.dag_bundle_repo == "git@git.example.com:team/ml.git"
    assert AirflowOrchestratorComponent(name="af").dag_bundle_name is None
