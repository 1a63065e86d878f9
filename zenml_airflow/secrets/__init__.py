"""Secrets: schemas, the secrets manager interface and its built-in implementations.

Stack components (``zenml_airflow.stack``) name the implementation of their flavor; configs may
hold ``{{secret.key}}`` references that the stack resolves at the moment of use.

The schemas and the manager interface are imported on first access: every stack component
imports the references and errors, while an Airflow task whose stack has no secrets manager never
needs the schemas' models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.secrets.errors import (
    SecretDoesNotExistError,
    SecretExistsError,
    SecretReferenceError,
    SecretSchemaError,
    SecretsManagerError,
)
from zenml_airflow.secrets.references import SecretReference, find_references, parse_reference
from zenml_airflow.utils.lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
