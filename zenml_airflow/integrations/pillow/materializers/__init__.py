"""Materializers of the Pillow integration; importing this package imports Pillow."""

from __future__ import annotations

from zenml_airflow.integrations.pillow.materializers.pillow_materializer import (
    PillowMaterializer,
)

__all__ = ["PillowMaterializer"]
