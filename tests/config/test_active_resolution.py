from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zenml_airflow.config import (
    ProfileManager,
    ProfileStore,
    RepositoryConfig,
    initialize_repository,
    resolve_active,
)
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import DoesNotExistError, StackError

DEFAULT_RECORD = {
    StackComponentType.ORCHESTRATOR: "default",
    StackComponentType.METADATA_STORE: "default",
    StackComponentType.ARTIFACT_STORE: "default",
}


@pytest.fixture
def setup(isolated_config: Path, tmp_path: Path) -> Path:
    """Profiles default (stacks default, g-stack active) and repo (stacks default, r-stack);
    global active profile 'default'. Returns a repository root pinning nothing."""
    manager = ProfileManager(isolated_config)
    default = manager.ensure_default()
    default.register_stack("g-stack", DEFAULT_RECORD, activate=True)
    repo_profile = manager.create("repo")
    repo_profile.register_stack("r-stack", DEFAULT_RECORD)
    env_profile = manager.create("env")
    env_profile.register_stack("e-stack", DEFAULT_RECORD)
    root = tmp_path / "project"
    initialize_repository(root)
    return root


def _resolve(root: Path | None) -> tuple[str, str, str, str]:
    context = resolve_active(root)
    return (
        context.profile_name,
        context.stack_name,
        context.profile_source,
        context.stack_source,
    )


def test_global_applies_without_pins(setup: Path) -> None:
    assert _resolve(setup) == ("default", "g-stack", "global", "profile")
    assert _resolve(None) == ("default", "g-stack", "global", "profile")


def test_repository_pin_beats_global(setup: Path) -> None:
    RepositoryConfig(active_profile_name="repo", active_stack_name="r-stack").save(setup)
    assert _resolve(setup) == ("repo", "r-stack", "repository", "repository")
    assert _resolve(None)[:2] == ("default", "g-stack")


def test_environment_beats_repository_pin(setup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    RepositoryConfig(active_profile_name="repo", active_stack_name="r-stack").save(setup)
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "env")
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", "e-stack")
    assert _resolve(setup) == ("env", "e-stack", "environment", "environment")


def test_env_stack_alone_uses_resolved_profile(
    setup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", "default")
    assert _resolve(setup) == ("default", "default", "global", "environment")


def test_pinned_profile_uses_its_own_active_stack(setup: Path) -> None:
    RepositoryConfig(active_profile_name="repo").save(setup)
    assert _resolve(setup) == ("repo", "default", "repository", "profile")


def test_unknown_env_profile_suggests(setup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "rep")
    with pytest.raises(DoesNotExistError) as info:
        resolve_active(setup)
    message = str(info.value)
    assert "Active profile 'rep' (ZENML_AIRFLOW_PROFILE)" in message
    assert "Did you mean 'repo'?" in message


def test_unknown_pinned_stack_suggests(setup: Path) -> None:
    RepositoryConfig(active_stack_name="g-stak").save(setup)
    with pytest.raises(
        DoesNotExistError,
        match=r"Active stack 'g-stak', pinned by the repository.*Did you mean 'g-stack'\?",
    ):
        resolve_active(setup)


def test_missing_non_default_global_profile_is_not_created(
    isolated_config: Path, setup: Path
) -> None:
    ProfileManager(isolated_config).set_active_profile("repo")
    shutil.rmtree(ProfileStore(isolated_config, "repo").path)
    with pytest.raises(DoesNotExistError, match="Active profile 'repo', the global active"):
        resolve_active(None)


def test_profile_without_active_stack(isolated_config: Path, setup: Path) -> None:
    store = ProfileStore(isolated_config, "env")
    store.stacks_file.write_text(
        store.stacks_file.read_text().replace("active_stack: default", "active_stack: null")
    )
    RepositoryConfig(active_profile_name="env").save(setup)
    with pytest.raises(StackError, match="Profile 'env' has no active stack"):
        resolve_active(setup)
