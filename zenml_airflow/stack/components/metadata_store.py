"""Metadata stores: the component type that records pipeline runs, and its built-in flavors.

Each flavor gives a SQLAlchemy ``url``: ``sqlite`` (a file), ``mysql`` and ``postgresql`` (a
database server). A new flavor is a subclass of :class:`MetadataStoreComponent` defined in this
module (registered as a built-in flavor by being here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import PrivateAttr, field_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.secrets.references import is_reference_like
from zenml_airflow.stack.components.common import LOCAL_HOSTS
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.store import SQLMetadataStore
    from zenml_airflow.post_execution import PipelineView


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

    @property
    def is_local(self) -> bool:
        return True

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
        path = os.path.abspath(os.path.expanduser(value))
        if os.path.isdir(path):
            raise ValueError(
                f"{path} is a directory; the 'sqlite' metadata store takes the path of a database "
                f"file, e.g. {os.path.join(path, 'metadata.db')}"
            )
        return path

    @property
    def url(self) -> str:
        """``sqlite:///<absolute path>``."""
        return f"sqlite:///{self.uri}"

    def local_paths(self) -> list[str]:
        return [self.uri]


class _ServerMetadataStoreComponent(MetadataStoreComponent):
    """A metadata store on a database server (fields as ZenML's MySQL store)."""

    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"password"})
    DRIVER: ClassVar[str]
    DEFAULT_PORT: ClassVar[int]

    host: str
    port: int | None = None
    database: str
    username: str | None = None
    password: str | None = None

    @field_validator("port")
    @classmethod
    def _port_in_range(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 65535:
            raise ValueError(
                f"{value} is not a port; give a number from 1 to 65535 (or leave it out for the "
                f"default, {cls.DEFAULT_PORT})"
            )
        return value

    @property
    def url(self) -> str:
        """The SQLAlchemy URL, without the password (which is added when connecting)."""
        user = f"{self.username}@" if self.username and not is_reference_like(self.username) else ""
        return f"{self.DRIVER}://{user}{self.host}:{self.port or self.DEFAULT_PORT}/{self.database}"

    def open_store(self) -> SQLMetadataStore:
        """The store, connecting with the password resolved now (a secret reference is looked up
        in the stack's secrets manager at this moment, never earlier)."""
        if self._store is None:
            from sqlalchemy.engine import URL

            from zenml_airflow.metadata.store import SQLMetadataStore

            url = URL.create(
                self.DRIVER,
                username=self.resolve("username"),
                password=self.resolve("password"),
                host=self.host,
                port=self.port or self.DEFAULT_PORT,
                database=self.database,
            )
            self._store = SQLMetadataStore(url.render_as_string(hide_password=False))
        store: SQLMetadataStore = self._store
        return store

    @property
    def is_local(self) -> bool:
        return self.host in LOCAL_HOSTS


class MySQLMetadataStoreComponent(_ServerMetadataStoreComponent):
    """Metadata in MySQL 8 or MariaDB 10.6+ (driver PyMySQL: ``pip install 'zenml-airflow[mysql]'``)."""

    FLAVOR: ClassVar[str] = "mysql"
    DRIVER: ClassVar[str] = "mysql+pymysql"
    DEFAULT_PORT: ClassVar[int] = 3306


class PostgreSQLMetadataStoreComponent(_ServerMetadataStoreComponent):
    """Metadata in PostgreSQL (driver ``psycopg``: ``pip install 'zenml-airflow[postgres]'``)."""

    FLAVOR: ClassVar[str] = "postgresql"
    DRIVER: ClassVar[str] = "postgresql+psycopg"
    DEFAULT_PORT: ClassVar[int] = 5432
