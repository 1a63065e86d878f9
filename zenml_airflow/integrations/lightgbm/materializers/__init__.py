"""Materializers of the LightGBM integration (the seed's
``zenml.integrations.lightgbm.materializers``); importing this package imports LightGBM."""

from __future__ import annotations

from zenml_airflow.integrations.lightgbm.materializers.lightgbm_booster_materializer import (
    LightGBMBoosterMaterializer,
)
from zenml_airflow.integrations.lightgbm.materializers.lightgbm_dataset_materializer import (
    LightGBMDatasetMaterializer,
)
from zenml_airflow.integrations.lightgbm.materializers.lightgbm_sklearn_materializer import (
    LightGBMSklearnMaterializer,
)

__all__ = [
    "LightGBMBoosterMaterializer",
    "LightGBMDatasetMaterializer",
    "LightGBMSklearnMaterializer",
]
