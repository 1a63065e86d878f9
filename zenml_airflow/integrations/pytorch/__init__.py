"""The PyTorch integration (the seed's ``zenml.integrations.pytorch``).

``torch.Tensor`` values and ``torch.nn.Module`` models returned by steps are stored with
safetensors plus a JSON manifest, never pickled (:mod:`.materializers`). Importing this package
does not import torch; the materializers register themselves once a step's code has imported it.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import PYTORCH
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.pytorch.materializers"


class PytorchIntegration(Integration):
    """PyTorch tensors and modules as step inputs and outputs, stored with safetensors."""

    NAME: ClassVar[str] = PYTORCH
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(PYTORCH).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"torch": MATERIALIZER_MODULE}


__all__ = ["PytorchIntegration"]
