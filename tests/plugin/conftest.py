"""A metadata store with one local run and Airflow-made runs of two DAGs, and app factories."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import HTTPException, Request
from fastapi.testclient import TestClient

from zenml_airflow.artifacts.store import ArtifactStore
from zenml_airflow.metadata.store import SQLMetadataStore
from zenml_airflow.plugin.access import Viewer
from zenml_airflow.plugin.app import create_app
from zenml_airflow.plugin.stores import Catalog, StaticCatalog, StoreHandle, ZenDag

KEY = "abc123"
DAG_A, DAG_B = "ui_dag_a", "ui_dag_b"
RUN_ID = "manual__2026-01-01T00:00:00+00:00"


@dataclass
class Seeded:
    root: Path
    metadata_url: str
    artifact_root: str
    local_run: str
    store: SQLMetadataStore

    def catalog(self) -> Catalog:
        handle = StoreHandle(
            KEY, "sqlite:///metadata.db", self.store, ArtifactStore(self.artifact_root)
        )
        dags = {
            DAG_A: ZenDag(DAG_A, "ui_pipeline", KEY),
            DAG_B: ZenDag(DAG_B, "ui_pipeline", KEY),
            "broken_dag": ZenDag("broken_dag", None, None, "its source has no zenml-airflow SPEC"),
        }
        return Catalog({KEY: handle}, dags, frozenset())


def _run_as_airflow(dag_id: str, rows: int) -> None:
    from tests.plugin.ui_pipeline import build
    from zenml_airflow.compiler.compile import build_spec
    from zenml_airflow.repository import Repository
    from zenml_airflow.runtime.execute import execute_step_task

    spec, _ = build_spec(build(rows), stack=Repository().active_stack, dag_id=dag_id)
    for step in spec.steps:
        ti = SimpleNamespace(dag_id=dag_id, task_id=step.name, try_number=1)
        context = {"ti": ti, "run_id": RUN_ID, "dag_run": SimpleNamespace(conf={}), "params": {}}
        execute_step_task(spec, step.name, context)


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """One local run and one Airflow-made run for each of two DAGs, in one store.

    DAG A's run is the local run again, so its steps are cached and reuse the local run's
    artifacts; DAG B's run has other parameters, so it makes artifacts of its own.
    """
    root = tmp_path_factory.mktemp("ui-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(root / "config"))
        mp.chdir(root)
        mp.setattr(os, "environ", os.environ.copy())  # the runtime sets a guard variable
        from tests.plugin.ui_pipeline import build
        from zenml_airflow.repository import Repository

        build().run(run_name="local-run")
        _run_as_airflow(DAG_A, 30)
        _run_as_airflow(DAG_B, 40)
        stack = Repository().active_stack
        url, artifacts = stack.metadata_store.url, stack.artifact_store.path
    store = SQLMetadataStore(url)
    yield Seeded(root, url, artifacts, "local-run", store)
    store.close()


def viewer_for(name: str) -> Viewer:
    """Test users: admin reads every DAG, alice only DAG A, bob none."""
    return {
        "admin": Viewer("admin", frozenset(), True),
        "alice": Viewer("alice", frozenset({DAG_A}), False),
        "bob": Viewer("bob", frozenset(), False),
    }[name]


def fake_user(request: Request) -> str:
    """Authenticates by an ``X-Test-User`` header (401 without one), standing in for get_user."""
    user = request.headers.get("X-Test-User")
    if user is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return user


@pytest.fixture
def make_client(seeded: Seeded) -> Callable[..., TestClient]:
    def make(user: str | None = "admin", root_path: str = "/zenml") -> TestClient:
        app = create_app(
            StaticCatalog(seeded.catalog()), user_dependency=fake_user, access=viewer_for
        )
        headers = {"X-Test-User": user} if user else {}
        return TestClient(app, headers=headers, root_path=root_path, follow_redirects=False)

    return make


@pytest.fixture
def admin(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client("admin")


def ids(seeded: Seeded) -> dict[str, Any]:
    """Run, step and artifact ids of the seeded store by (run kind, step, output)."""
    found: dict[str, Any] = {}
    store = seeded.store
    for run in store.list_runs("ui_pipeline"):
        kind = run.orchestrator_run_id.split("/")[0] if run.orchestrator_run_id else "local"
        found[kind] = run.id
        for step in store.list_step_runs(run.id):
            found[(kind, step.name)] = step.id
            _, outputs = store.get_step_io(step.id)
            for name, artifact in outputs.items():
                found[(kind, step.name, name)] = artifact.id
    return found
