"""Choosing the launcher of each step: the stack's step operator for the steps that name it."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from zenml_airflow.exceptions import StackError
from zenml_airflow.stack.components.step_operator import (
    StepOperatorComponent,
    check_step_operator_names,
)
from zenml_airflow.step_operators.base import BaseStepOperator
from zenml_airflow.utils.source_utils import import_object

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec
    from zenml_airflow.execution.launch import StepLaunch, StepLauncher
    from zenml_airflow.stack.stack import Stack


def load_step_operator(component: StepOperatorComponent) -> BaseStepOperator:
    """The implementation of ``component``'s flavor, bound to it.

    Raises:
        StackError: the flavor has no implementation (yet), or it is not a step operator.
    """
    path = component.IMPLEMENTATION
    if not path or component.NOT_IMPLEMENTED:
        raise StackError(
            f"Step operator '{component.name}' (flavor '{component.flavor}') cannot run steps in "
            f"this version of zenml-airflow: {component.NOT_IMPLEMENTED or 'no implementation'}."
        )
    cls = import_object(path, error=StackError)
    if not (isinstance(cls, type) and issubclass(cls, BaseStepOperator)):
        raise StackError(
            f"'{path}' (step operator flavor '{component.flavor}') is not a step operator."
        )
    return cls(component)


def step_launchers(
    stack: Stack, spec: PipelineSpec, *, ship: PipelineSpec | None = None
) -> dict[str, StepLauncher]:
    """The launcher of each step of ``spec`` that names a step operator, by step name.

    ``ship``: the spec to send to the launched process instead of ``spec`` (the local
    orchestrator runs an in-process spec but ships a portable one with the stack's snapshot).

    Raises:
        StackError: a step names a step operator the stack does not have.
    """
    wanted = {step.name: step.step_operator for step in spec.steps if step.step_operator}
    if not wanted:
        return {}
    check_step_operator_names(stack, wanted, pipeline_name=spec.name)
    component = stack.step_operator
    assert isinstance(component, StepOperatorComponent)  # checked above
    operator = load_step_operator(component)
    operator.bind(stack, spec if ship is None else ship)
    launcher: StepLauncher = operator if ship is None else _ShippedSpec(operator, ship)
    return {name: launcher for name in wanted}


class _ShippedSpec:
    """Sends ``ship`` (and its step's import paths) instead of the spec the executor runs."""

    def __init__(self, operator: BaseStepOperator, ship: PipelineSpec) -> None:
        self.operator = operator
        self.ship = ship

    def cache_identity(self) -> str:
        return self.operator.cache_identity()

    def launch(self, launch: StepLaunch) -> None:
        shipped = self.ship.step(launch.step.name)
        step = launch.step.model_copy(
            update={"entrypoint": shipped.entrypoint, "outputs": shipped.outputs}
        )
        self.operator.launch(dataclasses.replace(launch, spec=self.ship, step=step))
