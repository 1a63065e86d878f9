"""Base classes per component type and the built-in flavors.

Built-in flavors that work now:

=================  ========  =====================================================================
type               flavor    fields
=================  ========  =====================================================================
orchestrator       local     (none) - runs in-process; ``zenml_airflow.orchestrators.local``
orchestrator       airflow   ``dags_folder``, ``airflow_home``, ``api_url``, ``username``,
                             ``password``, ``unpause_on_deploy``; ``zenml_airflow.orchestrators.airflow``
artifact store     local     ``path`` - a local directory
artifact store     s3        ``path`` (``s3://bucket/root``), ``key``, ``secret``, ``token``,
                             ``client_kwargs``, ``config_kwargs`` (s3fs)
artifact store     gcs       ``path`` (``gs://bucket/root``), ``project``, ``token``, ``endpoint_url``
metadata store     sqlite    ``uri`` - the path of a sqlite database file
metadata store     mysql     ``host``, ``port``, ``database``, ``username``, ``password``
metadata store     postgresql ``host``, ``port``, ``database``, ``username``, ``password``
secrets manager    local     ``secrets_file``, ``key_file`` - a Fernet-encrypted file
secrets manager    aws       ``region_name``, ``endpoint_url``, ``secret_name_prefix``
secrets manager    airflow   ``variable_prefix``, ``connection_prefix``, ``api_url``, ...
container registry default   ``uri`` - where images are pushed (configuration only)
=================  ========  =====================================================================

Flavors that later milestones implement exist as configs already (``NOT_IMPLEMENTED`` says which
milestone): step operators ``docker``/``kubernetes``/``virtualenv`` and the ``local`` model
deployer. They can be registered as components, but a stack using one is refused at
registration (:meth:`~zenml_airflow.stack.stack.Stack.validate`), never accepted and then failing at
run time.

Opening a store (``open_store()``) imports and constructs it on first call and caches it on the
component; nothing happens on construction or attribute access.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import PrivateAttr, field_validator, model_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.secrets.references import is_reference_like
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.store import SQLMetadataStore
    from zenml_airflow.post_execution import PipelineView
    from zenml_airflow.secrets.base import BaseSecretsManager
    from zenml_airflow.secrets.schemas import BaseSecretSchema
    from zenml_airflow.stack.stack import Stack

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _absolute_local_path(value: str, what: str) -> str:
    if value.startswith("file://"):
        value = value.removeprefix("file://")
    if "://" in value:
        raise ValueError(f"{value!r} is not a local path; {what}")
    if not value.strip():
        raise ValueError("must not be empty")
    return os.path.abspath(os.path.expanduser(value))


_MILESTONE_BACKENDS = 'arrives with the "Real backends" milestone; see docs/roadmap.md'
_MILESTONE_LATER = "planned after the Airflow UI plugin; see docs/roadmap.md"


# --- orchestrators -----------------------------------------------------------------------------


class OrchestratorComponent(StackComponent):
    """Base of orchestrator flavors; the running code is the lazily imported ``IMPLEMENTATION``."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.ORCHESTRATOR


    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True


class LocalOrchestratorComponent(OrchestratorComponent):
    """Runs every step in this process, in topological order."""

    FLAVOR: ClassVar[str] = "local"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.orchestrators.local:LocalOrchestrator"


class AirflowOrchestratorComponent(OrchestratorComponent):
    """Runs pipelines as Airflow 3 DAGs: compiled into ``dags_folder``, driven through ``api_url``.

    ``dags_folder`` and ``airflow_home`` are made absolute when given; when left out they are
    resolved at use time (:meth:`resolved_airflow_home`, :meth:`resolved_dags_folder`), not at
    validation, so a stored component follows ``$AIRFLOW_HOME`` of the process that uses it.

    Example::

        zenml-airflow orchestrator register af --flavor airflow \\
            --dags_folder=~/airflow/dags --api_url=http://localhost:8080
    """

    FLAVOR: ClassVar[str] = "airflow"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.orchestrators.airflow:AirflowOrchestrator"
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"password"})

    dags_folder: str | None = None
    airflow_home: str | None = None
    api_url: str = "http://localhost:8080"
    username: str | None = None
    password: str | None = None
    unpause_on_deploy: bool = True

    @field_validator("dags_folder", "airflow_home")
    @classmethod
    def _absolute_directory(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _absolute_local_path(value, "give a directory on this machine")

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"{value!r} is not an http(s) URL; give the Airflow API server's address, "
                "e.g. 'http://localhost:8080'"
            )
        try:
            port = urlsplit(value).port  # raises for a port that is not a number in range
        except ValueError:
            port = -1
        if port is not None and not 1 <= port <= 65535:
            raise ValueError(
                f"{value!r} has no valid port; a port is a number from 1 to 65535, e.g. "
                "'http://localhost:8080'"
            )
        return value.rstrip("/")

    def resolved_airflow_home(self) -> Path:
        """``airflow_home``, else ``$AIRFLOW_HOME``, else ``~/airflow`` (Airflow's own default)."""
        if self.airflow_home is not None:
            return Path(self.airflow_home)
        env = os.environ.get("AIRFLOW_HOME")
        if env:
            return Path(env).expanduser().resolve()
        return Path("~/airflow").expanduser()

    def resolved_dags_folder(self) -> Path:
        """``dags_folder``, else ``<airflow home>/dags``."""
        if self.dags_folder is not None:
            return Path(self.dags_folder)
        return self.resolved_airflow_home() / "dags"

    def stack_notes(self, stack: Stack) -> list[str]:
        local = [
            f"{c.TYPE.label} '{c.name}'"
            for c in (stack.artifact_store, stack.metadata_store)
            if c.is_local
        ]
        if not local:
            return []
        return [
            f"The airflow orchestrator runs steps in Airflow's workers; {' and '.join(local)} "
            f"{'are' if len(local) > 1 else 'is'} only reachable on this machine, so this stack "
            "works only when Airflow runs here too (e.g. `airflow standalone`). Use s3/gcs and "
            "mysql/postgresql stores for remote workers."
        ]


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
        return _absolute_local_path(
            value,
            "the 'local' artifact store takes a directory (use an 's3' or 'gcs' artifact store "
            "for remote storage)",
        )

    @property
    def is_local(self) -> bool:
        return True


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


class _ServerMetadataStoreComponent(MetadataStoreComponent):
    """A metadata store on a database server (fields as ZenML's MySQL store)."""

    NOT_IMPLEMENTED: ClassVar[str | None] = _MILESTONE_BACKENDS
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
        return self.host in _LOCAL_HOSTS


class MySQLMetadataStoreComponent(_ServerMetadataStoreComponent):
    """Metadata in MySQL 8 or MariaDB 10.6+ (driver PyMySQL: ``pip install 'zenml-airflow[mysql]'``)."""

    FLAVOR: ClassVar[str] = "mysql"
    NOT_IMPLEMENTED: ClassVar[str | None] = None
    DRIVER: ClassVar[str] = "mysql+pymysql"
    DEFAULT_PORT: ClassVar[int] = 3306


class PostgreSQLMetadataStoreComponent(_ServerMetadataStoreComponent):
    """Metadata in PostgreSQL (driver ``psycopg``: ``pip install 'zenml-airflow[postgres]'``)."""

    FLAVOR: ClassVar[str] = "postgresql"
    NOT_IMPLEMENTED: ClassVar[str | None] = None
    DRIVER: ClassVar[str] = "postgresql+psycopg"
    DEFAULT_PORT: ClassVar[int] = 5432


# --- step operators ----------------------------------------------------------------------------


class StepOperatorComponent(StackComponent):
    """Base of step operator flavors: runs chosen steps somewhere else than the orchestrator does."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.STEP_OPERATOR
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True


class DockerStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a Docker container (an Airflow ``DockerOperator`` task)."""

    FLAVOR: ClassVar[str] = "docker"
    NOT_IMPLEMENTED: ClassVar[str | None] = _MILESTONE_LATER
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.step_operators.docker:DockerStepOperator"

    image: str | None = None
    docker_url: str | None = None


class KubernetesStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a Kubernetes pod (an Airflow ``KubernetesPodOperator`` task)."""

    FLAVOR: ClassVar[str] = "kubernetes"
    NOT_IMPLEMENTED: ClassVar[str | None] = _MILESTONE_LATER
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.step_operators.kubernetes:KubernetesStepOperator"
    )

    namespace: str = "default"
    image: str | None = None
    kubernetes_context: str | None = None

    def check_in_stack(self, stack: Stack) -> list[str]:
        problems = [
            f"step operator '{self.name}' runs steps in Kubernetes pods, which cannot reach "
            f"{c.TYPE.label} '{c.name}' on this machine; use s3/gcs and mysql/postgresql stores"
            for c in (stack.artifact_store, stack.metadata_store)
            if c.is_local
        ]
        if self.image is None and stack.container_registry is None:
            problems.append(
                f"step operator '{self.name}' needs an image its pods can pull: set its `image` "
                "or add a container registry to the stack (-c)"
            )
        return problems


class VirtualenvStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a separate virtual environment on the worker."""

    FLAVOR: ClassVar[str] = "virtualenv"
    NOT_IMPLEMENTED: ClassVar[str | None] = _MILESTONE_LATER
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.step_operators.virtualenv:VirtualenvStepOperator"
    )

    python: str | None = None
    requirements: list[str] = []


# --- container registries ----------------------------------------------------------------------


class ContainerRegistryComponent(StackComponent):
    """Base of container registry flavors: ``uri`` is where images are pushed and pulled from."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.CONTAINER_REGISTRY

    uri: str

    @property
    def is_local(self) -> bool:
        return self.uri.split("/", 1)[0].split(":", 1)[0] in _LOCAL_HOSTS


class DefaultContainerRegistryComponent(ContainerRegistryComponent):
    """Any registry reachable with ``docker push`` (configuration only: nothing runs until a
    docker or kubernetes step operator builds images)."""

    FLAVOR: ClassVar[str] = "default"


# --- secrets managers --------------------------------------------------------------------------


class SecretsManagerComponent(StackComponent):
    """Base of secrets manager flavors: the seed's secrets manager API, delegated to the flavor's
    lazily imported ``IMPLEMENTATION`` (a :class:`~zenml_airflow.secrets.base.BaseSecretsManager`).

    Inside a step::

        context.stack.secrets_manager.get_secret("api").content["key"]
    """

    TYPE: ClassVar[StackComponentType] = StackComponentType.SECRETS_MANAGER
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True

    _manager: Any = PrivateAttr(default=None)
    # Called with every secret value this component hands out (the Airflow task registers each
    # with Airflow's secrets masker).
    _value_hook: Callable[[Any], None] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _no_references(self) -> SecretsManagerComponent:
        fields = sorted(self.secret_references())
        if fields:
            raise ValueError(
                f"a secrets manager's own settings cannot reference secrets (field(s) "
                f"{', '.join(fields)}); give the value, or leave it out and use the environment"
            )
        return self

    def open_manager(self) -> BaseSecretsManager:
        """The implementation (imported and built on first call, then cached)."""
        if self._manager is None:
            from zenml_airflow.stack.flavors import import_object

            if self.IMPLEMENTATION is None:
                raise StackError(f"The {self.describe()} has no implementation.")
            self._manager = import_object(self.IMPLEMENTATION)(self)
        manager: BaseSecretsManager = self._manager
        return manager

    def set_value_hook(self, hook: Callable[[Any], None] | None) -> None:
        """Call ``hook`` with every value of every secret read from now on."""
        self._value_hook = hook

    def _reveal(self, secret: BaseSecretSchema) -> BaseSecretSchema:
        if self._value_hook is not None:
            for value in secret.content.values():
                self._value_hook(value)
        return secret

    def register_secret(self, secret: BaseSecretSchema) -> None:
        """Store a new secret (refused if the name is taken)."""
        self.open_manager().register_secret(secret)

    def get_secret(self, secret_name: str) -> BaseSecretSchema:
        """The secret called ``secret_name`` (``.content`` holds its key-value pairs)."""
        return self._reveal(self.open_manager().get_secret(secret_name))

    def get_all_secret_keys(self) -> list[str]:
        """The names of all secrets."""
        return self.open_manager().get_all_secret_keys()

    def update_secret(self, secret: BaseSecretSchema) -> None:
        """Replace an existing secret."""
        self.open_manager().update_secret(secret)

    def delete_secret(self, secret_name: str) -> None:
        """Delete a secret."""
        self.open_manager().delete_secret(secret_name)

    def delete_all_secrets(self, force: bool = False) -> None:
        """Delete every secret (only with ``force=True``)."""
        self.open_manager().delete_all_secrets(force=force)


class LocalSecretsManagerComponent(SecretsManagerComponent):
    """Secrets in a Fernet-encrypted 0600 file (``secrets_file``, default
    ``<profile dir>/secrets/<name>.secrets``); the key from ``$ZENML_AIRFLOW_SECRETS_KEY`` or
    ``key_file`` (default ``<config dir>/secrets.key``). ``secrets-manager register`` stores both
    paths, so Airflow workers on this machine find the same files whatever their environment."""

    FLAVOR: ClassVar[str] = "local"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.secrets.local:LocalSecretsManager"

    secrets_file: str | None = None
    key_file: str | None = None

    @field_validator("secrets_file", "key_file")
    @classmethod
    def _absolute_file(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if is_reference_like(value):
            # Checked here, before the value becomes an absolute path that no longer looks like
            # a reference (and would be used as a literal file name).
            raise ValueError(
                f"{value!r} is a secret reference, but a secrets manager's own settings cannot "
                "reference secrets; give the file's path"
            )
        return _absolute_local_path(value, "give a file path on this machine")

    @classmethod
    def profile_defaults(cls, name: str, profile_dir: Path) -> dict[str, Any]:
        from zenml_airflow.config.global_config import get_config_dir

        return {
            "secrets_file": str(profile_dir / "secrets" / f"{name}.secrets"),
            "key_file": str(get_config_dir() / "secrets.key"),
        }

    @property
    def is_local(self) -> bool:
        return True


class AWSSecretsManagerComponent(SecretsManagerComponent):
    """Secrets in AWS Secrets Manager (boto3; credentials from its usual chain). ``endpoint_url``
    points at another endpoint, e.g. a moto server."""

    FLAVOR: ClassVar[str] = "aws"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.secrets.aws:AWSSecretsManager"

    region_name: str | None = None
    endpoint_url: str | None = None
    secret_name_prefix: str = "zenml/"


class AirflowSecretsManagerComponent(SecretsManagerComponent):
    """Secrets in Airflow: read from Variables ``<variable_prefix><name>`` (written by zenml-airflow)
    and Connections ``<connection_prefix><name>`` (kept by your team). Inside a task through the
    task SDK; elsewhere (the CLI) through Airflow's REST API at ``api_url``."""

    FLAVOR: ClassVar[str] = "airflow"
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.runtime.secrets_manager:AirflowSecretsManager"
    )
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"password"})

    variable_prefix: str = "zenml_airflow__"
    connection_prefix: str = ""
    api_url: str = "http://localhost:8080"
    airflow_home: str | None = None
    username: str | None = None
    password: str | None = None

    @field_validator("airflow_home")
    @classmethod
    def _absolute_directory(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _absolute_local_path(value, "give a directory on this machine")

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return AirflowOrchestratorComponent._http_url(value)


# --- model deployers ---------------------------------------------------------------------------


class ModelDeployerComponent(StackComponent):
    """Base of model deployer flavors."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.MODEL_DEPLOYER
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True


class LocalModelDeployerComponent(ModelDeployerComponent):
    """Serves models from a long-running local HTTP prediction service."""

    FLAVOR: ClassVar[str] = "local"
    NOT_IMPLEMENTED: ClassVar[str | None] = _MILESTONE_LATER

    host: str = "127.0.0.1"
    port_range: str = "8000-8999"



BUILTIN_COMPONENT_CLASSES: tuple[type[StackComponent], ...] = (
    LocalOrchestratorComponent,
    AirflowOrchestratorComponent,
    LocalArtifactStoreComponent,
    S3ArtifactStoreComponent,
    GCSArtifactStoreComponent,
    SQLiteMetadataStoreComponent,
    MySQLMetadataStoreComponent,
    PostgreSQLMetadataStoreComponent,
    DockerStepOperatorComponent,
    KubernetesStepOperatorComponent,
    VirtualenvStepOperatorComponent,
    DefaultContainerRegistryComponent,
    LocalSecretsManagerComponent,
    AWSSecretsManagerComponent,
    AirflowSecretsManagerComponent,
    LocalModelDeployerComponent,
)
