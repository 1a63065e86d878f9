"""The seed's ``zenml.secret.secret_schema_class_registry``: registering secret schema classes.

There is one registry, in :mod:`zenml_airflow.secrets.schemas`; ``register_secret_schema_class`` is
its decorator, and ``SecretSchemaClassRegistry`` offers the seed's class-level methods on it::

    @register_secret_schema_class
    class SlackSecretSchema(BaseSecretSchema):
        TYPE: ClassVar[str] = "slack"
        token: str

    SecretSchemaClassRegistry.get_class("slack")  # -> SlackSecretSchema

Unlike the seed, registering a *different* class under a type that is taken is refused
(:class:`~zenml_airflow.secrets.SecretSchemaError`) rather than overwriting it with a warning.
"""

from __future__ import annotations

from zenml_airflow.secrets.schemas import (
    BaseSecretSchema,
    get_secret_schema_class,
    register_secret_schema_class,
)


class SecretSchemaClassRegistry:
    """The seed's registry interface over zenml-airflow's schema registry."""

    @classmethod
    def register_class(cls, secret: type[BaseSecretSchema]) -> None:
        """Register ``secret`` under its ``TYPE``.

        Raises:
            SecretSchemaError: if ``TYPE`` is missing or another class is registered under it.
        """
        register_secret_schema_class(secret)

    @classmethod
    def get_class(cls, secret_schema: str) -> type[BaseSecretSchema]:
        """The schema class registered as ``secret_schema``.

        Raises:
            SecretSchemaError: naming the registered schemas, for an unknown one.
        """
        return get_secret_schema_class(secret_schema)


__all__ = ["SecretSchemaClassRegistry", "register_secret_schema_class"]
