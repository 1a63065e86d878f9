"""How deploy gets Airflow to parse a file now, and what it does when Airflow cannot import it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.airflow.test_airflow_e2e import PIPELINES, cli, register_airflow_orchestrator
from zenml_airflow.exceptions import PipelineRunError
from zenml_airflow.orchestrators.airflow import AirflowOrchestrator
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.stack.components import AirflowOrchestratorComponent


def orchestrator_for(airflow: LocalAirflow) -> AirflowOrchestrator:
    return AirflowOrchestrator(
        AirflowOrchestratorComponent(
            name="af",
            airflow_home=str(airflow.airflow_home),
            dags_folder=str(airflow.dags_folder),
            api_url=airflow.api_url,
        )
    )


def _parsed_at(dag: dict) -> datetime:  # type: ignore[type-arg]
    return datetime.fromisoformat(dag["last_parsed_time"].replace("Z", "+00:00"))


def test_a_known_file_is_reparsed_through_the_rest_api(local_airflow: LocalAirflow) -> None:
    register_airflow_orchestrator(local_airflow)
    cli("stack", "register", "af_stack", "-o", "af", "-m", "default", "-a", "default", "--set")
    cli("pipeline", "deploy", f"{PIPELINES}:sum_pipeline", "--dag-id", "e2e_reparse")
    orchestrator = orchestrator_for(local_airflow)
    with orchestrator.client() as client:
        before = client.get_dag("e2e_reparse")
        assert before is not None
        asked = datetime.now(UTC)
        orchestrator._request_parse(client, before)
        deadline = time.monotonic() + 60
        while _parsed_at(client.get_dag("e2e_reparse") or before) < asked:
            assert time.monotonic() < deadline, (
                "Airflow did not re-parse the file after the request"
            )
            time.sleep(0.5)


def test_asking_to_parse_is_harmless_without_a_local_airflow(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    component = AirflowOrchestratorComponent(
        name="remote", airflow_home=str(tmp_path / "not-here"), api_url=local_airflow.api_url
    )
    orchestrator = AirflowOrchestrator(component)
    with local_airflow.client() as client:
        orchestrator._request_parse(
            client, None
        )  # no file token, no Airflow home here: nothing to do


def test_a_file_airflow_cannot_import_fails_the_deploy_with_its_error(
    local_airflow: LocalAirflow,
) -> None:
    broken = local_airflow.dags_folder / "zenml_broken_dag.py"
    broken.write_text(
        "from airflow.sdk import DAG\nraise RuntimeError('this dag file is broken on purpose')\n"
    )
    orchestrator = orchestrator_for(local_airflow)
    try:
        with (
            orchestrator.client() as client,
            pytest.raises(
                PipelineRunError,
                match=r"(?s)could not import .*zenml_broken_dag.py.*broken on purpose",
            ),
        ):
            orchestrator.wait_until_parsed(
                client, "zenml_broken_dag", broken, datetime.now(UTC), timeout=90
            )
    finally:
        broken.unlink()
