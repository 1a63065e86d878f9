"""The exceptions zenml-airflow raises.

One root, :class:`ZenMLAirflowError`, with a small tree per subsystem. Every message says what
failed, which object, and how to fix it.

Every name of the seed's ``zenml.exceptions`` exists here too, so ``except`` clauses written for
ZenML 0.7 keep working. Where we raise the seed's error under another name, the seed's name is an
alias of ours (``except DoesNotExistException`` catches our :class:`DoesNotExistError`); where the
seed's name is narrower than ours it is a subclass that the narrower case raises:

=================================  ==============================================================
seed name                          here
=================================  ==============================================================
``ZenMLBaseException``             alias of :class:`ZenMLAirflowError` (catches everything)
``InitializationException``        alias of :class:`InitializationError`
``DoesNotExistException``          alias of :class:`DoesNotExistError`
``DuplicateRunNameError``          alias of :class:`RunNameExistsError`
``MaterializerInterfaceError``     alias of :class:`MaterializerError`
``ArtifactInterfaceError``,        aliases of :class:`ArtifactStoreError`
``ArtifactStoreInterfaceError``
``StackComponentInterfaceError``,  aliases of :class:`StackError`
``StackValidationError``
``AlreadyExistsException``         base of every "already exists" error (run names, stacks,
                                   components)
``StackExistsError``,              subclasses of :class:`StackError` and
``StackComponentExistsError``      :class:`AlreadyExistsException`
``ProvisioningError``              subclass of :class:`StackError`: a component could not be
                                   provisioned or started
``StepInterfaceError``, ...        the same classes (``StepContextError``,
                                   ``PipelineInterfaceError``, ``PipelineConfigurationError``,
                                   ``MissingStepParameterError``, ``DuplicatedConfigurationError``,
                                   ``IntegrationError``)
=================================  ==============================================================

``ForbiddenRepositoryAccessError``, ``PipelineNotSucceededException``, ``EntityExistsError``,
``GitException`` and ``GitNotFoundError`` name situations zenml-airflow does not have (steps may use
``Repository()``; there are no users or teams; no command needs git): they exist so that code
importing or catching them still runs, and nothing here raises them.

This module is imported when Airflow parses a DAG file: it defines classes and nothing else.
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


class AlreadyExistsException(ZenMLAirflowError):
    """Something with this name already exists (a run name, a stack, a stack component).

    Seed-compatible constructor: give a ``message``, or ``name`` and ``resource_type`` to have one
    written (``AlreadyExistsException(name="prod", resource_type="Stack")``).
    """

    def __init__(self, message: str | None = None, name: str = "", resource_type: str = "") -> None:
        if message is None:
            kind = resource_type or ("Resource" if name else "The resource")
            what = f"{kind} '{name}'" if name else kind
            message = f"{what} already exists."
        super().__init__(message)


class RunNameExistsError(MetadataStoreError, AlreadyExistsException, RuntimeError):
    """A pipeline run with this name already exists in the metadata store.

    The seed's ``DuplicateRunNameError`` (a ``RuntimeError``) is this class.
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Unable to run a pipeline with a run name that already exists; pass another "
            "run_name, or leave it out to get a unique one."
        )


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


class StackExistsError(StackError, AlreadyExistsException):
    """A stack with this name is already registered in the profile."""


class StackComponentExistsError(StackError, AlreadyExistsException):
    """A stack component of this type and name is already registered in the profile."""


class ProvisioningError(StackError):
    """A stack component's resources could not be provisioned, started or stopped."""


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


# --- seed-era names (ZenML 0.7's ``zenml.exceptions``) ----------------------------------------

ZenMLBaseException = ZenMLAirflowError
InitializationException = InitializationError
DoesNotExistException = DoesNotExistError
DuplicateRunNameError = RunNameExistsError
MaterializerInterfaceError = MaterializerError
ArtifactInterfaceError = ArtifactStoreError
ArtifactStoreInterfaceError = ArtifactStoreError
StackComponentInterfaceError = StackError
StackValidationError = StackError


class ForbiddenRepositoryAccessError(ZenMLAirflowError, RuntimeError):
    """The seed refused ``Repository()`` inside a running step. Steps may use it here, so this
    is never raised; it exists for code that catches it."""


class PipelineNotSucceededException(ZenMLAirflowError):
    """A pipeline run has not completed successfully (kept for seed code; not raised here)."""

    def __init__(self, name: str = "", message: str = "{} has not completed successfully.") -> None:
        super().__init__(message.format(name or "The pipeline run"))


class EntityExistsError(AlreadyExistsException):
    """A user, team, project or role already exists (the seed's user management, which
    zenml-airflow does not have: never raised)."""


class GitException(ZenMLAirflowError):
    """A git problem (kept for seed code; nothing in zenml-airflow needs git, so never raised)."""


class GitNotFoundError(ZenMLAirflowError, ImportError):
    """git is not installed (kept for seed code; nothing in zenml-airflow needs git)."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""``."""
    import difflib  # only when an error is being worded (this module is imported at DAG parse)

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


__all__ = [
    "AlreadyExistsException",
    "ArtifactInterfaceError",
    "ArtifactStoreError",
    "ArtifactStoreInterfaceError",
    "ConfigError",
    "DoesNotExistError",
    "DoesNotExistException",
    "DuplicateRunNameError",
    "DuplicatedConfigurationError",
    "EntityExistsError",
    "ForbiddenRepositoryAccessError",
    "GitException",
    "GitNotFoundError",
    "InitializationError",
    "InitializationException",
    "IntegrationError",
    "MaterializerError",
    "MaterializerInterfaceError",
    "MaterializerNotFoundError",
    "MetadataStoreError",
    "MissingStepParameterError",
    "PipelineConfigurationError",
    "PipelineInterfaceError",
    "PipelineNotSucceededException",
    "PipelineRunError",
    "ProvisioningError",
    "RunNameExistsError",
    "SchemaVersionError",
    "StackComponentExistsError",
    "StackComponentInterfaceError",
    "StackError",
    "StackExistsError",
    "StackValidationError",
    "StepContextError",
    "StepExecutionError",
    "StepInterfaceError",
    "ZenMLAirflowError",
    "ZenMLBaseException",
    "did_you_mean",
]
