"""The XGBoost integration (the seed's ``zenml.integrations.xgboost``).

``xgboost.Booster`` and XGBoost's scikit-learn wrappers returned by steps are stored in XGBoost's
own UBJSON format, never pickled (:mod:`.materializers`). Importing this package does not import
XGBoost; the materializers register themselves once a step's code has imported it.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import XGBOOST
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.xgboost.materializers"


class XgboostIntegration(Integration):
    """XGBoost Boosters and scikit-learn wrappers as step inputs and outputs."""

    NAME: ClassVar[str] = XGBOOST
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(XGBOOST).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"xgboost": MATERIALIZER_MODULE}


__all__ = ["XgboostIntegration"]
