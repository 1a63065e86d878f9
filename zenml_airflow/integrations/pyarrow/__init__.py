"""The pyarrow integration: pyarrow ``Table`` and ``RecordBatch`` as step inputs and outputs,
stored as parquet with their exact schema
(:mod:`~zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer`). Importing this
package does not import pyarrow.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import PYARROW
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer"


class PyarrowIntegration(Integration):
    """pyarrow tables as step inputs and outputs, stored as parquet."""

    NAME: ClassVar[str] = PYARROW
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(PYARROW).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"pyarrow": MATERIALIZER_MODULE}


__all__ = ["PyarrowIntegration"]
