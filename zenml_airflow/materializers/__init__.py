"""Materializers: how step outputs are written to and read from artifact directories.

Importing this package never imports numpy, pandas or pyarrow: ``NumpyMaterializer``,
``PandasMaterializer`` and ``PydanticMaterializer`` are loaded on first attribute access (PEP 562),
and the registry loads them only once their library is imported by the caller.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.built_in_materializer import BuiltInMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    MaterializerRegistry,
    default_materializer_registry,
    load_materializer,
    materializer_path,
)

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zenml_airflow.materializers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
