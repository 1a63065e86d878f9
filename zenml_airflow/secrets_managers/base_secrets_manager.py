"""The seed's ``zenml.secrets_managers.base_secrets_manager``: :class:`BaseSecretsManager`.

Its six methods (``register_secret``, ``get_secret``, ``get_all_secret_keys``, ``update_secret``,
``delete_secret``, ``delete_all_secrets``) are abstract, as in the seed. A stack's
``secrets_manager`` is its component
(:class:`~zenml_airflow.stack.components.SecretsManagerComponent`), which offers the same methods
and hands them to the ``BaseSecretsManager`` its flavor names.
"""

from __future__ import annotations

from zenml_airflow.secrets.base import BaseSecretsManager

__all__ = ["BaseSecretsManager"]
