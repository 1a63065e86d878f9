"""Materializers of the XGBoost integration (the seed's ``zenml.integrations.xgboost.materializers``);
importing this package imports XGBoost."""

from __future__ import annotations

from zenml_airflow.integrations.xgboost.materializers.xgboost_booster_materializer import (
    XgboostBoosterMaterializer,
)
from zenml_airflow.integrations.xgboost.materializers.xgboost_dmatrix_materializer import (
    XgboostDMatrixMaterializer,
)
from zenml_airflow.integrations.xgboost.materializers.xgboost_sklearn_materializer import (
    XgboostSklearnMaterializer,
)

__all__ = ["XgboostBoosterMaterializer", "XgboostDMatrixMaterializer", "XgboostSklearnMaterializer"]
