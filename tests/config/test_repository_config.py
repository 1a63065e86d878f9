from __future__ import annotations

from pathlib import Path

import pytest

from zenml_airflow.config import (
    RepositoryConfig,
    find_repository,
    initialize_repository,
    is_repository_directory,
)
from zenml_airflow.exceptions import ConfigError, InitializationError


def test_initialize_creates_config(tmp_path: Path) -> None:
    root = tmp_path / "project"
    config_file = initialize_repository(root)
    assert config_file == root.resolve() / ".zen" / "config.yaml"
    assert is_repository_directory(root)
    assert RepositoryConfig.load(root) == RepositoryConfig()


def test_initialize_twice_is_an_error(tmp_path: Path) -> None:
    initialize_repository(tmp_path)
    with pytest.raises(InitializationError, match="is already a zenml-airflow repository"):
        initialize_repository(tmp_path)


def test_find_repository_searches_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    initialize_repository(tmp_path / "project")
    nested = tmp_path / "project" / "src" / "deep"
    nested.mkdir(parents=True)
    assert find_repository(nested) == (tmp_path / "project").resolve()
    monkeypatch.chdir(nested)
    assert find_repository() == (tmp_path / "project").resolve()
    assert find_repository(tmp_path) is None


def test_repository_path_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    initialize_repository(tmp_path / "pinned")
    monkeypatch.setenv("ZENML_AIRFLOW_REPOSITORY_PATH", str(tmp_path / "pinned"))
    assert find_repository(tmp_path) == (tmp_path / "pinned").resolve()
    monkeypatch.setenv("ZENML_AIRFLOW_REPOSITORY_PATH", str(tmp_path / "nothing"))
    with pytest.raises(ConfigError, match="is not a zenml-airflow repository"):
        find_repository()


def test_pins_round_trip(tmp_path: Path) -> None:
    initialize_repository(tmp_path)
    RepositoryConfig(active_profile_name="p", active_stack_name="s").save(tmp_path)
    assert RepositoryConfig.load(tmp_path).active_stack_name == "s"


def test_corrupt_repository_config(tmp_path: Path) -> None:
    initialize_repository(tmp_path)
    (tmp_path / ".zen" / "config.yaml").write_text("active_stack_name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"\.zen/config\.yaml is not valid YAML"):
        RepositoryConfig.load(tmp_path)
    (tmp_path / ".zen" / "config.yaml").write_text("active_stack_name: {a: 1}\n")
    with pytest.raises(ConfigError, match=r"\.zen/config\.yaml is invalid: active_stack_name"):
        RepositoryConfig.load(tmp_path)
