"""Secrets: schemas, the secrets manager interface and its built-in implementations.

Stack components (``zenml_airflow.stack``) name the implementation of their flavor; configs may
hold ``{{secret.key}}`` references that the stack resolves at the moment of use.

The schemas and the manager interface are imported on first access: every stack component
imports the references and errors, while an Airflow task whose stack has no secrets manager never
needs the schemas' models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zenml_airflow.secrets.errors import (
    SecretDoesNotExistError,
    SecretExistsError,
    SecretReferenceError,
    SecretSchemaError,
    SecretsManagerError,
)
from zenml_airflow.secrets.references import SecretReference, find_references, parse_reference

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.secrets.base import BaseSecretsManager
    from zenml_airflow.secrets.schemas import (
        ArbitrarySecretSchema,
        AWSSecretSchema,
        BaseSecretSchema,
        DatabaseSecretSchema,
        GCPSecretSchema,
        MySQLSecretSchema,
        build_secret,
        get_secret_schema_class,
        register_secret_schema_class,
        schema_names,
    )

_LAZY = {
    "BaseSecretsManager": "zenml_airflow.secrets.base",
    **dict.fromkeys(
        [
            "ArbitrarySecretSchema",
            "AWSSecretSchema",
            "BaseSecretSchema",
            "DatabaseSecretSchema",
            "GCPSecretSchema",
            "MySQLSecretSchema",
            "build_secret",
            "get_secret_schema_class",
            "register_secret_schema_class",
            "schema_names",
        ],
        "zenml_airflow.secrets.schemas",
    ),
}

__all__ = [
    "AWSSecretSchema",
    "ArbitrarySecretSchema",
    "BaseSecretSchema",
    "BaseSecretsManager",
    "DatabaseSecretSchema",
    "GCPSecretSchema",
    "MySQLSecretSchema",
    "SecretDoesNotExistError",
    "SecretExistsError",
    "SecretReference",
    "SecretReferenceError",
    "SecretSchemaError",
    "SecretsManagerError",
    "build_secret",
    "find_references",
    "get_secret_schema_class",
    "parse_reference",
    "register_secret_schema_class",
    "schema_names",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zenml_airflow.secrets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
