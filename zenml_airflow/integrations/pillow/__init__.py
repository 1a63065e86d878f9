"""The Pillow integration: ``PIL.Image.Image`` step outputs stored as lossless PNG.

See :mod:`~zenml_airflow.integrations.pillow.materializers.pillow_materializer`. The
materializer is registered as soon as a process has imported PIL (a built-in lazy entry of the
materializer registry); importing this package does not import Pillow.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import PILLOW
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.pillow.materializers.pillow_materializer"


class PillowIntegration(Integration):
    """Pillow images as step inputs and outputs, stored as lossless PNG."""

    NAME: ClassVar[str] = PILLOW
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(PILLOW).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"PIL": MATERIALIZER_MODULE}


__all__ = ["PillowIntegration"]
