"""The polars integration: polars ``DataFrame``, ``LazyFrame`` and ``Series`` as step inputs and
outputs, stored as parquet
(:mod:`~zenml_airflow.integrations.polars.materializers.polars_materializer`). Importing this
package does not import polars.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import POLARS
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.polars.materializers.polars_materializer"


class PolarsIntegration(Integration):
    """polars frames as step inputs and outputs, stored as parquet."""

    NAME: ClassVar[str] = POLARS
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(POLARS).requirements)

    @classmethod
    def activate(cls) -> None:
        """Register :class:`PolarsMaterializer` for ``DataFrame``, ``LazyFrame`` and ``Series``
        (imports polars)."""
        importlib.import_module(MATERIALIZER_MODULE)


__all__ = ["PolarsIntegration"]
