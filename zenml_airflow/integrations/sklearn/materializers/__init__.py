"""Materializers of the scikit-learn integration (the seed's
``zenml.integrations.sklearn.materializers``); importing this package imports scikit-learn and
skops."""

from __future__ import annotations

from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
    SklearnMaterializer,
)

__all__ = ["SklearnMaterializer"]
