"""Orchestrators: the component type that runs a pipeline's steps, and its built-in flavors.

``local`` runs every step in this process; ``airflow`` compiles the pipeline into an Airflow DAG.
A new orchestrator flavor is a subclass of :class:`OrchestratorComponent` defined in this module
(registered as a built-in flavor by being here, see :mod:`zenml_airflow.stack.components`) whose
``IMPLEMENTATION`` names the code that runs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import field_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.secrets.references import is_reference_like
from zenml_airflow.stack.components.common import absolute_local_path, http_url, local_directory
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack


#: Airflow executors an airflow orchestrator may run on: ``local`` runs tasks on the scheduler's
#: machine; the others on workers that may be on other hosts.
EXECUTORS = ("local", "celery", "kubernetes")


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

    ``executor``: the executor of that Airflow (``local``, ``celery`` or ``kubernetes``; Airflow's
    ``CeleryExecutor`` spelling works too). With ``celery`` or ``kubernetes`` tasks run on workers
    that may be on other hosts, so a stack whose artifact or metadata store keeps its data in
    files of this machine (a ``local`` artifact store, a ``sqlite`` metadata store) is refused,
    unless those files lie under one of ``shared_paths``: directories of a filesystem every
    worker mounts at the same path.

    ``stack up`` starts a local Airflow for this orchestrator. With ``executor=local`` (the
    default) that is the LocalExecutor on Airflow's sqlite database, or on
    ``airflow_database_url`` when set. With ``executor=celery`` it also starts Celery workers:
    one per entry of ``celery_workers`` (each the comma-separated queues it serves),
    ``celery_concurrency`` task slots each, brokered by ``celery_broker_url`` (a Redis on this
    machine's loopback is started when none answers there), with Airflow's database
    ``airflow_database_url`` (PostgreSQL, required; may be a ``{{secret.key}}`` reference).

    ``dag_bundle_repo``: a git repository (path or URL) Airflow clones as a DAG bundle
    (``zenml-<name>``, branch ``dag_bundle_branch``, directory ``dag_bundle_subdir``): ``pipeline
    deploy`` writes the DAG file into that directory of the checkout holding the pipeline's code,
    and each run imports the steps from the commit it was triggered with (ADR 0019).

    Example::

        zenml-airflow orchestrator register af --flavor airflow \\
            --dags_folder=~/airflow/dags --api_url=http://localhost:8080
    """

    FLAVOR: ClassVar[str] = "airflow"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.orchestrators.airflow:AirflowOrchestrator"
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"password", "airflow_database_url"})

    dags_folder: str | None = None
    airflow_home: str | None = None
    api_url: str = "http://localhost:8080"
    username: str | None = None
    password: str | None = None
    unpause_on_deploy: bool = True
    executor: str = "local"
    shared_paths: list[str] = []
    airflow_database_url: str | None = None
    celery_broker_url: str = "redis://127.0.0.1:6379/0"
    celery_workers: list[str] = ["default", "default"]
    celery_concurrency: int = 2
    dag_bundle_repo: str | None = None
    dag_bundle_branch: str = "main"
    dag_bundle_subdir: str = "dags"

    _absolute_directories = field_validator("dags_folder", "airflow_home")(local_directory)
    _http_url = field_validator("api_url")(http_url)

    @field_validator("executor", mode="before")
    @classmethod
    def _known_executor(cls, value: object) -> object:
        # Airflow's own names are accepted too: `--executor=CeleryExecutor`.
        if not isinstance(value, str):
            return value
        name = value.strip().lower().removesuffix("executor")
        if name not in EXECUTORS:
            raise ValueError(
                f"unknown executor {value!r}: use one of {', '.join(EXECUTORS)} (the Airflow "
                "installation's [core] executor: LocalExecutor, CeleryExecutor, "
                "KubernetesExecutor)"
            )
        return name

    @field_validator("shared_paths", mode="before")
    @classmethod
    def _absolute_shared_paths(cls, value: object) -> object:
        # `--shared_paths=/mnt/shared` on the command line: one path, or several with commas.
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            return value
        paths = []
        for item in value:
            text = str(item).strip()
            if not os.path.isabs(os.path.expanduser(text)):
                raise ValueError(
                    f"shared path {text!r} is not absolute: give the path at which every "
                    "Airflow worker mounts the shared filesystem, e.g. /mnt/shared"
                )
            paths.append(os.path.normpath(os.path.expanduser(text)))
        return paths

    @field_validator("airflow_database_url")
    @classmethod
    def _server_database(cls, value: str | None) -> str | None:
        if value is None or is_reference_like(value):
            return value
        if not value.startswith(("postgresql", "mysql")):
            raise ValueError(
                f"{value.split('://', 1)[0]!r} is not a database Airflow's workers can share: give "
                "a PostgreSQL URL, e.g. postgresql+psycopg://airflow:PASSWORD@127.0.0.1:5432/airflow"
            )
        return value

    @field_validator("celery_workers", mode="before")
    @classmethod
    def _worker_queues(cls, value: object) -> object:
        # `--celery_workers="default;default,gpu"`: one entry per worker, its queues by commas.
        if isinstance(value, str):
            value = value.split(";")
        if not isinstance(value, list):
            return value
        workers = [",".join(q.strip() for q in str(item).split(",") if q.strip()) for item in value]
        if not workers or not all(workers):
            raise ValueError(
                "give each Celery worker at least one queue, workers separated by ';' and a "
                "worker's queues by ',', e.g. 'default;default,gpu'"
            )
        return workers

    @field_validator("celery_concurrency")
    @classmethod
    def _positive_concurrency(cls, value: int) -> int:
        if value < 1:
            raise ValueError("celery_concurrency must be at least 1 (task slots per worker)")
        return value

    @field_validator("dag_bundle_subdir")
    @classmethod
    def _relative_subdir(cls, value: str) -> str:
        text = value.strip().strip("/")
        if not text or os.path.isabs(value) or ".." in text.split("/"):
            raise ValueError(
                f"dag_bundle_subdir {value!r} must be a directory inside the repository, e.g. "
                "'dags'"
            )
        return text

    @field_validator("dag_bundle_repo")
    @classmethod
    def _repository(cls, value: str | None) -> str | None:
        if value is None or "://" in value or value.startswith("git@"):
            return value
        # a local path (a repository or bare repository on this machine or a shared disk)
        return absolute_local_path(value, "give the repository's path or URL")

    @property
    def dag_bundle_name(self) -> str | None:
        """The bundle's name in Airflow when ``dag_bundle_repo`` is set."""
        return f"zenml-{self.name}" if self.dag_bundle_repo else None

    @property
    def distributed(self) -> bool:
        """Whether Airflow runs the tasks on workers that may be on other hosts."""
        return self.executor != "local"

    def shares(self, path: str) -> bool:
        """Whether ``path`` lies in one of :attr:`shared_paths`."""
        path = os.path.normpath(path)
        return any(
            path == shared or path.startswith(shared.rstrip("/") + "/")
            for shared in self.shared_paths
        )

    def check_in_stack(self, stack: Stack) -> list[str]:
        if not self.distributed:
            return []
        return [
            f"orchestrator '{self.name}' runs tasks on {self.executor} workers, which may be on "
            f"other hosts, and {c.TYPE.label} '{c.name}' keeps its data in {path} on this "
            "machine only. Use an s3/gcs artifact store and a mysql/postgresql metadata store, "
            "or, if that path is on a filesystem every worker mounts at the same path, declare "
            f"it: zenml-airflow orchestrator update {self.name} --shared_paths=MOUNT"
            for c in (stack.artifact_store, stack.metadata_store)
            for path in c.local_paths()
            if not self.shares(path)
        ]

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
        if self.distributed:
            # Stores on this host's loopback (a local PostgreSQL, an S3 emulator): each worker's
            # 127.0.0.1 is its own host, so they work only for workers on this host.
            servers = [
                f"{c.TYPE.label} '{c.name}'"
                for c in (stack.artifact_store, stack.metadata_store)
                if c.is_local and not c.local_paths()
            ]
            if not servers:
                return []
            return [
                f"Orchestrator '{self.name}' runs tasks on {self.executor} workers; "
                f"{' and '.join(servers)} {'are' if len(servers) > 1 else 'is'} addressed by a "
                "loopback host, which only workers on this machine reach. Use a host name every "
                "worker resolves for workers elsewhere."
            ]
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
