"""Materializers: how step outputs are written to and read from artifact directories.

Importing this package never imports numpy, pandas or pyarrow: ``NumpyMaterializer``,
``PandasMaterializer`` and ``PydanticMaterializer`` are loaded on first attribute access (PEP 562),
and the registry loads them only once their library is imported by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.built_in_materializer import BuiltInMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    MaterializerRegistry,
    default_materializer_registry,
    load_materializer,
    materializer_path,
)
from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.materializers.numpy_materializer import NumpyMaterializer
    from zenml_airflow.materializers.pandas_materializer import PandasMaterializer
    from zenml_airflow.materializers.pydantic_materializer import PydanticMaterializer

_LAZY: dict[str, str] = {
    "NumpyMaterializer": "zenml_airflow.materializers.numpy_materializer",
    "PandasMaterializer": "zenml_airflow.materializers.pandas_materializer",
    "PydanticMaterializer": "zenml_airflow.materializers.pydantic_materializer",
}

__all__ = [
    "BaseMaterializer",
    "BuiltInMaterializer",
    "MaterializerRegistry",
    "NumpyMaterializer",
    "PandasMaterializer",
    "PydanticMaterializer",
    "default_materializer_registry",
    "load_materializer",
    "materializer_path",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
