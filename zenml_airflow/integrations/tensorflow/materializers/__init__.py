"""Materializers of the TensorFlow integration (the seed's
``zenml.integrations.tensorflow.materializers``); importing this package imports Keras."""

from __future__ import annotations

from zenml_airflow.integrations.tensorflow.materializers.keras_materializer import (
    KerasMaterializer,
)

__all__ = ["KerasMaterializer"]
