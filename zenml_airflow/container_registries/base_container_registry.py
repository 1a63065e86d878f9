"""The seed's ``zenml.container_registries.base_container_registry``: ``BaseContainerRegistry``
is the ``default`` container registry flavor (a ``uri``, ``is_local``; here also a login:
``username``/``password`` or ``airflow_connection_id``, see docs/containers.md)."""

from __future__ import annotations

from zenml_airflow.stack.components.container_registry import (
    DefaultContainerRegistryComponent as BaseContainerRegistry,
)

__all__ = ["BaseContainerRegistry"]
