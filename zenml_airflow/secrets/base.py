"""The secrets manager interface (the seed's ``BaseSecretsManager``).

An implementation is built from its stack component (the eager pydantic config, see
:mod:`zenml_airflow.stack.components`) and does I/O only when a method is called. All six methods
are abstract; the contract suite in ``tests/secrets`` runs against every implementation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from zenml_airflow.exceptions import did_you_mean
from zenml_airflow.secrets.errors import SecretDoesNotExistError, SecretsManagerError
from zenml_airflow.secrets.schemas import BaseSecretSchema


class BaseSecretsManager(ABC):
    """Stores named secrets. ``component`` is the stack component carrying the configuration."""

    def __init__(self, component: Any) -> None:
        self.component = component

    @property
    def label(self) -> str:
        """``secrets manager 'name' (flavor 'local')`` - for messages."""
        name = getattr(self.component, "name", "?")
        flavor = getattr(self.component, "flavor", "?")
        return f"secrets manager '{name}' (flavor '{flavor}')"

    @property
    def subject(self) -> str:
        """:attr:`label` capitalized, to start a sentence."""
        return self.label[:1].upper() + self.label[1:]

    @abstractmethod
    def register_secret(self, secret: BaseSecretSchema) -> None:
        """Store a new secret.

        Raises:
            SecretExistsError: if a secret of that name exists (use :meth:`update_secret`).
        """

    @abstractmethod
    def get_secret(self, secret_name: str) -> BaseSecretSchema:
        """The secret called ``secret_name``.

        Raises:
            SecretDoesNotExistError: naming the manager, with "did you mean".
        """

    @abstractmethod
    def get_all_secret_keys(self) -> list[str]:
        """The names of every stored secret, sorted (the seed calls them "keys")."""

    @abstractmethod
    def update_secret(self, secret: BaseSecretSchema) -> None:
        """Replace an existing secret (its schema may change).

        Raises:
            SecretDoesNotExistError: if there is no secret of that name.
        """

    @abstractmethod
    def delete_secret(self, secret_name: str) -> None:
        """Delete a secret.

        Raises:
            SecretDoesNotExistError: if there is no secret of that name.
        """

    @abstractmethod
    def delete_all_secrets(self, force: bool = False) -> None:
        """Delete every secret. Refused unless ``force`` (it cannot be undone).

        Raises:
            SecretsManagerError: without ``force``.
        """

    # --- helpers for implementations ---------------------------------------------------------

    def _missing(self, secret_name: str, known: list[str]) -> SecretDoesNotExistError:
        return SecretDoesNotExistError(
            f"No secret '{secret_name}' in {self.label}.{did_you_mean(secret_name, known)} "
            "List them with `zenml-airflow secret list`."
        )

    def _refuse_unforced(self, force: bool) -> None:
        if not force:
            raise SecretsManagerError(
                f"Refusing to delete every secret of {self.label} without force=True "
                "(`zenml-airflow secret delete --all --yes`)."
            )
