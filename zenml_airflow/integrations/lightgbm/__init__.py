"""The LightGBM integration (the seed's ``zenml.integrations.lightgbm``).

``lightgbm.Booster`` and LightGBM's scikit-learn wrappers returned by steps are stored in
LightGBM's own text model format, never pickled (:mod:`.materializers`). Importing this package
does not import LightGBM; the materializers register themselves once a step's code has imported
it.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import LIGHTGBM
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.lightgbm.materializers"


class LightGBMIntegration(Integration):
    """LightGBM Boosters and scikit-learn wrappers as step inputs and outputs."""

    NAME: ClassVar[str] = LIGHTGBM
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(LIGHTGBM).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"lightgbm": MATERIALIZER_MODULE}


__all__ = ["LightGBMIntegration"]
