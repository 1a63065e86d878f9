"""The seed's ``zenml.secret.arbitrary_secret_schema``: :class:`ArbitrarySecretSchema`, the schema of
secrets with any keys (extra keyword arguments are collected into ``arbitrary_kv_pairs``)."""

from __future__ import annotations

from zenml_airflow.secrets.schemas import ArbitrarySecretSchema

ARBITRARY_SECRET_SCHEMA_TYPE = ArbitrarySecretSchema.TYPE

__all__ = ["ARBITRARY_SECRET_SCHEMA_TYPE", "ArbitrarySecretSchema"]
