"""End to end on a real Airflow 3: deploy from the CLI, trigger through the REST API, read lineage back.

One local Airflow (started by the session fixture) serves every test here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

PIPELINES = Path(__file__).with_name("e2e_pipeline.py")
CLI = str(Path(sys.executable).with_name("zenml-airflow"))


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [CLI, *args], capture_output=True, text=True, check=False, env=os.environ.copy()
    )
    if check:
        assert result.returncode == 0, (
            f"zenml-airflow {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def register_airflow_orchestrator(airflow: LocalAirflow) -> None:
    """Register orchestrator 'af': the session's local Airflow (dags folder, home, REST API)."""
    cli(
        "orchestrator",
        "register",
        "af",
        "--flavor",
        "airflow",
        f"--dags_folder={airflow.dags_folder}",
        f"--airflow_home={airflow.airflow_home}",
        f"--api_url={airflow.api_url}",
    )


@pytest.fixture
def airflow_stack(local_airflow: LocalAirflow, tmp_path: Path) -> LocalAirflow:
    """An active stack whose orchestrator is the session's Airflow, with its own fresh stores."""
    register_airflow_orchestrator(local_airflow)
    cli(
        "artifact-store",
        "register",
        "af_artifacts",
        "--flavor",
        "local",
        f"--path={tmp_path / 'af-artifacts'}",
    )
    cli(
        "metadata-store",
        "register",
        "af_metadata",
        "--flavor",
        "sqlite",
        f"--uri={tmp_path / 'af-metadata.db'}",
    )
    cli(
        "stack",
        "register",
        "af_stack",
        "-o",
        "af",
        "-m",
        "af_metadata",
        "-a",
        "af_artifacts",
        "--set",
    )
    return local_airflow


def _outputs(run) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {step.name: {n: a.content_hash for n, a in step.outputs.items()} for step in run.steps}


def test_deployed_dag_runs_like_a_local_run_and_is_cached_the_second_time(
    airflow_stack: LocalAirflow,
) -> None:
    # The same pipeline, locally, on the default stack: the reference.
    cli("stack", "set", "default")
    sys.path.insert(0, str(PIPELINES.parent))
    try:
        import e2e_pipeline  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    local = e2e_pipeline.e2e_sum(produce=e2e_pipeline.produce(), total=e2e_pipeline.total()).run()
    cli("stack", "set", "af_stack")

    deployed = cli("pipeline", "deploy", f"{PIPELINES}:sum_pipeline")
    assert "Deployed DAG 'e2e_sum'" in deployed.stdout
    dag_file = airflow_stack.dags_folder / "e2e_sum.py"
    assert dag_file.is_file()

    with airflow_stack.client() as client:
        dag = client.get_dag("e2e_sum")
        assert dag is not None and dag["is_paused"] is False
        orchestrator_run = client.trigger("e2e_sum")
        final = client.wait_for_dag_run("e2e_sum", orchestrator_run["dag_run_id"], timeout=300)
        assert final["state"] == "success"
        events = client.request(
            "GET",
            "/api/v2/assets/events",
            params={"source_dag_id": "e2e_sum", "source_run_id": final["dag_run_id"]},
        )

    pipeline = Repository().get_pipeline("e2e_sum")
    assert pipeline is not None
    run = pipeline.runs[-1]
    assert run.orchestrator == "airflow"
    assert run.orchestrator_run_id == f"e2e_sum/{final['dag_run_id']}"
    assert run.status is ExecutionStatus.COMPLETED
    assert [s.name for s in run.steps] == [s.name for s in local.steps]
    assert [s.parameters for s in run.steps] == [s.parameters for s in local.steps]
    assert all(s.status is ExecutionStatus.COMPLETED for s in run.steps)
    assert _outputs(run) == _outputs(local), "same artifact contents as the local run"
    assert run.get_step("total").output.read() == {"label": "3 numbers", "sum": 3}

    # Every artifact became an Airflow Asset event carrying its uri and content hash.
    extras = [e["extra"] for e in events["asset_events"]]
    assert {x["artifact_uri"] for x in extras} == {
        a.uri for s in run.steps for a in s.outputs.values()
    }
    assert all(len(x["content_hash"]) == 64 for x in extras)

    # A second trigger is served from the cache.
    with airflow_stack.client() as client:
        second = client.trigger("e2e_sum")
        assert (
            client.wait_for_dag_run("e2e_sum", second["dag_run_id"], timeout=300)["state"]
            == "success"
        )
    cached = Repository().get_pipeline("e2e_sum").runs[-1]
    assert cached.orchestrator_run_id == f"e2e_sum/{second['dag_run_id']}"
    assert all(s.status is ExecutionStatus.CACHED for s in cached.steps)
    assert _outputs(cached) == _outputs(run)


def test_trigger_parameters_and_run_options_from_the_run_conf(airflow_stack: LocalAirflow) -> None:
    cli(
        "pipeline",
        "deploy",
        f"{PIPELINES}:sum_pipeline",
        "--trigger",
        "--wait",
        "--conf",
        '{"produce.amount": 5, "zenml_run_name": "five-numbers"}',
    )
    run = Repository().get_pipeline("e2e_sum").get_run("five-numbers")
    assert run.status is ExecutionStatus.COMPLETED
    assert run.get_step("produce").parameters == {"amount": 5}
    assert run.get_step("total").output.read() == {"label": "5 numbers", "sum": 10}

    # Airflow validates trigger parameters against the compiled types before it starts a run.
    bad = cli(
        "pipeline",
        "deploy",
        f"{PIPELINES}:sum_pipeline",
        "--trigger",
        "--wait",
        "--conf",
        '{"produce.amount": "many"}',
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: ")
    assert "produce.amount" in bad.stderr and "many" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_failing_step_fails_its_task_with_the_error_in_the_log(
    airflow_stack: LocalAirflow,
) -> None:
    result = cli(
        "pipeline", "deploy", f"{PIPELINES}:failing_pipeline", "--trigger", "--wait", check=False
    )
    assert result.returncode == 1
    assert "task 'explode' failed" in result.stderr
    assert "exploding on purpose with 3 numbers" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[0]

    run = Repository().get_pipeline("e2e_failing").runs[-1]
    assert run.status is ExecutionStatus.FAILED
    failed = run.get_step("explode")
    assert failed.status is ExecutionStatus.FAILED
    assert failed.outputs == {}
    assert "exploding on purpose" in (failed.error or "")
    # nothing of the failing step was left in the artifact store
    store_root = Path(Repository().active_stack.artifact_store.path)
    assert not (store_root / "e2e_failing" / "explode").exists() or not any(
        (store_root / "e2e_failing" / "explode").rglob("*.json")
    )


def test_scheduled_dag_has_airflows_timetable_dates_and_catchup(
    airflow_stack: LocalAirflow,
) -> None:
    cli(
        "pipeline",
        "deploy",
        f"{PIPELINES}:sum_pipeline",
        "--dag-id",
        "e2e_sum_nightly",
        "--cron",
        "30 2 * * *",
        "--timezone",
        "Europe/Berlin",
        "--start-time",
        "2030-01-01T00:00:00",
        "--end-time",
        "2031-01-01T00:00:00",
        "--no-catchup",
    )
    with airflow_stack.client() as client:
        dag = client.get_dag("e2e_sum_nightly")
    assert dag is not None
    assert "30 2 * * *" in (dag["timetable_summary"] or "")
    assert dag["timetable_description"]
    assert datetime.fromisoformat(dag["start_date"].replace("Z", "+00:00")) == datetime(
        2029, 12, 31, 23, 0, tzinfo=UTC
    )
    assert datetime.fromisoformat(dag["end_date"].replace("Z", "+00:00")) == datetime(
        2030, 12, 31, 23, 0, tzinfo=UTC
    )
    assert dag["catchup"] is False
    assert dag["next_dagrun_logical_date"] is None or dag["next_dagrun_logical_date"].startswith(
        "2030-01-01"
    )


def test_p_run_on_the_airflow_orchestrator_deploys_triggers_and_waits(
    airflow_stack: LocalAirflow,
) -> None:
    sys.path.insert(0, str(PIPELINES.parent))
    try:
        import e2e_pipeline
    finally:
        sys.path.pop(0)
    run = e2e_pipeline.e2e_sum(
        produce=e2e_pipeline.produce(config=e2e_pipeline.ProduceConfig(amount=4)),
        total=e2e_pipeline.total(),
    ).run(run_name="p-run-on-airflow")
    assert run is not None
    assert run.name == "p-run-on-airflow"
    assert run.orchestrator == "airflow"
    assert run.status is ExecutionStatus.COMPLETED
    assert run.get_step("total").output.read() == {"label": "4 numbers", "sum": 6}


def test_a_retried_task_registers_only_its_successful_try(
    airflow_stack: LocalAirflow, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    sys.path.insert(0, str(PIPELINES.parent))
    try:
        import e2e_pipeline
    finally:
        sys.path.pop(0)
    marker = tmp_path / "flaky-marker"
    run = e2e_pipeline.retry_pipeline(str(marker)).run(run_name="retried")
    assert marker.read_text() == "first try", "the first try really failed"
    assert run.status is ExecutionStatus.COMPLETED
    step = run.get_step("flaky")
    assert step.try_number == 2 and step.status is ExecutionStatus.COMPLETED
    assert step.output.read() == str(marker)

    stack = Repository().active_stack
    engine = sa.create_engine(f"sqlite:///{stack.metadata_store.uri}")
    with engine.connect() as connection:
        tries = connection.execute(
            sa.text(
                "SELECT try_number, status, error FROM step_runs WHERE name = 'flaky' ORDER BY try_number"
            )
        ).all()
    engine.dispose()
    assert [(t[0], t[1]) for t in tries] == [(1, "failed"), (2, "completed")]
    assert "disk filled up halfway" in tries[0][2]
    # The first try's half-written directory is gone: only the registered artifact remains.
    output_dir = Path(stack.artifact_store.path) / "e2e_retry" / "flaky" / "output"
    assert [p.name for p in output_dir.iterdir()] == [Path(step.output.uri).name]


def test_stack_up_and_down_from_the_cli(tmp_path: Path) -> None:
    from tests.airflow.conftest import free_port

    home = tmp_path / "airflow"
    port = free_port()
    cli(
        "orchestrator",
        "register",
        "mine",
        "--flavor",
        "airflow",
        f"--airflow_home={home}",
        f"--api_url=http://localhost:{port}",
    )
    cli("stack", "register", "mine", "-o", "mine", "-m", "default", "-a", "default", "--set")
    try:
        up = cli("stack", "up")
        assert "Airflow is up after" in up.stdout and f"http://localhost:{port}" in up.stdout
        password = (home / "simple_auth_manager_passwords.json.generated").read_text()
        assert "Log in as 'admin' with password '" in up.stdout
        assert up.stdout.split("password '", 1)[1].split("'", 1)[0] in password
        pids = sorted((home / "zenml-airflow").glob("*.pid"))
        assert [p.stem for p in pids] == ["api-server", "dag-processor", "scheduler", "triggerer"]
        again = cli("stack", "up")  # idempotent: nothing new is started
        assert sorted((home / "zenml-airflow").glob("*.pid")) == pids
        assert "Airflow is up" in again.stdout
    finally:
        down = cli("stack", "down")
    assert "Stopped api-server, scheduler, dag-processor, triggerer." in down.stdout
    assert not list((home / "zenml-airflow").glob("*.pid"))
    assert cli("stack", "down").stdout.strip() == "No local Airflow was running for this stack."


def test_airflow_commands_refuse_a_stack_without_an_airflow_orchestrator() -> None:
    result = cli("stack", "up", check=False)
    assert result.returncode == 1
    assert "uses the 'local' orchestrator, which does not deploy DAGs" in result.stderr
    result = cli("pipeline", "deploy", f"{PIPELINES}:sum_pipeline", check=False)
    assert result.returncode == 1 and "Register an airflow orchestrator" in result.stderr
