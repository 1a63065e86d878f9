"""The common base of the standard step interfaces (``BaseSplitStep``, ``BaseTrainerStep``, ...).

An interface fixes the inputs and outputs of one role in a standard pipeline such as
:class:`~zenml_airflow.pipelines.builtin_pipelines.TrainingPipeline`; an implementation subclasses
it and implements ``entrypoint``. The interface itself is abstract (``_abstract = True``): its
declared ``entrypoint`` is documentation, never parsed as a step signature, and it cannot be
instantiated.
"""

from __future__ import annotations

from zenml_airflow.core.step import BaseStep


class BaseStepInterface(BaseStep):
    """A step role that subclasses implement; instantiating the interface itself is refused
    (``BaseStep`` refuses every abstract step)."""

    _abstract = True
