"""The scipy integration: scipy sparse matrices and sparse arrays as step inputs and outputs,
stored as plain ``.npy`` components, never pickled
(:mod:`~zenml_airflow.integrations.scipy.materializers.sparse_materializer`). Importing this
package does not import scipy.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import SCIPY
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.scipy.materializers.sparse_materializer"


class ScipyIntegration(Integration):
    """scipy sparse matrices and arrays as step inputs and outputs, stored without pickle."""

    NAME: ClassVar[str] = SCIPY
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(SCIPY).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"scipy": MATERIALIZER_MODULE}


__all__ = ["ScipyIntegration"]
