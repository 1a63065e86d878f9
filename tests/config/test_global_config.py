from __future__ import annotations

from pathlib import Path
from uuid import UUID

import click
import pytest

from zenml_airflow import __version__
from zenml_airflow.config import GlobalConfig, get_config_dir
from zenml_airflow.exceptions import ConfigError


def test_config_dir_comes_from_environment(isolated_config: Path) -> None:
    assert get_config_dir() == isolated_config.resolve()


def test_config_dir_defaults_to_click_app_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZENML_AIRFLOW_CONFIG_DIR")
    assert get_config_dir() == Path(click.get_app_dir("zenml-airflow"))


def test_missing_file_gives_defaults_and_writes_nothing(isolated_config: Path) -> None:
    config = GlobalConfig.load()
    assert config.active_profile == "default"
    assert config.version == __version__
    assert isinstance(config.user_id, UUID)
    assert not config.exists()
    assert not isolated_config.exists()


def test_save_and_load_round_trip(isolated_config: Path) -> None:
    config = GlobalConfig.load()
    config.active_profile = "staging"
    config.save()
    loaded = GlobalConfig.load()
    assert loaded == config
    assert loaded.config_dir == isolated_config.resolve()
    assert (isolated_config / "config.yaml").is_file()
    assert [p.name for p in isolated_config.iterdir() if p.name.endswith(".tmp")] == []


def test_explicit_directory(tmp_path: Path) -> None:
    directory = tmp_path / "elsewhere"
    GlobalConfig.load(directory).save()
    assert (directory / "config.yaml").is_file()


def test_ensure_writes_once_and_keeps_user_id(isolated_config: Path) -> None:
    first = GlobalConfig.ensure()
    second = GlobalConfig.ensure()
    assert first.exists()
    assert first.user_id == second.user_id


def test_unknown_key_is_refused_naming_the_file(isolated_config: Path) -> None:
    isolated_config.mkdir()
    (isolated_config / "config.yaml").write_text("active_profle: x\n")
    with pytest.raises(ConfigError, match=r"config\.yaml is invalid: active_profle: Extra inputs"):
        GlobalConfig.load()


def test_bad_user_id_is_refused(isolated_config: Path) -> None:
    isolated_config.mkdir()
    (isolated_config / "config.yaml").write_text("user_id: not-a-uuid\n")
    with pytest.raises(ConfigError, match=r"config\.yaml is invalid: user_id: "):
        GlobalConfig.load()
