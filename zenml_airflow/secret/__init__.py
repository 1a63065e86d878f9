"""The seed's ``zenml.secret``: secret schemas and their registry.

A secret is a named group of key-value pairs; its schema says which keys it has.
``ArbitrarySecretSchema`` (any keys) is the default; more schemas are registered with
``@register_secret_schema_class``. The classes are those of :mod:`zenml_airflow.secrets`, imported
on first access::

    from zenml_airflow.secret import ArbitrarySecretSchema

    secret = ArbitrarySecretSchema(name="api", key="...")
    secret.content  # {"key": "..."}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.secret.arbitrary_secret_schema import (
        ARBITRARY_SECRET_SCHEMA_TYPE,
        ArbitrarySecretSchema,
    )
    from zenml_airflow.secret.base_secret import BaseSecretSchema
    from zenml_airflow.secret.secret_schema_class_registry import (
        SecretSchemaClassRegistry,
        register_secret_schema_class,
    )

_LAZY: dict[str, str] = {
    "ARBITRARY_SECRET_SCHEMA_TYPE": "zenml_airflow.secret.arbitrary_secret_schema",
    "ArbitrarySecretSchema": "zenml_airflow.secret.arbitrary_secret_schema",
    "BaseSecretSchema": "zenml_airflow.secret.base_secret",
    "SecretSchemaClassRegistry": "zenml_airflow.secret.secret_schema_class_registry",
    "register_secret_schema_class": "zenml_airflow.secret.secret_schema_class_registry",
}

__all__ = [
    "ARBITRARY_SECRET_SCHEMA_TYPE",
    "ArbitrarySecretSchema",
    "BaseSecretSchema",
    "SecretSchemaClassRegistry",
    "register_secret_schema_class",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
