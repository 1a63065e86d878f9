"""The seed's ``zenml.pipelines.pipeline_decorator``: the :func:`pipeline` decorator
(``zenml_airflow.core.pipeline``)."""

from __future__ import annotations

from zenml_airflow.core.pipeline import pipeline

__all__ = ["pipeline"]
