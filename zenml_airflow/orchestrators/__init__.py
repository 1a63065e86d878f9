"""Orchestrators: the code that runs (or deploys) a pipeline for a stack's orchestrator component.

``BaseOrchestrator`` and ``LocalOrchestrator`` are the seed's ``zenml.orchestrators`` names; they
are imported on first access, so importing this package (or ``orchestrators.dispatch``, which
``p.run()`` uses) does not load the local orchestrator's console output machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.orchestrators.base import BaseOrchestrator
    from zenml_airflow.orchestrators.local import LocalOrchestrator

_LAZY: dict[str, str] = {
    "BaseOrchestrator": "zenml_airflow.orchestrators.base",
    "LocalOrchestrator": "zenml_airflow.orchestrators.local",
}

__all__ = ["BaseOrchestrator", "LocalOrchestrator"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
