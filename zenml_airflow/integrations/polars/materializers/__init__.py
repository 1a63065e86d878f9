"""The polars materializer (importing this package imports polars)."""

from __future__ import annotations

from zenml_airflow.integrations.polars.materializers.polars_materializer import (
    PolarsMaterializer,
)

__all__ = ["PolarsMaterializer"]
