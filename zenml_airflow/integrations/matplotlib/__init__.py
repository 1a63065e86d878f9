"""The matplotlib integration: ``matplotlib.figure.Figure`` step outputs stored as PNG and SVG.

See :mod:`~zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer` for what
a reading step receives (an image of the figure: a figure cannot be rebuilt from its pixels).
The materializer is registered as soon as a process has imported matplotlib (a built-in lazy
entry of the materializer registry); importing this package does not import matplotlib.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import MATPLOTLIB
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer"


class MatplotlibIntegration(Integration):
    """matplotlib figures as step outputs, stored as PNG and SVG."""

    NAME: ClassVar[str] = MATPLOTLIB
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(MATPLOTLIB).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"matplotlib": MATERIALIZER_MODULE}


__all__ = ["MatplotlibIntegration"]
