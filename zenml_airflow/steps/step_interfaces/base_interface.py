"""The common base of the standard step interfaces (``BaseSplitStep``, ``BaseTrainerStep``, ...).

An interface fixes the inputs and outputs of one role in a standard pipeline such as
:class:`~zenml_airflow.pipelines.builtin_pipelines.TrainingPipeline`; an implementation subclasses
it and implements ``entrypoint``. The interface itself is abstract (``_abstract = True``): its
declared ``entrypoint`` is documentation, never parsed as a step signature, and it cannot be
instantiated.
"""

from __future__ import annotations

from typing import Any

from zenml_airflow.core.step import BaseStep
from zenml_airflow.exceptions import StepInterfaceError


class BaseStepInterface(BaseStep):
    """A step role that subclasses implement; instantiating the interface itself is refused."""

    _abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # BaseStep.__init__ reads SIGNATURE, which an abstract class does not have: say what to
        # do instead of failing with an AttributeError.
        if type(self).__dict__.get("_abstract", False):
            raise StepInterfaceError(
                f"'{type(self).__name__}' is an abstract step interface and cannot be used as a "
                f"step. Subclass it and implement entrypoint(self, ...), or use one of its "
                "implementations (e.g. zenml_airflow.steps.builtin_steps, "
                "zenml_airflow.integrations.sklearn.steps)."
            )
        super().__init__(*args, **kwargs)
