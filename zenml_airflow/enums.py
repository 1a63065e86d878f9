"""Enumerations shared by every layer (the seed's ``zenml.enums``)."""

from __future__ import annotations

import logging
from enum import Enum, StrEnum


class ExecutionStatus(StrEnum):
    """Status of a step run or a pipeline run.

    A run is ``RUNNING`` until every one of its steps has finished; it is ``FAILED`` as soon as one
    step failed, and ``COMPLETED`` when every step is ``COMPLETED`` or ``CACHED``.
    """

    FAILED = "failed"
    COMPLETED = "completed"
    RUNNING = "running"
    CACHED = "cached"

    @property
    def is_finished(self) -> bool:
        return self is not ExecutionStatus.RUNNING

    @property
    def is_successful(self) -> bool:
        return self in (ExecutionStatus.COMPLETED, ExecutionStatus.CACHED)

    def __str__(self) -> str:
        return self.value


class StackComponentType(StrEnum):
    """The kinds of infrastructure a stack is made of."""

    ORCHESTRATOR = "orchestrator"
    METADATA_STORE = "metadata_store"
    ARTIFACT_STORE = "artifact_store"
    STEP_OPERATOR = "step_operator"
    CONTAINER_REGISTRY = "container_registry"
    SECRETS_MANAGER = "secrets_manager"
    MODEL_DEPLOYER = "model_deployer"

    @property
    def plural(self) -> str:
        """The value in the plural, as the seed spells it: ``"artifact_stores"``,
        ``"container_registries"``."""
        return f"{self.value[:-1]}ies" if self.value.endswith("y") else f"{self.value}s"

    @property
    def label(self) -> str:
        """How messages name the type: ``"artifact store"``."""
        return self.value.replace("_", " ")

    @property
    def plural_label(self) -> str:
        """How messages name several of the type: ``"container registries"``."""
        return self.plural.replace("_", " ")

    @property
    def cli_name(self) -> str:
        """The type's command group: ``"artifact-store"``."""
        return self.value.replace("_", "-")

    def __str__(self) -> str:
        return self.value


class LoggingLevels(Enum):
    """The verbosities ``$ZENML_AIRFLOW_LOGGING_VERBOSITY`` accepts (``zenml_airflow.logger``);
    ``WARNING`` is accepted as another name of ``WARN``."""

    NOTSET = logging.NOTSET
    ERROR = logging.ERROR
    WARN = logging.WARN
    WARNING = logging.WARNING  # an alias of WARN (same value)
    INFO = logging.INFO
    DEBUG = logging.DEBUG
    CRITICAL = logging.CRITICAL
