"""The scikit-learn integration (the seed's ``zenml.integrations.sklearn``).

Estimators returned by steps are stored with skops, never pickled
(:mod:`~zenml_airflow.integrations.sklearn.materializers.sklearn_materializer`, ADR 0014);
``helpers.digits`` loads the digits data set that ships with scikit-learn. Importing this package
does not import scikit-learn.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import SKLEARN
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.sklearn.materializers.sklearn_materializer"


class SklearnIntegration(Integration):
    """scikit-learn estimators as step inputs and outputs, stored with skops."""

    NAME: ClassVar[str] = SKLEARN
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(SKLEARN).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"sklearn": MATERIALIZER_MODULE}


__all__ = ["SklearnIntegration"]
