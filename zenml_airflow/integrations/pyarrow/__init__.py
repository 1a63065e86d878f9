"""The pyarrow integration: pyarrow ``Table`` and ``RecordBatch`` as step inputs and outputs,
stored as parquet with their exact schema
(:mod:`~zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer`). Importing this
package does not import pyarrow.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import PYARROW
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer"


class PyarrowIntegration(Integration):
    """pyarrow tables as step inputs and outputs, stored as parquet."""

    NAME: ClassVar[str] = PYARROW
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(PYARROW).requirements)

    @classmethod
    def activate(cls) -> None:
        """Register :class:`PyarrowMaterializer` for ``Table`` and ``RecordBatch`` (imports
        pyarrow)."""
        importlib.import_module(MATERIALIZER_MODULE)


__all__ = ["PyarrowIntegration"]
