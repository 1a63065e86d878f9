"""Secrets: schemas, the secrets manager interface and its built-in implementations.

Stack components (``zenml_airflow.stack``) name the implementation of their flavor; configs may
hold ``{{secret.key}}`` references that the stack resolves at the moment of use.
"""

from __future__ import annotations

from zenml_airflow.secrets.base import BaseSecretsManager
from zenml_airflow.secrets.errors import (
    SecretDoesNotExistError,
    SecretExistsError,
    SecretReferenceError,
    SecretSchemaError,
    SecretsManagerError,
)
from zenml_airflow.secrets.references import SecretReference, find_references, parse_reference
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
