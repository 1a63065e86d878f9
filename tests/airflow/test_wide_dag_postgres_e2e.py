"""Issue 14, bug 1, end to end: a wide DAG on the real Airflow with its metadata in PostgreSQL.

Each Airflow task is its own process, and every task of a DAG run calls ``get_or_create_run``
for that run when it starts. Eight root steps that Airflow starts together race to create the
one pipeline run; the store must give all of them the same run (it used to check, then insert,
which let a racer fail - see tests/metadata/test_metadata_concurrency.py for the 16-process
version of this without Airflow).

Left alone, the root tasks of a DAG run do run at the same time, but on a small machine they
reach ``get_or_create_run`` hundreds of milliseconds apart (each task process first starts up
and parses the DAG file), and the first has committed the run before the next looks for it: with
the old check-then-insert code, 12 such DAG runs in a row succeeded. So the test holds a gate: for each DAG run it
locks the store's ``pipelines`` table, which ``get_or_create_run`` reads first, until Airflow's
whole first wave of root tasks (its parallelism, 4) waits on that lock, then lets them all go at
once - as tasks started at the same moment on separate workers would arrive. The store's code is
not touched; only the moment the tasks arrive is lined up. With the gate, the old code failed
about one DAG run in three (a root task failing with "Orchestrator run ... is already recorded
as run ..."), so four DAG runs catch it four times in five (each DAG run costs about 11 s of the
suite's budget; tests/metadata/test_metadata_concurrency.py races 16 processes for the run on
every database, without Airflow).

The test asserts that the race really happened (the number of root tasks released together
through the gate, and overlapping task times read back from Airflow's REST API), then that every
DAG run succeeded, every step of every DAG run is recorded exactly once, under exactly one
pipeline run per DAG run, and the join step read all eight values.

Its metadata lives in the end-to-end PostgreSQL database (``ZENML_AIRFLOW_TEST_POSTGRES_E2E_URL``),
emptied and migrated before the DAG runs, so the tasks race for the run, not for the schema.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.airflow.test_airflow_e2e import cli, register_airflow_orchestrator
from tests.airflow.test_backends_e2e import empty_e2e_postgresql
from tests.airflow.wide_pipeline import VALUES, WIDTH
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata.store import SQLMetadataStore
from zenml_airflow.metadata.tables import PIPELINES
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

WIDE = Path(__file__).with_name("wide_pipeline.py")
PIPELINE_NAME = "wide_fanout"
DAG_RUNS = 4
ROOTS = sorted(VALUES)
STEPS = sorted([*ROOTS, "join"])


@pytest.fixture
def e2e_postgresql() -> sa.URL:
    """The end-to-end PostgreSQL database, empty and migrated: the tasks race for the run, not
    for the schema."""
    url = empty_e2e_postgresql()
    store = SQLMetadataStore(url.render_as_string(hide_password=False))
    try:
        store.migrate()
    finally:
        store.close()
    return url


def _gate_and_release(conn: sa.Connection, want: int, timeout: float) -> int:
    """With ``conn`` holding the lock on the pipelines table in an open transaction: wait until
    ``want`` sessions wait for that lock (or ``timeout`` passes), then commit, releasing them all
    at once. Return how many were released together."""
    waiting_query = sa.text(
        "SELECT count(*) FROM pg_locks WHERE relation = CAST(:table AS regclass) AND NOT granted"
    )
    deadline = time.monotonic() + timeout
    waiting = 0
    while time.monotonic() < deadline:
        waiting = int(conn.scalar(waiting_query, {"table": PIPELINES.name}) or 0)
        if waiting >= want:
            break
        time.sleep(0.05)
    conn.commit()
    return waiting


def _max_overlap(instances: list[dict[str, Any]]) -> int:
    """The largest number of the given task instances that were running at the same moment."""
    events: list[tuple[datetime, int]] = []
    for ti in instances:
        start, end = ti.get("start_date"), ti.get("end_date")
        assert start and end, f"task {ti['task_id']} has no start or end time: {ti}"
        events.append((datetime.fromisoformat(start), 1))
        events.append((datetime.fromisoformat(end), -1))
    running = peak = 0
    for _, change in sorted(events):  # at equal times an end (-1) sorts before a start (+1)
        running += change
        peak = max(peak, running)
    return peak


def _failure_logs(client: Any, dag_id: str, run_id: str) -> str:
    logs = []
    for ti in client.task_instances(dag_id, run_id):
        if ti.get("state") == "failed":
            log = client.task_log(
                dag_id, run_id, ti["task_id"], max(int(ti.get("try_number") or 1), 1)
            )
            logs.append(f"--- {ti['task_id']} ({ti.get('state')}):\n{log[-3000:]}")
        else:
            logs.append(f"--- {ti['task_id']} ({ti.get('state')})")
    return "\n".join(logs)


def test_wide_dag_runs_create_one_run_each_in_postgresql(
    local_airflow: LocalAirflow, e2e_postgresql: sa.URL, tmp_path: Path
) -> None:
    assert len(ROOTS) == WIDTH >= 8
    pg = e2e_postgresql
    # The session Airflow runs the tasks; it must be able to run several root tasks at once.
    assert local_airflow.env()["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert int(local_airflow.env()["AIRFLOW__CORE__PARALLELISM"]) >= 4

    register_airflow_orchestrator(local_airflow)
    cli(
        "artifact-store",
        "register",
        "wide_artifacts",
        "--flavor",
        "local",
        f"--path={tmp_path / 'artifacts'}",
    )
    cli(
        "metadata-store",
        "register",
        "wide_pg",
        "--flavor",
        "postgresql",
        f"--host={pg.host}",
        f"--port={pg.port}",
        f"--database={pg.database}",
        f"--username={pg.username}",
        f"--password={pg.password}",
    )
    cli(
        "stack",
        "register",
        "wide_stack",
        "-o",
        "af",
        "-m",
        "wide_pg",
        "-a",
        "wide_artifacts",
        "--set",
    )

    dag_id = f"wide_fanout_{uuid.uuid4().hex[:8]}"
    deployed = cli("pipeline", "deploy", f"{WIDE}:wide_pipeline", "--dag-id", dag_id)
    assert f"Deployed DAG '{dag_id}'" in deployed.stdout

    run_names: dict[str, str] = {}  # Airflow dag_run_id -> zenml run name
    overlaps: dict[str, int] = {}
    released: dict[str, int] = {}  # Airflow dag_run_id -> root tasks let through the gate together
    first_wave = min(WIDTH, int(local_airflow.env()["AIRFLOW__CORE__PARALLELISM"]))
    gate = sa.create_engine(pg, poolclass=sa.pool.NullPool)
    with local_airflow.client() as client, gate.connect() as gate_conn:
        # One DAG run at a time, so all of Airflow's task slots go to that run's roots at once.
        for i in range(DAG_RUNS):
            name = f"{dag_id}-{i}"
            conf = {"zenml_run_name": name, "zenml_enable_cache": False}
            gate_conn.execute(sa.text(f'LOCK TABLE "{PIPELINES.name}" IN ACCESS EXCLUSIVE MODE'))
            try:
                dag_run_id = client.trigger(dag_id, conf=conf)["dag_run_id"]
                released[dag_run_id] = _gate_and_release(gate_conn, first_wave, timeout=45)
            finally:
                gate_conn.rollback()  # released already unless something failed
            final = client.wait_for_dag_run(dag_id, dag_run_id, timeout=120)
            assert final["state"] == "success", (
                f"DAG run {i} ({dag_run_id}) ended {final['state']}:\n{_failure_logs(client, dag_id, dag_run_id)}"
            )
            instances = client.task_instances(dag_id, dag_run_id)
            assert sorted(ti["task_id"] for ti in instances) == STEPS
            # First try each: a retry would hide a task that failed in the race.
            assert {ti["task_id"]: ti["try_number"] for ti in instances} == dict.fromkeys(STEPS, 1)
            overlaps[dag_run_id] = _max_overlap([ti for ti in instances if ti["task_id"] != "join"])
            run_names[dag_run_id] = name

    gate.dispose()
    # Without concurrent root tasks this test would prove nothing.
    assert all(n >= 2 for n in released.values()), f"too few root tasks raced: {released}"
    assert max(released.values()) == first_wave, released
    assert all(peak >= 2 for peak in overlaps.values()), f"root tasks did not overlap: {overlaps}"

    pipeline = Repository().get_pipeline(PIPELINE_NAME)
    assert pipeline is not None
    mine = pipeline.runs  # the database is this test's own: every run in it is one of ours
    # Exactly one pipeline run per DAG run, named as the trigger asked.
    assert sorted(str(run.orchestrator_run_id) for run in mine) == sorted(
        f"{dag_id}/{r}" for r in run_names
    )
    assert {run.orchestrator_run_id: run.name for run in mine} == {
        f"{dag_id}/{r}": name for r, name in run_names.items()
    }
    for run in mine:
        assert run.status is ExecutionStatus.COMPLETED, run.name
        # Every step recorded once: no duplicate step run, none missing.
        assert sorted(step.name for step in run.steps) == STEPS, run.name
        assert all(step.status is ExecutionStatus.COMPLETED for step in run.steps), run.name
        for root in ROOTS:
            assert run.get_step(root).output.read() == VALUES[root], (run.name, root)
        assert run.get_step("join").output.read() == VALUES, run.name
    print(
        "root tasks released together / max running at once, per DAG run:",
        json.dumps({r: [released[r], overlaps[r]] for r in run_names}),
    )
