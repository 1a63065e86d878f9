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
from zenml_airflow.stack.components.common import http_url, local_directory
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack


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

    _absolute_directories = field_validator("dags_folder", "airflow_home")(local_directory)
    _http_url = field_validator("api_url")(http_url)

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
