"""The seed's ``zenml.steps.base_step_config``: :class:`BaseStepConfig`
(``zenml_airflow.core.step``).
"""

from __future__ import annotations

from zenml_airflow.core.step import BaseStepConfig

__all__ = ["BaseStepConfig"]
