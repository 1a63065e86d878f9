"""The seed's Airflow pattern on a real Airflow 3: a DAG file in the dags folder whose last line is
``DAG = p.run()``. Parsing it must give the DAG - never run, deploy or wait - on every parse;
running the same file with ``python`` triggers that DAG and waits for it; a schedule passed to
``run()`` stays the DAG's schedule."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.test_airflow_e2e import cli
from tests.seed.test_seed_programs import PROGRAMS, renamed
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_client import AirflowClient
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

DAG_ID = "airflow_mnist"


def airflow_config_dir(airflow: LocalAirflow) -> str:
    """The config directory the running dag-processor reads (it parses the DAG file, so the
    file's `run()` sees that configuration, as a user's own Airflow would see theirs)."""
    pid = airflow._pids()["dag-processor"]
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    values = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
    return values["ZENML_AIRFLOW_CONFIG_DIR"]


@pytest.fixture
def seed_stack(
    local_airflow: LocalAirflow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalAirflow]:
    """An airflow stack, active in the configuration Airflow itself runs with."""
    monkeypatch.setenv("ZENML_AIRFLOW_CONFIG_DIR", airflow_config_dir(local_airflow))
    cli(
        "orchestrator",
        "register",
        "seed_af",
        "--flavor",
        "airflow",
        f"--dags_folder={local_airflow.dags_folder}",
        f"--airflow_home={local_airflow.airflow_home}",
        f"--api_url={local_airflow.api_url}",
    )
    cli(
        "artifact-store",
        "register",
        "seed_artifacts",
        "--flavor",
        "local",
        f"--path={tmp_path / 'artifacts'}",
    )
    cli(
        "metadata-store",
        "register",
        "seed_metadata",
        "--flavor",
        "sqlite",
        f"--uri={tmp_path / 'metadata.db'}",
    )
    cli(
        "stack",
        "register",
        "seed_stack",
        "-o",
        "seed_af",
        "-m",
        "seed_metadata",
        "-a",
        "seed_artifacts",
        "--set",
    )
    written: list[Path] = []
    local_airflow.seed_files = written  # type: ignore[attr-defined]
    try:
        yield local_airflow
    finally:
        for path in written:
            path.unlink(missing_ok=True)
        cli("stack", "set", "default")
        cli("stack", "delete", "seed_stack", "-y", check=False)


def put_in_dags_folder(airflow: LocalAirflow, program: str, as_name: str | None = None) -> Path:
    target = airflow.dags_folder / (as_name or program)
    target.write_text(renamed((PROGRAMS / program).read_text(encoding="utf-8")), encoding="utf-8")
    airflow.seed_files.append(target)  # type: ignore[attr-defined]
    return target


def parsed_at(dag: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(dag["last_parsed_time"].replace("Z", "+00:00"))


def parse_again(client: AirflowClient, timeout: float = 90) -> dict[str, Any]:
    """Have Airflow parse the DAG's file once more; return the DAG as parsed then."""
    before = client.get_dag(DAG_ID)
    assert before is not None
    asked = datetime.now(UTC)
    client.request("PUT", f"/api/v2/parseDagFile/{before['file_token']}", expect=(200, 201))
    deadline = time.monotonic() + timeout
    while True:
        dag = client.get_dag(DAG_ID)
        if dag is not None and parsed_at(dag) >= asked:
            return dag
        assert time.monotonic() < deadline, "Airflow did not parse the file again"
        time.sleep(0.5)


def dag_runs(client: AirflowClient) -> list[dict[str, Any]]:
    return list(client.request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"])


def test_dag_equals_p_run_in_the_dags_folder(seed_stack: LocalAirflow) -> None:
    put_in_dags_folder(seed_stack, "airflow_pipeline.py")
    run_file = put_in_dags_folder(seed_stack, "airflow_run.py")

    # `python run.py`, as the seed's README has users start it: the file is the DAG, so it is
    # triggered and followed, not compiled a second time.
    result = subprocess.run(
        [sys.executable, str(run_file)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Triggered DAG '{DAG_ID}'" in result.stderr
    assert not (seed_stack.dags_folder / f"{DAG_ID}.py").exists(), "compiled a second DAG file"

    runs = Repository().get_pipeline(DAG_ID).runs  # type: ignore[union-attr]
    assert len(runs) == 1 and runs[0].status is ExecutionStatus.COMPLETED
    assert runs[0].orchestrator == "airflow"
    assert runs[0].get_step("evaluator").output.read() > 0.9

    with seed_stack.client() as client:
        assert client.import_errors("airflow_run.py") == []
        for _ in range(3):  # parse after parse: the DAG is there, and nothing starts a run
            dag = parse_again(client)
            assert dag["is_paused"] is False and dag["timetable_summary"] in (None, "None")
        assert len(dag_runs(client)) == 1
    assert len(Repository().get_pipeline(DAG_ID).runs) == 1  # type: ignore[union-attr]

    # The scheduled variant of the same file: Airflow keeps the schedule on every parse.
    run_file.unlink()
    put_in_dags_folder(seed_stack, "airflow_run_schedule.py")
    with seed_stack.client() as client:
        deadline = time.monotonic() + 120  # a new file is found by the next folder scan
        while not str((client.get_dag(DAG_ID) or {}).get("fileloc", "")).endswith(
            "airflow_run_schedule.py"
        ):
            assert time.monotonic() < deadline, "Airflow did not pick up the scheduled DAG file"
            time.sleep(1)
        for _ in range(2):
            dag = parse_again(client)
            assert dag["fileloc"].endswith("airflow_run_schedule.py")
            assert dag["timetable_summary"] not in (None, "None"), dag
        assert len(dag_runs(client)) == 1, "a parse started a run"
    assert not (seed_stack.dags_folder / f"{DAG_ID}.py").exists()
