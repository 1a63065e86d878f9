"""The seed's ``zenml.orchestrators.base_orchestrator``: :class:`BaseOrchestrator`.

Here it is the code that runs a pipeline for an orchestrator component: a flavor's component
(:class:`~zenml_airflow.stack.components.OrchestratorComponent`) names its ``BaseOrchestrator``
subclass in ``IMPLEMENTATION``, and ``p.run()`` calls that class's ``run(...)``.
"""

from __future__ import annotations

from zenml_airflow.orchestrators.base import BaseOrchestrator

__all__ = ["BaseOrchestrator"]
