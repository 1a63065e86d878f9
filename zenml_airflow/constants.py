"""The seed's ``zenml.constants`` that mean something here, under zenml-airflow's names.

The ``ENV_*`` names are the seed's; their values are the environment variables zenml-airflow reads
(``ENV_ZENML_CONFIG_PATH == "ZENML_AIRFLOW_CONFIG_DIR"``), so seed code that sets or reads them
through these constants keeps working.

Importing this module reads nothing. The seed computed ``ZENML_LOGGING_VERBOSITY`` and
``SHOULD_PREVENT_PIPELINE_EXECUTION`` from the environment at import time; here they are worked out
from the environment each time they are looked up (``from zenml_airflow.constants import
SHOULD_PREVENT_PIPELINE_EXECUTION`` sees the environment of that moment, as the seed's did).

Constants of the seed's TFX, Docker image, analytics and ZenML-server machinery have no meaning
here and are not defined.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# Kept equal to zenml_airflow.config.global_config.APP_NAME (this layer cannot import config).
APP_NAME = "zenml-airflow"

ENV_ZENML_CONFIG_PATH = "ZENML_AIRFLOW_CONFIG_DIR"
ENV_ZENML_LOGGING_VERBOSITY = "ZENML_AIRFLOW_LOGGING_VERBOSITY"
ENV_ZENML_REPOSITORY_PATH = "ZENML_AIRFLOW_REPOSITORY_PATH"
ENV_ZENML_PREVENT_PIPELINE_EXECUTION = "ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION"
ENV_ZENML_PROFILE_NAME = "ZENML_AIRFLOW_PROFILE"

REPOSITORY_DIRECTORY_NAME = ".zen"


def _zenml_logging_verbosity() -> str:
    from zenml_airflow.logger import get_logging_level

    return get_logging_level().name


def _should_prevent_pipeline_execution() -> bool:
    # The same test ``BasePipeline.run`` makes: any non-empty value prevents runs.
    return bool(os.environ.get(ENV_ZENML_PREVENT_PIPELINE_EXECUTION))


if TYPE_CHECKING:  # pragma: no cover - computed by __getattr__ below
    ZENML_LOGGING_VERBOSITY: str
    SHOULD_PREVENT_PIPELINE_EXECUTION: bool

_COMPUTED = {
    "ZENML_LOGGING_VERBOSITY": _zenml_logging_verbosity,
    "SHOULD_PREVENT_PIPELINE_EXECUTION": _should_prevent_pipeline_execution,
}

__all__ = [
    "APP_NAME",
    "ENV_ZENML_CONFIG_PATH",
    "ENV_ZENML_LOGGING_VERBOSITY",
    "ENV_ZENML_PREVENT_PIPELINE_EXECUTION",
    "ENV_ZENML_PROFILE_NAME",
    "ENV_ZENML_REPOSITORY_PATH",
    "REPOSITORY_DIRECTORY_NAME",
    "SHOULD_PREVENT_PIPELINE_EXECUTION",
    "ZENML_LOGGING_VERBOSITY",
]


def __getattr__(name: str) -> Any:
    """``ZENML_LOGGING_VERBOSITY`` (e.g. ``"INFO"``) and ``SHOULD_PREVENT_PIPELINE_EXECUTION``,
    read from the environment now (never cached: the environment may change)."""
    compute = _COMPUTED.get(name)
    if compute is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return compute()


def __dir__() -> list[str]:
    return sorted(__all__)
