"""Base classes per component type and the built-in flavors.

Built-in flavors:

=================  ========  =====================================================================
type               flavor    fields
=================  ========  =====================================================================
orchestrator       local     (none) - runs in-process; ``zenml_airflow.orchestrators.local``
artifact store     local     ``path`` - a local directory
metadata store     sqlite    ``uri`` - the path of a sqlite database file
=================  ========  =====================================================================

Opening a store (``open_store()``) imports and constructs it on first call and caches it on the
component; nothing happens on construction or attribute access.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import PrivateAttr, field_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.store import SQLMetadataStore
    from zenml_airflow.post_execution import PipelineView


# --- orchestrators -----------------------------------------------------------------------------


class OrchestratorComponent(StackComponent):
    """Base of orchestrator flavors; the running code is the lazily imported ``IMPLEMENTATION``."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.ORCHESTRATOR


class LocalOrchestratorComponent(OrchestratorComponent):
    """Runs every step in this process, in topological order."""

    FLAVOR: ClassVar[str] = "local"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.orchestrators.local:LocalOrchestrator"


# --- artifact stores ---------------------------------------------------------------------------


class ArtifactStoreComponent(StackComponent):
    """Base of artifact store flavors: a root ``path`` (a directory or a URI)."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.ARTIFACT_STORE

    path: str

    _store: Any = PrivateAttr(default=None)

    def open_store(self) -> ArtifactStore:
        """The artifact store this component describes (created on first call, then cached)."""
        if self._store is None:
            from zenml_airflow.artifacts.store import ArtifactStore

            self._store = ArtifactStore(self.path)
        store: ArtifactStore = self._store
        return store


class LocalArtifactStoreComponent(ArtifactStoreComponent):
    """Artifacts in a local directory (``path``, made absolute when the component is built)."""

    FLAVOR: ClassVar[str] = "local"

    @field_validator("path")
    @classmethod
    def _absolute_local_path(cls, value: str) -> str:
        if value.startswith("file://"):
            value = value.removeprefix("file://")
        if "://" in value:
            raise ValueError(
                f"{value!r} is not a local path; the 'local' artifact store takes a directory "
                "(use an 's3' or 'gcs' artifact store for remote storage)"
            )
        if not value.strip():
            raise ValueError("must not be empty")
        return os.path.abspath(os.path.expanduser(value))


# --- metadata stores ---------------------------------------------------------------------------


class MetadataStoreComponent(StackComponent):
    """Base of metadata store flavors: each gives a SQLAlchemy ``url``."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.METADATA_STORE

    _store: Any = PrivateAttr(default=None)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database (no connection is made)."""
        raise NotImplementedError(f"{type(self).__name__} must define `url`")

    def open_store(self) -> SQLMetadataStore:
        """The metadata store this component describes (created on first call, then cached)."""
        if self._store is None:
            from zenml_airflow.metadata.store import SQLMetadataStore

            self._store = SQLMetadataStore(self.url)
        store: SQLMetadataStore = self._store
        return store

    def get_pipelines(self, artifact_store: ArtifactStore | None = None) -> list[PipelineView]:
        """All pipelines recorded in this store (seed-era post-execution API).

        ``artifact_store`` is needed to ``read()`` artifacts from the returned views.
        """
        from zenml_airflow.post_execution import get_pipelines

        return get_pipelines(self.open_store(), artifact_store)

    def get_pipeline(
        self, name: str, artifact_store: ArtifactStore | None = None
    ) -> PipelineView | None:
        """The pipeline called ``name``, or ``None`` (seed-era post-execution API)."""
        from zenml_airflow.post_execution import get_pipeline

        return get_pipeline(self.open_store(), name, artifact_store)


class SQLiteMetadataStoreComponent(MetadataStoreComponent):
    """Metadata in a sqlite file; ``uri`` is the file path (made absolute when built)."""

    FLAVOR: ClassVar[str] = "sqlite"

    uri: str

    @field_validator("uri")
    @classmethod
    def _absolute_file_path(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            value = value.removeprefix("sqlite:///")
        if "://" in value:
            raise ValueError(
                f"{value!r} is not a file path; the 'sqlite' metadata store takes the path of a "
                "database file"
            )
        if not value.strip():
            raise ValueError("must not be empty")
        return os.path.abspath(os.path.expanduser(value))

    @property
    def url(self) -> str:
        """``sqlite:///<absolute path>``."""
        return f"sqlite:///{self.uri}"


BUILTIN_COMPONENT_CLASSES: tuple[type[StackComponent], ...] = (
    LocalOrchestratorComponent,
    LocalArtifactStoreComponent,
    SQLiteMetadataStoreComponent,
)
