"""A step task killed with kill -9 on a real Airflow 3 (issue 14, bug 4).

Airflow fails the task; the step run it left RUNNING in the metadata store is then recorded as
failed by the DAG's failure callback (run by the dag-processor), or - when the task is retried -
by the next try as it starts. Both are read back with plain SQL, so nothing but the callback and
the retry can have settled them.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.airflow.test_airflow_e2e import airflow_stack, cli  # noqa: F401 - the fixture
from zenml_airflow.orchestrators.airflow_local import LocalAirflow

SOURCE = """
    import os, time
    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import step

    MARKERS = {markers!r}

    @step
    def first() -> int:
        return 1

    @step(retries={retries}, retry_delay=1)
    def slow(x: int) -> int:
        marker = os.path.join(MARKERS, "slow.pid")
        if not os.path.exists(marker):  # only the first try waits to be killed
            with open(marker + ".tmp", "w") as out:
                out.write(str(os.getpid()))
            os.rename(marker + ".tmp", marker)
            time.sleep(600)
        return x + 1

    @pipeline
    def {name}(first, slow):
        slow(first())

    p = {name}(first=first(), slow=slow())
"""


pytestmark = pytest.mark.usefixtures("airflow_stack")  # an active stack on the session's Airflow
METADATA_DB = "af-metadata.db"  # the airflow_stack fixture's metadata store, in tmp_path


def _steps(db: Path, dag_id: str) -> list[dict[str, Any]]:
    """Every step run of the DAG's runs, read with plain SQL (no read that settles anything)."""
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            rows = (
                conn.execute(
                    sa.text(
                        "SELECT s.name, s.try_number, s.status, s.error, s.runner_pid FROM step_runs s "
                        "JOIN pipeline_runs r ON r.id = s.run_id WHERE r.orchestrator_run_id LIKE :dag "
                        "ORDER BY s.name, s.try_number"
                    ),
                    {"dag": f"{dag_id}/%"},
                )
                .mappings()
                .all()
            )
    finally:
        engine.dispose()
    return [dict(row) for row in rows]


def _deploy_and_kill(
    local_airflow: LocalAirflow, tmp_path: Path, name: str, retries: int
) -> tuple[str, int]:
    markers = tmp_path / "markers"
    markers.mkdir()
    source = tmp_path / f"{name}.py"
    source.write_text(
        textwrap.dedent(SOURCE.format(markers=str(markers), retries=retries, name=name))
    )
    cli("pipeline", "deploy", f"{source}:p")
    with local_airflow.client() as client:
        dag_run_id = client.trigger(name)["dag_run_id"]
    marker = markers / "slow.pid"
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert time.monotonic() < deadline, "the slow task never started"
        time.sleep(0.5)
    pid = int(marker.read_text())
    running = _steps(tmp_path / METADATA_DB, name)
    assert [(s["name"], s["status"], s["runner_pid"]) for s in running if s["name"] == "slow"] == [
        ("slow", "running", pid)
    ], "the step run records the task process that runs it"
    os.kill(pid, signal.SIGKILL)
    return dag_run_id, pid


def test_a_killed_task_fails_its_step_run_through_the_dag_failure_callback(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    name = "killed_task_pipeline"
    dag_run_id, pid = _deploy_and_kill(local_airflow, tmp_path, name, retries=0)
    with local_airflow.client() as client:
        assert client.wait_for_dag_run(name, dag_run_id, timeout=300)["state"] == "failed"
    deadline = time.monotonic() + 120
    while (slow := [s for s in _steps(tmp_path / METADATA_DB, name) if s["name"] == "slow"])[0][
        "status"
    ] == "running":
        assert time.monotonic() < deadline, (
            "the DAG's failure callback never recorded the step as failed"
        )
        time.sleep(1)
    assert slow[0]["status"] == "failed" and slow[0]["runner_pid"] == pid
    assert f"The Airflow DAG run {name}/{dag_run_id} ended" in slow[0]["error"]
    assert [s["status"] for s in _steps(tmp_path / METADATA_DB, name) if s["name"] == "first"] == [
        "completed"
    ]


def test_a_retry_of_a_killed_task_fails_the_try_it_replaces(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    name = "killed_retried_pipeline"
    dag_run_id, pid = _deploy_and_kill(local_airflow, tmp_path, name, retries=1)
    with local_airflow.client() as client:
        assert client.wait_for_dag_run(name, dag_run_id, timeout=300)["state"] == "success"
    tries = [s for s in _steps(tmp_path / METADATA_DB, name) if s["name"] == "slow"]
    assert [(s["try_number"], s["status"]) for s in tries] == [(1, "failed"), (2, "completed")]
    assert tries[0]["runner_pid"] == pid and "try 2 started after it" in tries[0]["error"]
