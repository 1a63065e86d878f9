"""The seed's ``zenml.secret.base_secret``: :class:`BaseSecretSchema` (``zenml_airflow.secrets``).

Subclass it, declare the secret's keys as fields and set ``TYPE``; register the class with
:func:`~zenml_airflow.secret.register_secret_schema_class`.
"""

from __future__ import annotations

from zenml_airflow.secrets.schemas import BaseSecretSchema

__all__ = ["BaseSecretSchema"]
