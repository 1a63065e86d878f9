"""The global configuration: one directory per user, holding ``config.yaml`` and the profiles.

The directory is ``$ZENML_AIRFLOW_CONFIG_DIR`` when set, else ``click.get_app_dir("zenml-airflow")``.
Nothing is read or written at import time; a missing ``config.yaml`` loads as defaults and is only
written by :meth:`GlobalConfig.save`.

Example::

    config = GlobalConfig.load(tmp_path)
    config.active_profile = "staging"
    config.save()
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID, uuid4

import click
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from zenml_airflow.config.yaml_io import file_lock, load_model, save_model

CONFIG_DIR_ENV = "ZENML_AIRFLOW_CONFIG_DIR"
PROFILE_ENV = "ZENML_AIRFLOW_PROFILE"
STACK_ENV = "ZENML_AIRFLOW_STACK"
APP_NAME = "zenml-airflow"
CONFIG_FILE_NAME = "config.yaml"
DEFAULT_PROFILE_NAME = "default"


def _package_version() -> str:
    from zenml_airflow import __version__

    return __version__


def get_config_dir() -> Path:
    """Return the global config directory (``$ZENML_AIRFLOW_CONFIG_DIR`` or the per-user app dir).

    The directory is not created here.
    """
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(click.get_app_dir(APP_NAME))


class GlobalConfig(BaseModel):
    """The contents of ``<config dir>/config.yaml``.

    Unknown keys are refused (they are almost always typos in a hand-edited file).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    version: str = Field(default_factory=_package_version)
    user_id: UUID = Field(default_factory=uuid4)
    active_profile: str = DEFAULT_PROFILE_NAME

    _config_dir: Path = PrivateAttr(default_factory=get_config_dir)

    @classmethod
    def load(cls, config_dir: Path | None = None) -> GlobalConfig:
        """Read the global config from ``config_dir`` (default :func:`get_config_dir`).

        A missing file gives the defaults; nothing is written until :meth:`save`.

        Raises:
            ConfigError: if the file exists but is corrupt or has the wrong shape.
        """
        directory = config_dir if config_dir is not None else get_config_dir()
        path = directory / CONFIG_FILE_NAME
        try:
            config = load_model(path, cls)
        except FileNotFoundError:
            config = cls()
        config._config_dir = directory
        return config

    @property
    def config_dir(self) -> Path:
        """The directory this config belongs to."""
        return self._config_dir

    @property
    def path(self) -> Path:
        """The ``config.yaml`` file this config is stored in."""
        return self._config_dir / CONFIG_FILE_NAME

    @property
    def profiles_dir(self) -> Path:
        """The directory holding one sub-directory per profile."""
        return self._config_dir / "profiles"

    def exists(self) -> bool:
        """Whether ``config.yaml`` has been written yet."""
        return self.path.is_file()

    def save(self) -> None:
        """Write the config atomically to :attr:`path` (creating the directory)."""
        with file_lock(self.path):
            save_model(self.path, self)

    @classmethod
    def ensure(cls, config_dir: Path | None = None) -> GlobalConfig:
        """Load the global config and write it if it does not exist yet (fixing the user id)."""
        directory = config_dir if config_dir is not None else get_config_dir()
        path = directory / CONFIG_FILE_NAME
        with file_lock(path):
            config = cls.load(directory)
            if not config.exists():
                config.save()
        return config
