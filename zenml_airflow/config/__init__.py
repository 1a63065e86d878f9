"""Global config, profiles and the repository folder: where stacks are stored and which is active.

This layer sits below ``stack``: it stores stack components as plain records and never imports
``stack``, ``metadata`` or ``artifacts``. Nothing here reads or writes a file at import time.
"""

from __future__ import annotations

from zenml_airflow.config.active import ActiveContext, resolve_active, resolve_active_profile
from zenml_airflow.config.global_config import (
    CONFIG_DIR_ENV,
    DEFAULT_PROFILE_NAME,
    PROFILE_ENV,
    STACK_ENV,
    GlobalConfig,
    get_config_dir,
)
from zenml_airflow.config.profile import (
    DEFAULT_COMPONENT_NAME,
    DEFAULT_STACK_NAME,
    ComponentRecord,
    ProfileData,
    ProfileManager,
    ProfileStore,
    SameComponent,
    StackRecord,
)
from zenml_airflow.config.repository_config import (
    REPOSITORY_DIRECTORY_NAME,
    REPOSITORY_PATH_ENV,
    RepositoryConfig,
    find_repository,
    initialize_repository,
    is_repository_directory,
)

__all__ = [
    "CONFIG_DIR_ENV",
    "DEFAULT_COMPONENT_NAME",
    "DEFAULT_PROFILE_NAME",
    "DEFAULT_STACK_NAME",
    "PROFILE_ENV",
    "REPOSITORY_DIRECTORY_NAME",
    "REPOSITORY_PATH_ENV",
    "STACK_ENV",
    "ActiveContext",
    "ComponentRecord",
    "GlobalConfig",
    "ProfileData",
    "ProfileManager",
    "ProfileStore",
    "RepositoryConfig",
    "SameComponent",
    "StackRecord",
    "find_repository",
    "get_config_dir",
    "initialize_repository",
    "is_repository_directory",
    "resolve_active",
    "resolve_active_profile",
]
