"""The seed's ``zenml.secrets_managers``: ``BaseSecretsManager`` and ``LocalSecretsManager``.

These are the classes that keep secrets (:mod:`zenml_airflow.secrets`), imported on first access.
A stack's ``secrets_manager`` is its component, which has the same methods and delegates to the
class its flavor names::

    context.stack.secrets_manager.get_secret("api").content["key"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.secrets_managers.base_secrets_manager import BaseSecretsManager
    from zenml_airflow.secrets_managers.local.local_secrets_manager import LocalSecretsManager

_LAZY: dict[str, str] = {
    "BaseSecretsManager": "zenml_airflow.secrets_managers.base_secrets_manager",
    "LocalSecretsManager": "zenml_airflow.secrets_managers.local.local_secrets_manager",
}

__all__ = ["BaseSecretsManager", "LocalSecretsManager"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
