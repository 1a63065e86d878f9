"""Materializers of the matplotlib integration; importing this package imports matplotlib
(not pyplot) and Pillow."""

from __future__ import annotations

from zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer import (
    MatplotlibMaterializer,
)

__all__ = ["MatplotlibMaterializer"]
