"""The repository folder ``.zen/`` created by ``zenml-airflow init``.

``.zen/config.yaml`` may pin the active profile and stack for everything run inside the repository
(both optional; unset means "use the global ones").

Example::

    root = find_repository()            # searches upward from the cwd
    if root is not None:
        pins = RepositoryConfig.load(root)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from zenml_airflow.config.yaml_io import file_lock, load_model, os_error_reason, save_model
from zenml_airflow.exceptions import ConfigError, InitializationError

REPOSITORY_DIRECTORY_NAME = ".zen"
REPOSITORY_CONFIG_FILE_NAME = "config.yaml"
REPOSITORY_PATH_ENV = "ZENML_AIRFLOW_REPOSITORY_PATH"


def repository_config_path(root: Path) -> Path:
    """``<root>/.zen/config.yaml``."""
    return root / REPOSITORY_DIRECTORY_NAME / REPOSITORY_CONFIG_FILE_NAME


def is_repository_directory(path: Path) -> bool:
    """Whether ``path`` contains a ``.zen/`` repository folder."""
    return (path / REPOSITORY_DIRECTORY_NAME).is_dir()


class RepositoryConfig(BaseModel):
    """The contents of ``.zen/config.yaml``: optional pins of the active profile and stack."""

    model_config = ConfigDict(extra="forbid")

    active_profile_name: str | None = None
    active_stack_name: str | None = None

    @classmethod
    def load(cls, root: Path) -> RepositoryConfig:
        """Read ``<root>/.zen/config.yaml`` (a missing file means no pins).

        Raises:
            ConfigError: if the file is corrupt or has the wrong shape.
        """
        try:
            return load_model(repository_config_path(root), cls)
        except FileNotFoundError:
            return cls()

    def save(self, root: Path) -> None:
        """Write ``<root>/.zen/config.yaml`` atomically."""
        path = repository_config_path(root)
        with file_lock(path):
            save_model(path, self)


def find_repository(start: Path | None = None) -> Path | None:
    """Return the closest directory at or above ``start`` (default: the cwd) holding ``.zen/``.

    ``$ZENML_AIRFLOW_REPOSITORY_PATH``, when set, is used instead of searching.

    Raises:
        ConfigError: if ``$ZENML_AIRFLOW_REPOSITORY_PATH`` points at a directory without ``.zen/``.
    """
    override = os.environ.get(REPOSITORY_PATH_ENV)
    if override:
        root = Path(override).expanduser().resolve()
        if not is_repository_directory(root):
            raise ConfigError(
                f"{REPOSITORY_PATH_ENV}={override} is not a zenml-airflow repository (no "
                f"{REPOSITORY_DIRECTORY_NAME}/ folder). Run `zenml-airflow init {override}` "
                f"or unset {REPOSITORY_PATH_ENV}."
            )
        return root
    current = (start if start is not None else Path.cwd()).resolve()
    for directory in (current, *current.parents):
        if is_repository_directory(directory):
            return directory
    return None


def initialize_repository(
    root: Path,
    *,
    active_profile_name: str | None = None,
    active_stack_name: str | None = None,
) -> Path:
    """Create ``<root>/.zen/config.yaml`` and return its path.

    Raises:
        InitializationError: if ``root`` already is a repository or is not a directory.
    """
    root = root.resolve()
    if root.exists() and not root.is_dir():
        raise InitializationError(f"Cannot initialize {root}: it is not a directory.")
    if is_repository_directory(root):
        raise InitializationError(
            f"{root} is already a zenml-airflow repository ({REPOSITORY_DIRECTORY_NAME}/ exists). "
            f"Delete {root / REPOSITORY_DIRECTORY_NAME} to start again."
        )
    directory = root / REPOSITORY_DIRECTORY_NAME
    try:
        directory.mkdir(parents=True)
    except FileExistsError:  # lost a race with another `init`
        raise InitializationError(
            f"{root} is already a zenml-airflow repository ({REPOSITORY_DIRECTORY_NAME}/ exists)."
        ) from None
    except OSError as error:  # read-only, not a directory, ...
        raise InitializationError(
            f"Cannot initialize {root}: cannot create {directory} ({os_error_reason(error)}). "
            "Check that the directory is writable."
        ) from error
    try:
        RepositoryConfig(
            active_profile_name=active_profile_name, active_stack_name=active_stack_name
        ).save(root)
    except BaseException as error:
        # A .zen/ without its config would make the folder look initialized: remove it.
        shutil.rmtree(directory, ignore_errors=True)
        if isinstance(error, ConfigError):
            raise InitializationError(f"Cannot initialize {root}: {error}") from error
        raise
    return repository_config_path(root)
