"""Artifact stores: the component type that holds artifact files, and its built-in flavors.

``local`` (a directory), ``s3`` (s3fs) and ``gcs`` (gcsfs). A new flavor is a subclass of
:class:`ArtifactStoreComponent` defined in this module (registered as a built-in flavor by being
here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import PrivateAttr, field_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack.components.common import absolute_local_path
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore


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
        return absolute_local_path(
            value,
            "the 'local' artifact store takes a directory (use an 's3' or 'gcs' artifact store "
            "for remote storage)",
        )

    @property
    def is_local(self) -> bool:
        return True

    def local_paths(self) -> list[str]:
        return [self.path]


def _check_scheme(value: str, schemes: tuple[str, ...], flavor: str) -> str:
    if not value.startswith(tuple(f"{scheme}://" for scheme in schemes)):
        raise ValueError(
            f"{value!r} is not a {' or '.join(s + '://' for s in schemes)} URI; the '{flavor}' "
            f"artifact store takes e.g. '{schemes[0]}://bucket/prefix'"
        )
    return value.rstrip("/")


def _check_bucket(value: str, flavor: str) -> str:
    bucket = value.partition("://")[2].split("/", 1)[0]
    if len(bucket) < 3:
        raise ValueError(
            f"{value!r} names no bucket (or one shorter than 3 characters); the '{flavor}' "
            "artifact store takes e.g. 'BUCKET/prefix' after the scheme"
        )
    return value


class S3ArtifactStoreComponent(ArtifactStoreComponent):
    """Artifacts in S3 or an S3-compatible store (s3fs; ``pip install 'zenml-airflow[s3]'``).

    Fields as ZenML's: ``path`` (``s3://bucket/prefix``; the bucket must exist), ``key``,
    ``secret``, ``token`` (each may be a ``{{secret.key}}`` reference, resolved when the store is
    opened; left out, botocore's chain is used: ``AWS_ACCESS_KEY_ID``..., ``~/.aws``, a role),
    ``client_kwargs`` (e.g. ``{"endpoint_url": "http://127.0.0.1:9000"}``) and
    ``config_kwargs`` (botocore ``Config``, e.g. ``{"retries": {"max_attempts": 3}}``).
    """

    FLAVOR: ClassVar[str] = "s3"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.artifacts.s3:open_filesystem"
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"secret", "token"})

    key: str | None = None
    secret: str | None = None
    token: str | None = None
    client_kwargs: dict[str, Any] | None = None
    config_kwargs: dict[str, Any] | None = None

    @field_validator("path")
    @classmethod
    def _s3_uri(cls, value: str) -> str:
        return _check_bucket(_check_scheme(value, ("s3",), "s3"), "s3")

    def open_store(self) -> ArtifactStore:
        """The store; s3fs is imported and the credentials resolved on its first I/O."""
        if self._store is None:
            from zenml_airflow.artifacts.store import ArtifactStore

            def open_fs() -> Any:
                from zenml_airflow.artifacts.s3 import open_filesystem

                return open_filesystem(
                    key=self.resolve("key"),
                    secret=self.resolve("secret"),
                    token=self.resolve("token"),
                    client_kwargs=self.client_kwargs,
                    config_kwargs=self.config_kwargs,
                )

            self._store = ArtifactStore(self.path, open_fs=open_fs)
        store: ArtifactStore = self._store
        return store


class GCSArtifactStoreComponent(ArtifactStoreComponent):
    """Artifacts in Google Cloud Storage (gcsfs; ``pip install 'zenml-airflow[gcs]'``).

    Fields: ``path`` (``gs://bucket/prefix``; the bucket must exist), ``project``, ``token``
    (``anon``, ``google_default``, a service-account JSON file path or the JSON itself, or a
    ``{{secret.key}}`` reference resolved when the store is opened; left out, Google's default
    credentials) and ``endpoint_url`` (an emulator or private endpoint).
    """

    FLAVOR: ClassVar[str] = "gcs"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.artifacts.gcs:open_filesystem"
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"token"})

    project: str | None = None
    token: str | None = None
    endpoint_url: str | None = None

    @field_validator("path")
    @classmethod
    def _gcs_uri(cls, value: str) -> str:
        return _check_bucket(_check_scheme(value, ("gs", "gcs"), "gcs"), "gcs")

    def open_store(self) -> ArtifactStore:
        """The store; gcsfs is imported and the credentials resolved on its first I/O."""
        if self._store is None:
            from zenml_airflow.artifacts.store import ArtifactStore

            def open_fs() -> Any:
                from zenml_airflow.artifacts.gcs import open_filesystem

                return open_filesystem(
                    project=self.resolve("project"),
                    token=self.resolve("token"),
                    endpoint_url=self.endpoint_url,
                )

            self._store = ArtifactStore(self.path, open_fs=open_fs)
        store: ArtifactStore = self._store
        return store
