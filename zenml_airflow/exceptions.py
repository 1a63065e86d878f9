"""The exceptions zenml-airflow raises.

One root, :class:`ZenMLAirflowError`, with a small tree per subsystem. Every message says what
failed, which object, and how to fix it. The seed-era names (``StepInterfaceError``,
``PipelineInterfaceError``, ``StepContextError``, ``DuplicatedConfigurationError``,
``MissingStepParameterError``, ``PipelineConfigurationError``) are kept so that ``except`` clauses
written for ZenML 0.7 keep working.
"""

from __future__ import annotations

from collections.abc import Iterable


class ZenMLAirflowError(Exception):
    """Root of every error zenml-airflow raises on purpose."""


# --- authoring -------------------------------------------------------------------------------


class StepInterfaceError(ZenMLAirflowError):
    """A step is defined or used in a way that cannot work (signature, config, call)."""


class MissingStepParameterError(StepInterfaceError):
    """A step's config lacks a required field."""


class StepContextError(ZenMLAirflowError):
    """A ``StepContext`` method was asked for an output that does not exist or is ambiguous."""


class PipelineInterfaceError(ZenMLAirflowError):
    """A pipeline is defined or wired in a way that cannot work."""


class PipelineConfigurationError(ZenMLAirflowError):
    """A pipeline configuration file or run option is invalid."""


class DuplicatedConfigurationError(PipelineConfigurationError):
    """A step parameter is set both in code and in a configuration file."""


# --- artifacts -------------------------------------------------------------------------------


class ArtifactStoreError(ZenMLAirflowError):
    """The artifact store could not read or write an artifact."""


class MaterializerError(ZenMLAirflowError):
    """A materializer is defined wrongly or failed to read or write data."""


class MaterializerNotFoundError(MaterializerError, StepInterfaceError):
    """No materializer is registered for a step's input or output type."""


# --- metadata --------------------------------------------------------------------------------


class MetadataStoreError(ZenMLAirflowError):
    """The metadata store could not be opened, read or written."""


class RunNameExistsError(MetadataStoreError):
    """A pipeline run with this name already exists in the metadata store."""


class SchemaVersionError(MetadataStoreError):
    """The metadata store's schema is older or newer than this version of zenml-airflow."""


class DoesNotExistError(ZenMLAirflowError, KeyError):
    """A named object (pipeline, run, step, component, stack) does not exist.

    Subclasses ``KeyError`` because the seed API raised ``KeyError`` from ``get_step``.
    """

    def __str__(self) -> str:  # KeyError quotes its message; we want it verbatim.
        return str(self.args[0]) if self.args else ""


# --- configuration and stacks ----------------------------------------------------------------


class ConfigError(ZenMLAirflowError):
    """A configuration file is missing, unreadable or invalid."""


class StackError(ZenMLAirflowError):
    """A stack or stack component is invalid or cannot be used for this operation."""


class InitializationError(ZenMLAirflowError):
    """A repository could not be initialized."""


class IntegrationError(ZenMLAirflowError):
    """An integration a pipeline requires is unknown or its packages are not installed."""


# --- execution -------------------------------------------------------------------------------


class StepExecutionError(ZenMLAirflowError):
    """A step's own code raised; the original exception is chained as ``__cause__``."""

    def __init__(self, message: str, *, step_name: str) -> None:
        super().__init__(message)
        self.step_name = step_name


class PipelineRunError(ZenMLAirflowError):
    """A pipeline run did not complete."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""``."""
    import difflib  # only when an error is being worded (this module is imported at DAG parse)

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


__all__ = [
    "ArtifactStoreError",
    "ConfigError",
    "DoesNotExistError",
    "DuplicatedConfigurationError",
    "InitializationError",
    "IntegrationError",
    "MaterializerError",
    "MaterializerNotFoundError",
    "MetadataStoreError",
    "MissingStepParameterError",
    "PipelineConfigurationError",
    "PipelineInterfaceError",
    "PipelineRunError",
    "RunNameExistsError",
    "SchemaVersionError",
    "StackError",
    "StepContextError",
    "StepExecutionError",
    "StepInterfaceError",
    "ZenMLAirflowError",
    "did_you_mean",
]
