from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zenml_airflow.config import (
    ProfileManager,
    ProfileStore,
    RepositoryConfig,
    initialize_repository,
)
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import ConfigError, DoesNotExistError, StackError
from zenml_airflow.stack import (
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    SQLiteMetadataStoreComponent,
    Stack,
    load_active_stack,
    register_component,
    register_stack,
)

ART = StackComponentType.ARTIFACT_STORE


def _stack(name: str = "s", artifacts: str = "/a") -> Stack:
    return Stack(
        name,
        orchestrator=LocalOrchestratorComponent(name="o"),
        metadata_store=SQLiteMetadataStoreComponent(name="m", uri="/m.db"),
        artifact_store=LocalArtifactStoreComponent(name="a", path=artifacts),
    )


def test_default_stack_loaded_lazily(isolated_config: Path) -> None:
    assert not isolated_config.exists()
    stack = load_active_stack()
    assert stack.name == "default"
    assert {c.name for c in stack.components.values()} == {"default"}
    profile_dir = isolated_config.resolve() / "profiles" / "default"
    assert stack.artifact_store.path == str(profile_dir / "stores" / "artifacts")
    assert isinstance(stack.metadata_store, SQLiteMetadataStoreComponent)
    assert stack.metadata_store.uri == str(profile_dir / "stores" / "metadata.db")
    assert stack.metadata_store.url == f"sqlite:///{profile_dir / 'stores' / 'metadata.db'}"
    assert isinstance(stack.orchestrator, LocalOrchestratorComponent)


def test_components_and_record() -> None:
    stack = _stack()
    assert list(stack.components) == [
        StackComponentType.ORCHESTRATOR,
        StackComponentType.METADATA_STORE,
        StackComponentType.ARTIFACT_STORE,
    ]
    assert stack.to_record()[ART] == "a"
    stack.validate()


def test_validate_rejects_component_in_wrong_slot() -> None:
    stack = _stack()
    stack.artifact_store = SQLiteMetadataStoreComponent(name="m2", uri="/x")  # type: ignore[assignment]
    with pytest.raises(
        StackError, match="metadata store 'm2' cannot be used as the artifact store"
    ):
        stack.validate()


def test_validate_rejects_missing_required_component() -> None:
    stack = _stack()
    stack.orchestrator = None  # type: ignore[assignment]
    with pytest.raises(StackError, match="Stack 's' has no orchestrator"):
        stack.validate()


def test_register_and_activate_stack(isolated_config: Path) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    archive = LocalArtifactStoreComponent.from_config("archive", {"path": "/archive"})
    register_component(profile, archive)
    default = Stack.from_profile(profile, "default")
    custom = Stack(
        "archival",
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=archive,
    )
    register_stack(profile, custom, activate=True)
    active = load_active_stack()
    assert active.name == "archival"
    assert active.artifact_store.path == "/archive"


def test_switching_stack_via_environment(
    isolated_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    register_component(profile, LocalArtifactStoreComponent(name="other", path="/other"))
    profile.register_stack(
        "other",
        {**profile.get_stack("default"), ART: "other"},
    )
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", "other")
    assert load_active_stack().artifact_store.path == "/other"


def test_repository_pin_found_from_cwd(
    isolated_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = ProfileManager(isolated_config)
    manager.ensure_default()
    pinned = manager.create("pinned")
    root = tmp_path / "project"
    initialize_repository(root, active_profile_name="pinned")
    (root / "src").mkdir()
    monkeypatch.chdir(root / "src")
    stack = load_active_stack()
    assert stack.artifact_store.path.startswith(str(pinned.path))
    RepositoryConfig(active_profile_name="default").save(root)
    assert load_active_stack().artifact_store.path.startswith(str(manager.store("default").path))


def test_unknown_stack_suggests(isolated_config: Path) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    with pytest.raises(DoesNotExistError, match="Did you mean 'default'"):
        Stack.from_profile(profile, "defalt")


def test_stored_invalid_config_names_file_and_field(isolated_config: Path) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    text = profile.stacks_file.read_text().replace("path:", "pth:")
    profile.stacks_file.write_text(text)
    with pytest.raises(StackError) as info:
        load_active_stack()
    message = str(info.value)
    assert str(profile.stacks_file) in message
    assert "unknown field(s) 'pth'" in message
    assert "Allowed fields: path" in message


def test_stored_unknown_flavor(isolated_config: Path) -> None:
    profile = ProfileStore(isolated_config, "default")
    ProfileManager(isolated_config).ensure_default()
    profile.stacks_file.write_text(
        profile.stacks_file.read_text().replace("flavor: sqlite", "flavor: mysqlx")
    )
    with pytest.raises(StackError, match="Unknown metadata store flavor 'mysqlx'"):
        load_active_stack()


def test_corrupt_global_config_is_config_error(isolated_config: Path) -> None:
    isolated_config.mkdir()
    (isolated_config / "config.yaml").write_text("active_profile: [\n")
    with pytest.raises(ConfigError, match=r"config\.yaml is not valid YAML"):
        load_active_stack()


def test_get_pipelines_delegates_to_post_execution(
    isolated_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []
    import zenml_airflow.post_execution as post_execution

    def fake_get_pipelines(metadata: object, artifacts: object) -> list[object]:
        calls.append((metadata, artifacts))
        return []

    def fake_get_pipeline(metadata: object, name: str, artifacts: object) -> None:
        calls.append((metadata, name, artifacts))

    monkeypatch.setattr(post_execution, "get_pipelines", fake_get_pipelines)
    monkeypatch.setattr(post_execution, "get_pipeline", fake_get_pipeline)
    stack = load_active_stack()
    monkeypatch.setattr(type(stack.metadata_store), "open_store", lambda self: "META")
    monkeypatch.setattr(type(stack.artifact_store), "open_store", lambda self: "ART")
    assert stack.get_pipelines() == []
    assert stack.get_pipeline("training") is None
    assert calls == [("META", "ART"), ("META", "training", "ART")]


def test_import_has_no_side_effects(tmp_path: Path) -> None:
    config_dir = tmp_path / "never-created"
    code = (
        "import sys, zenml_airflow.stack, zenml_airflow.config, zenml_airflow.cli.init;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('airflow', 'sqlalchemy')"
        " or m in ('zenml_airflow.metadata.store', 'zenml_airflow.artifacts.store')];"
        "print(bad)"
    )
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(config_dir)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert not config_dir.exists()
