"""The scipy sparse materializer (importing this package imports scipy.sparse)."""

from __future__ import annotations

from zenml_airflow.integrations.scipy.materializers.sparse_materializer import (
    SparseMaterializer,
)

__all__ = ["SparseMaterializer"]
