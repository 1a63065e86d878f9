"""The pyarrow materializer (importing this package imports pyarrow)."""

from __future__ import annotations

from zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer import (
    PyarrowMaterializer,
)

__all__ = ["PyarrowMaterializer"]
