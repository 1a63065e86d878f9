"""The Airflow UI plugin: zenml-airflow pipelines, runs, steps, artifacts and lineage in Airflow.

Registered through the ``airflow.plugins`` entry point (``ZenMLAirflowPlugin``). Every Airflow
process imports this module, so it does nothing at import beyond defining classes: the FastAPI
app, Jinja templates, stores and the auth manager are touched on the first request only
(:class:`LazyApp`). See ``docs/ui.md``.
"""

from __future__ import annotations

import threading
import urllib.parse
from typing import Any

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

from zenml_airflow.core.spec_format import DAG_TAG

MOUNT = "/zenml"


class LazyApp:
    """An ASGI app that builds the real FastAPI app on its first request."""

    def __init__(self) -> None:
        self._app: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    from zenml_airflow.plugin.app import create_app

                    self._app = create_app()
        return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._get()(scope, receive, send)

    def __repr__(self) -> str:
        return "zenml_airflow.plugin.app:create_app"


def step_link(dag_id: str, run_id: str, task_id: str) -> str:
    """Our step page for an Airflow task instance (resolved by the app, then redirected)."""
    query = urllib.parse.urlencode({"dag_id": dag_id, "run_id": run_id, "task_id": task_id})
    return f"{MOUNT}/airflow/task-instance?{query}"


class ZenMLStepLink(BaseOperatorLink):
    """The "zenml-airflow step" extra link, on the tasks of zenml-airflow DAGs only."""

    name = "zenml-airflow step"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        dag = getattr(operator, "dag", None)
        tags = set(getattr(dag, "tags", None) or ())
        if DAG_TAG not in tags:
            return ""  # Airflow shows no link for an empty URL
        return step_link(ti_key.dag_id, ti_key.run_id, ti_key.task_id)


class ZenMLAirflowPlugin(AirflowPlugin):
    """Pages for zenml-airflow pipelines inside the Airflow 3 UI."""

    name = "zenml_airflow"
    fastapi_apps = [{"app": LazyApp(), "url_prefix": MOUNT, "name": "zenml-airflow"}]
    external_views = [
        {
            "name": "zenml-airflow pipelines",
            "href": f"{MOUNT}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "zenml-airflow",
        },
        {
            "name": "zenml-airflow pipeline",
            "href": f"{MOUNT}/airflow/dag?dag_id={{DAG_ID}}",
            "destination": "dag",
            "url_route": "zenml-airflow-pipeline",
        },
        {
            "name": "zenml-airflow run",
            "href": f"{MOUNT}/airflow/dag-run?dag_id={{DAG_ID}}&run_id={{RUN_ID}}",
            "destination": "dag_run",
            "url_route": "zenml-airflow-run",
        },
        {
            "name": "zenml-airflow step",
            "href": f"{MOUNT}/airflow/task-instance?dag_id={{DAG_ID}}&run_id={{RUN_ID}}&task_id={{TASK_ID}}",
            "destination": "task_instance",
            "url_route": "zenml-airflow-step",
        },
    ]
    global_operator_extra_links = [ZenMLStepLink()]


__all__ = ["LazyApp", "ZenMLAirflowPlugin", "ZenMLStepLink", "step_link"]
