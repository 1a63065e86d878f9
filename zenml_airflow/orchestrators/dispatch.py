"""``p.run()`` lands here: find the active stack and hand the pipeline to its orchestrator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zenml_airflow.core.integrations import check_integrations
from zenml_airflow.exceptions import StackError
from zenml_airflow.orchestrators.base import BaseOrchestrator
from zenml_airflow.utils.source_utils import import_object

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.pipeline import BasePipeline
    from zenml_airflow.core.schedule import Schedule
    from zenml_airflow.stack.stack import Stack


def load_orchestrator(stack: Stack) -> BaseOrchestrator:
    """Import the implementation named by the stack's orchestrator flavor and bind it."""
    component = stack.orchestrator
    path = component.IMPLEMENTATION
    if not path:
        raise StackError(
            f"Orchestrator '{component.name}' (flavor '{component.flavor}') of stack "
            f"'{stack.name}' cannot run pipelines in this version of zenml-airflow."
        )
    cls = import_object(path)
    if not (isinstance(cls, type) and issubclass(cls, BaseOrchestrator)):
        raise StackError(
            f"'{path}' (orchestrator flavor '{component.flavor}') is not an orchestrator."
        )
    return cls(component)


def run_pipeline(
    pipeline: BasePipeline,
    *,
    run_name: str | None = None,
    schedule: Schedule | None = None,
    enable_cache: bool | None = None,
    runtime_configuration: dict[str, Any] | None = None,
    stack: Stack | None = None,
) -> Any:
    """Run ``pipeline`` on ``stack`` (default: the active stack of the current repository)."""
    if pipeline.required_integrations:
        check_integrations(pipeline.required_integrations, pipeline_name=pipeline.name)
    if stack is None:
        from zenml_airflow.repository import Repository

        stack = Repository().active_stack
    stack.validate()
    return load_orchestrator(stack).run(
        pipeline,
        stack=stack,
        run_name=run_name,
        schedule=schedule,
        enable_cache=enable_cache,
        runtime_configuration=dict(runtime_configuration or {}),
    )
