"""The orchestrator interface: how a stack runs (or deploys) a pipeline."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.pipeline import BasePipeline
    from zenml_airflow.core.schedule import Schedule
    from zenml_airflow.stack.stack import Stack
    from zenml_airflow.stack.stack_component import StackComponent


class BaseOrchestrator(ABC):
    """Runs pipelines for one orchestrator component (its validated config)."""

    def __init__(self, component: StackComponent) -> None:
        self.component = component

    @abstractmethod
    def run(
        self,
        pipeline: BasePipeline,
        *,
        stack: Stack,
        run_name: str | None,
        schedule: Schedule | None,
        enable_cache: bool | None,
        runtime_configuration: dict[str, Any],
    ) -> Any:
        """Run (or deploy) ``pipeline`` on ``stack``."""
