"""The seed's ``zenml.secrets_managers.local.local_secrets_manager``: :class:`LocalSecretsManager`.

Secrets are kept in a Fernet-encrypted file (the seed's was plain YAML); register one with
``zenml-airflow secrets-manager register NAME --flavor local``.
"""

from __future__ import annotations

from zenml_airflow.secrets.local import LocalSecretsManager

__all__ = ["LocalSecretsManager"]
