"""Secrets managers: the component type that stores secrets, and its built-in flavors.

``local`` (a Fernet-encrypted file), ``aws`` (AWS Secrets Manager) and ``airflow`` (Airflow
Variables and Connections). The component delegates the seed's secrets manager API to the
flavor's lazily imported ``IMPLEMENTATION``. A new flavor is a subclass of
:class:`SecretsManagerComponent` defined in this module (registered as a built-in flavor by being
here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import PrivateAttr, field_validator, model_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.secrets.references import is_reference_like
from zenml_airflow.stack.components.common import absolute_local_path, http_url, local_directory
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.secrets.base import BaseSecretsManager
    from zenml_airflow.secrets.schemas import BaseSecretSchema


class SecretsManagerComponent(StackComponent):
    """Base of secrets manager flavors: the seed's secrets manager API, delegated to the flavor's
    lazily imported ``IMPLEMENTATION`` (a :class:`~zenml_airflow.secrets.base.BaseSecretsManager`).

    Inside a step::

        context.stack.secrets_manager.get_secret("api").content["key"]
    """

    TYPE: ClassVar[StackComponentType] = StackComponentType.SECRETS_MANAGER
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True

    _manager: Any = PrivateAttr(default=None)
    # Called with every secret value this component hands out (the Airflow task registers each
    # with Airflow's secrets masker).
    _value_hook: Callable[[Any], None] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _no_references(self) -> SecretsManagerComponent:
        fields = sorted(self.secret_references())
        if fields:
            raise ValueError(
                f"a secrets manager's own settings cannot reference secrets (field(s) "
                f"{', '.join(fields)}); give the value, or leave it out and use the environment"
            )
        return self

    def open_manager(self) -> BaseSecretsManager:
        """The implementation (imported and built on first call, then cached)."""
        if self._manager is None:
            from zenml_airflow.utils.source_utils import import_object

            if self.IMPLEMENTATION is None:
                raise StackError(f"The {self.describe()} has no implementation.")
            self._manager = import_object(self.IMPLEMENTATION, error=StackError)(self)
        manager: BaseSecretsManager = self._manager
        return manager

    def set_value_hook(self, hook: Callable[[Any], None] | None) -> None:
        """Call ``hook`` with every value of every secret read from now on."""
        self._value_hook = hook

    def _reveal(self, secret: BaseSecretSchema) -> BaseSecretSchema:
        if self._value_hook is not None:
            for value in secret.content.values():
                self._value_hook(value)
        return secret

    def register_secret(self, secret: BaseSecretSchema) -> None:
        """Store a new secret (refused if the name is taken)."""
        self.open_manager().register_secret(secret)

    def get_secret(self, secret_name: str) -> BaseSecretSchema:
        """The secret called ``secret_name`` (``.content`` holds its key-value pairs)."""
        return self._reveal(self.open_manager().get_secret(secret_name))

    def get_all_secret_keys(self) -> list[str]:
        """The names of all secrets."""
        return self.open_manager().get_all_secret_keys()

    def update_secret(self, secret: BaseSecretSchema) -> None:
        """Replace an existing secret."""
        self.open_manager().update_secret(secret)

    def delete_secret(self, secret_name: str) -> None:
        """Delete a secret."""
        self.open_manager().delete_secret(secret_name)

    def delete_all_secrets(self, force: bool = False) -> None:
        """Delete every secret (only with ``force=True``)."""
        self.open_manager().delete_all_secrets(force=force)


class LocalSecretsManagerComponent(SecretsManagerComponent):
    """Secrets in a Fernet-encrypted 0600 file (``secrets_file``, default
    ``<profile dir>/secrets/<name>.secrets``); the key from ``$ZENML_AIRFLOW_SECRETS_KEY`` or
    ``key_file`` (default ``<config dir>/secrets.key``). ``secrets-manager register`` stores both
    paths, so Airflow workers on this machine find the same files whatever their environment."""

    FLAVOR: ClassVar[str] = "local"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.secrets.local:LocalSecretsManager"

    secrets_file: str | None = None
    key_file: str | None = None

    @field_validator("secrets_file", "key_file")
    @classmethod
    def _absolute_file(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if is_reference_like(value):
            # Checked here, before the value becomes an absolute path that no longer looks like
            # a reference (and would be used as a literal file name).
            raise ValueError(
                f"{value!r} is a secret reference, but a secrets manager's own settings cannot "
                "reference secrets; give the file's path"
            )
        return absolute_local_path(value, "give a file path on this machine")

    @classmethod
    def profile_defaults(cls, name: str, profile_dir: Path) -> dict[str, Any]:
        from zenml_airflow.config.global_config import get_config_dir

        return {
            "secrets_file": str(profile_dir / "secrets" / f"{name}.secrets"),
            "key_file": str(get_config_dir() / "secrets.key"),
        }

    @property
    def is_local(self) -> bool:
        return True


class AWSSecretsManagerComponent(SecretsManagerComponent):
    """Secrets in AWS Secrets Manager (boto3; credentials from its usual chain). ``endpoint_url``
    points at another endpoint, e.g. a moto server."""

    FLAVOR: ClassVar[str] = "aws"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.secrets.aws:AWSSecretsManager"

    region_name: str | None = None
    endpoint_url: str | None = None
    secret_name_prefix: str = "zenml/"


class AirflowSecretsManagerComponent(SecretsManagerComponent):
    """Secrets in Airflow: read from Variables ``<variable_prefix><name>`` (written by zenml-airflow)
    and Connections ``<connection_prefix><name>`` (kept by your team). Inside a task through the
    task SDK; elsewhere (the CLI) through Airflow's REST API at ``api_url``."""

    FLAVOR: ClassVar[str] = "airflow"
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.runtime.secrets_manager:AirflowSecretsManager"
    )
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"password"})

    variable_prefix: str = "zenml_airflow__"
    connection_prefix: str = ""
    api_url: str = "http://localhost:8080"
    airflow_home: str | None = None
    username: str | None = None
    password: str | None = None

    _absolute_directory = field_validator("airflow_home")(local_directory)
    _http_url = field_validator("api_url")(http_url)
