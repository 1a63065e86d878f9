"""Errors of the secrets layer (all :class:`~zenml_airflow.exceptions.ZenMLAirflowError`)."""

from __future__ import annotations

from zenml_airflow.exceptions import AlreadyExistsException, DoesNotExistError, ZenMLAirflowError


class SecretsManagerError(ZenMLAirflowError):
    """A secrets manager could not read or write its secrets (unreachable, wrong key, ...)."""


class SecretSchemaError(SecretsManagerError):
    """A secret does not fit its schema, or the schema is unknown."""


class SecretExistsError(SecretsManagerError, AlreadyExistsException):
    """A secret of that name is already registered."""


class SecretDoesNotExistError(SecretsManagerError, DoesNotExistError):
    """No secret of that name is registered."""


class SecretReferenceError(SecretsManagerError):
    """A ``{{secret.key}}`` reference in a component config cannot be resolved."""
