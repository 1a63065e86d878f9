"""Materializers of the PyTorch integration (the seed's ``zenml.integrations.pytorch.materializers``);
importing this package imports torch and safetensors."""

from __future__ import annotations

from zenml_airflow.integrations.pytorch.materializers.module_materializer import (
    PyTorchMaterializer,
)
from zenml_airflow.integrations.pytorch.materializers.tensor_materializer import (
    TensorMaterializer,
)

__all__ = ["PyTorchMaterializer", "TensorMaterializer"]
