"""The seed's ``zenml.artifact_stores``: ``BaseArtifactStore`` and ``LocalArtifactStore``.

As in the seed they are stack components, the classes of ``Repository().active_stack.artifact_store``:
:class:`~zenml_airflow.stack.components.ArtifactStoreComponent` and its ``local`` flavor. The files
themselves are read and written through :mod:`zenml_airflow.io.fileio` (the seed's ``fileio``), on
the store that ``component.open_store()`` returns. Names are imported on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifact_stores.base_artifact_store import BaseArtifactStore
    from zenml_airflow.artifact_stores.local_artifact_store import LocalArtifactStore

_LAZY: dict[str, str] = {
    "BaseArtifactStore": "zenml_airflow.artifact_stores.base_artifact_store",
    "LocalArtifactStore": "zenml_airflow.artifact_stores.local_artifact_store",
}

__all__ = ["BaseArtifactStore", "LocalArtifactStore"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
