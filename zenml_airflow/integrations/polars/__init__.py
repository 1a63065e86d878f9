"""The polars integration: polars ``DataFrame``, ``LazyFrame`` and ``Series`` as step inputs and
outputs, stored as parquet
(:mod:`~zenml_airflow.integrations.polars.materializers.polars_materializer`). Importing this
package does not import polars.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import POLARS
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.polars.materializers.polars_materializer"


class PolarsIntegration(Integration):
    """polars frames as step inputs and outputs, stored as parquet."""

    NAME: ClassVar[str] = POLARS
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(POLARS).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"polars": MATERIALIZER_MODULE}


__all__ = ["PolarsIntegration"]
