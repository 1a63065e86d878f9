"""Who may see what: Airflow's DAG-level access rules applied to zenml-airflow runs.

A run made by Airflow (``orchestrator == "airflow"``, ``orchestrator_run_id == "<dag_id>/<run_id>"``)
is visible to a user who may read its DAG; its steps and artifacts follow the run. Runs made
elsewhere (the local orchestrator) belong to no DAG: only users who may read *every* DAG see them
(docs/adr/0010-ui-plugin-stores-and-access.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zenml_airflow.metadata.records import RunRecord


def run_dag_id(run: RunRecord) -> str | None:
    """The Airflow DAG a run was made by, or None for runs not made by Airflow."""
    if run.orchestrator != "airflow" or not run.orchestrator_run_id:
        return None
    dag_id, sep, _ = run.orchestrator_run_id.partition("/")
    return dag_id if sep and dag_id else None


@dataclass(frozen=True)
class Viewer:
    """What one request's user may read."""

    name: str
    readable_dags: frozenset[str]
    all_dags: bool

    def can_read_dag(self, dag_id: str) -> bool:
        return self.all_dags or dag_id in self.readable_dags

    def can_see_run(self, run: RunRecord) -> bool:
        dag_id = run_dag_id(run)
        if dag_id is None:
            return self.all_dags
        return self.can_read_dag(dag_id)


#: Builds the :class:`Viewer` for an authenticated user.
AccessPolicy = Callable[[Any], Viewer]


def airflow_access(user: Any) -> Viewer:
    """The viewer for ``user`` according to Airflow's auth manager.

    ``is_authorized_dag`` without details asks about all DAGs (e.g. FAB's global "DAGs" read
    permission); otherwise ``get_authorized_dag_ids`` lists the DAGs the user may read.
    """
    from airflow.api_fastapi.app import get_auth_manager

    manager = get_auth_manager()
    name = str(getattr(user, "get_name", lambda: "user")())
    if manager.is_authorized_dag(method="GET", user=user):
        return Viewer(name, frozenset(), True)
    return Viewer(name, frozenset(manager.get_authorized_dag_ids(user=user, method="GET")), False)
