"""On a real Airflow 3: a deployed DAG's step with a virtualenv step operator runs in that
environment; a second trigger is served from the cache and starts no interpreter."""

from __future__ import annotations

from pathlib import Path

from tests.airflow.test_airflow_e2e import cli, register_airflow_orchestrator
from tests.step_operators.test_virtualenv import counting_python, starts
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

PIPELINES = Path(__file__).with_name("steps_for_step_operators.py")


def test_a_deployed_step_runs_in_the_virtualenv_and_a_cached_one_starts_nothing(
    local_airflow: LocalAirflow, built_venv: Path, tmp_path: Path
) -> None:
    python, counter = counting_python(tmp_path, built_venv)
    register_airflow_orchestrator(local_airflow)
    cli("artifact-store", "register", "so_art", "--flavor", "local", f"--path={tmp_path / 'art'}")
    cli("metadata-store", "register", "so_meta", "--flavor", "sqlite", f"--uri={tmp_path / 'm.db'}")
    cli("step-operator", "register", "venv", "--flavor", "virtualenv", f"--python={python}")
    cli(
        "stack",
        "register",
        "so",
        "-o",
        "af",
        "-m",
        "so_meta",
        "-a",
        "so_art",
        "-s",
        "venv",
        "--set",
    )

    cli("pipeline", "deploy", f"{PIPELINES}:two_places_pipeline", "--trigger", "--wait")
    run = Repository().get_pipeline("two_places").runs[-1]  # type: ignore[union-attr]
    assert run.orchestrator == "airflow"
    assert run.status is ExecutionStatus.COMPLETED
    assert run.get_step("where").outputs["prefix"].read() == str(built_venv.parent.parent)
    assert run.get_step("where").outputs["six_version"].read() == "1.16.0"
    assert run.get_step("here").outputs["local"].read() != str(built_venv.parent.parent)
    assert starts(counter) == 1

    cli("pipeline", "deploy", f"{PIPELINES}:two_places_pipeline", "--trigger", "--wait")
    cached = Repository().get_pipeline("two_places").runs[-1]  # type: ignore[union-attr]
    assert cached.id != run.id
    assert cached.get_step("where").status is ExecutionStatus.CACHED
    assert starts(counter) == 1  # the task checked the cache itself: no interpreter started
