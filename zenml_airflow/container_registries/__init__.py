"""The seed's ``zenml.container_registries``: ``BaseContainerRegistry``, the ``default`` flavor.

As in the seed it is the stack component registered with ``container-registry register NAME
--flavor default --uri=HOST[:PORT][/PREFIX]``:
:class:`~zenml_airflow.stack.components.container_registry.DefaultContainerRegistryComponent`
(with zenml-airflow's login settings). Images are built and pushed by
:mod:`zenml_airflow.images`. Names are imported on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.container_registries.base_container_registry import BaseContainerRegistry

_LAZY: dict[str, str] = {
    "BaseContainerRegistry": "zenml_airflow.container_registries.base_container_registry",
}

__all__ = ["BaseContainerRegistry"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
