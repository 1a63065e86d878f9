"""Which profile and stack are active: the one place that decides.

Order, for the profile and for the stack separately:

1. environment: ``$ZENML_AIRFLOW_PROFILE`` / ``$ZENML_AIRFLOW_STACK``;
2. the repository pin in ``.zen/config.yaml`` (``active_profile_name`` / ``active_stack_name``);
3. the global config's ``active_profile`` / that profile's ``active_stack``.

The ``default`` profile (with its ``default`` stack) is created here on first use.

Example::

    context = resolve_active(find_repository())
    context.profile_name, context.stack_name   # ('default', 'default')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zenml_airflow.config.global_config import (
    DEFAULT_PROFILE_NAME,
    PROFILE_ENV,
    STACK_ENV,
    GlobalConfig,
    get_config_dir,
)
from zenml_airflow.config.profile import ProfileManager, ProfileStore
from zenml_airflow.config.repository_config import RepositoryConfig
from zenml_airflow.exceptions import DoesNotExistError, StackError, did_you_mean


@dataclass(frozen=True)
class ActiveContext:
    """The result of :func:`resolve_active`, with where each choice came from.

    ``profile_source`` / ``stack_source`` are one of ``"environment"``, ``"repository"``,
    ``"global"`` (profile) or ``"profile"`` (stack).
    """

    config_dir: Path
    profile_name: str
    stack_name: str
    repository_root: Path | None = None
    profile_source: str = "global"
    stack_source: str = "profile"

    @property
    def profile(self) -> ProfileStore:
        """The active profile's store (no I/O)."""
        return ProfileStore(self.config_dir, self.profile_name)


def _describe(source: str) -> str:
    return {
        "environment": "set by environment variable",
        "repository": "pinned by the repository's .zen/config.yaml",
        "global": "the global active profile",
        "profile": "the profile's active stack",
    }[source]


def resolve_active_profile(
    repo_root: Path | None = None,
    *,
    config_dir: Path | None = None,
    create_default: bool = True,
) -> tuple[ProfileStore, str]:
    """The active profile and where the choice came from (``"environment"``, ``"repository"`` or
    ``"global"``), without resolving the active stack (so that a missing active stack can be
    repaired with ``stack set``).

    Raises:
        DoesNotExistError: if the chosen profile does not exist ("did you mean").
        ConfigError: if a config file involved is corrupt.
    """
    directory = config_dir if config_dir is not None else get_config_dir()
    pins = RepositoryConfig.load(repo_root) if repo_root is not None else RepositoryConfig()
    name, source = _resolve_profile(directory, pins, create_default)
    return ProfileStore(directory, name), source


def _resolve_profile(
    directory: Path, pins: RepositoryConfig, create_default: bool
) -> tuple[str, str]:
    manager = ProfileManager(directory)
    profile_name: str
    if os.environ.get(PROFILE_ENV):
        profile_name, profile_source = os.environ[PROFILE_ENV], "environment"
    elif pins.active_profile_name:
        profile_name, profile_source = pins.active_profile_name, "repository"
    else:
        profile_name, profile_source = GlobalConfig.load(directory).active_profile, "global"

    if not manager.exists(profile_name):
        if profile_name == DEFAULT_PROFILE_NAME and create_default:
            manager.ensure_default()
        else:
            profiles = manager.list_profiles()
            origin = f" ({PROFILE_ENV})" if profile_source == "environment" else ""
            raise DoesNotExistError(
                f"Active profile '{profile_name}'{origin}, {_describe(profile_source)}, does not "
                f"exist.{did_you_mean(profile_name, profiles)} "
                f"Profiles: {', '.join(profiles) or 'none'}."
            )
    return profile_name, profile_source


def resolve_active(
    repo_root: Path | None = None,
    *,
    config_dir: Path | None = None,
    create_default: bool = True,
) -> ActiveContext:
    """Decide the active profile and stack.

    Args:
        repo_root: the repository whose ``.zen/config.yaml`` pins apply, or ``None`` for no
            repository (use :func:`~zenml_airflow.config.repository_config.find_repository` to
            search for one).
        config_dir: the global config directory (default :func:`get_config_dir`).
        create_default: create the ``default`` profile if it is the active one and is missing.

    Raises:
        DoesNotExistError: if the chosen profile or stack does not exist ("did you mean").
        StackError: if the profile has no active stack and none is chosen otherwise.
        ConfigError: if a config file involved is corrupt.
    """
    directory = config_dir if config_dir is not None else get_config_dir()
    pins = RepositoryConfig.load(repo_root) if repo_root is not None else RepositoryConfig()
    profile_name, profile_source = _resolve_profile(directory, pins, create_default)
    profile = ProfileStore(directory, profile_name)

    stack_name: str | None
    if os.environ.get(STACK_ENV):
        stack_name, stack_source = os.environ[STACK_ENV], "environment"
    elif pins.active_stack_name:
        stack_name, stack_source = pins.active_stack_name, "repository"
    else:
        stack_name, stack_source = profile.active_stack_name, "profile"
    if stack_name is None:
        raise StackError(
            f"Profile '{profile_name}' has no active stack. "
            "Activate one with `zenml-airflow stack set NAME`."
        )

    stacks = profile.list_stacks()
    if stack_name not in stacks:
        origin = f" ({STACK_ENV})" if stack_source == "environment" else ""
        raise DoesNotExistError(
            f"Active stack '{stack_name}'{origin}, {_describe(stack_source)}, does not exist in "
            f"profile '{profile_name}'.{did_you_mean(stack_name, stacks)} "
            f"Stacks: {', '.join(stacks) or 'none'}."
        )

    return ActiveContext(
        config_dir=directory,
        profile_name=profile_name,
        stack_name=stack_name,
        repository_root=repo_root,
        profile_source=profile_source,
        stack_source=stack_source,
    )
