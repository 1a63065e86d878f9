"""What ``stack up`` configures for the CeleryExecutor, and what it refuses before starting
anything (the running cluster is tested in tests/airflow/test_celery_e2e.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zenml_airflow.orchestrators.airflow_local import LocalAirflow, LocalAirflowError
from zenml_airflow.stack.components import AirflowOrchestratorComponent

DB = "postgresql+psycopg://airflow:pw@127.0.0.1:5432/airflow"


def celery(tmp_path: Path, **overrides: object) -> LocalAirflow:
    settings: dict[str, object] = {
        "api_url": "http://localhost:8099",
        "executor": "celery",
        "database_url": DB,
        "broker_url": "redis://127.0.0.1:6399/0",
        "workers": ("default", "default,gpu"),
        "worker_concurrency": 3,
        **overrides,
    }
    return LocalAirflow(tmp_path / "home", tmp_path / "dags", **settings)  # type: ignore[arg-type]


def test_the_environment_runs_celery_on_the_shared_database(tmp_path: Path) -> None:
    env = celery(tmp_path).env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == DB
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] == DB  # not a derived asyncpg URL
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6399/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + DB
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8099/execution/"
    local = LocalAirflow(tmp_path / "home", tmp_path / "dags").env()
    assert local["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert "AIRFLOW__CELERY__BROKER_URL" not in local
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in local


def test_one_worker_per_entry_with_its_hostname_queues_and_no_log_server(tmp_path: Path) -> None:
    components = celery(tmp_path).components()
    assert list(components)[:4] == ["api-server", "scheduler", "dag-processor", "triggerer"]
    assert components["worker-1"] == [
        "celery", "worker", "--celery-hostname", "worker1@%h", "--queues", "default",
        "--concurrency", "3", "--skip-serve-logs",
    ]  # fmt: skip
    assert components["worker-2"][components["worker-2"].index("--queues") + 1] == "default,gpu"
    assert "worker-1" not in LocalAirflow(tmp_path / "h", tmp_path / "d").components()


def test_the_orchestrator_component_configures_its_local_airflow(tmp_path: Path) -> None:
    from zenml_airflow.orchestrators.airflow import AirflowOrchestrator

    component = AirflowOrchestratorComponent.from_config(
        "af",
        {
            "airflow_home": str(tmp_path / "home"),
            "executor": "celery",
            "airflow_database_url": DB,
            "celery_broker_url": "redis://127.0.0.1:6390/1",
            "celery_workers": "default; gpu ,tpu",
            "celery_concurrency": 4,
        },
    )
    local = AirflowOrchestrator(component).local_airflow()
    assert (local.executor, local.database_url, local.broker_url) == (
        "celery",
        DB,
        "redis://127.0.0.1:6390/1",
    )
    assert local.workers == ("default", "gpu,tpu") and local.worker_concurrency == 4
    assert component.masked_config()["airflow_database_url"] == "********"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"airflow_database_url": "sqlite:////tmp/a.db"}, "'sqlite' is not a database"),
        ({"celery_workers": "default;;gpu"}, "give each Celery worker at least one queue"),
        ({"celery_concurrency": 0}, "celery_concurrency must be at least 1"),
    ],
)
def test_bad_celery_settings_are_refused(config: dict[str, object], message: str) -> None:
    from zenml_airflow.exceptions import StackError

    with pytest.raises(StackError, match=message):
        AirflowOrchestratorComponent.from_config("af", config)


def test_celery_without_a_database_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    airflow = celery(tmp_path, database_url=None)
    with pytest.raises(LocalAirflowError, match="needs a database its workers share"):
        airflow.up(timeout=5)
    assert not airflow.airflow_home.exists()


def test_a_broker_elsewhere_is_never_started_here(tmp_path: Path) -> None:
    airflow = celery(tmp_path, broker_url="redis://broker.example.com:6379/0")
    airflow.prepare_state_dir()
    airflow._start_redis()  # nothing to start: not this machine's loopback
    assert "redis" not in airflow.running_components()


def test_a_loopback_broker_that_answers_is_used_as_it_is(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        airflow = celery(tmp_path, broker_url=f"redis://127.0.0.1:{port}/0")
        airflow.prepare_state_dir()
        airflow._start_redis()
        assert "redis" not in airflow.running_components()


def test_a_missing_loopback_broker_is_started_and_stopped_with_the_rest(tmp_path: Path) -> None:
    import shutil

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: scripts/services.sh up installs it")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    airflow = celery(tmp_path, broker_url=f"redis://127.0.0.1:{port}/0")
    airflow.prepare_state_dir()
    airflow._start_redis()
    try:
        assert airflow.running_components() == ["redis"]
        pong = subprocess.run(
            [sys.executable, "-c", f"import redis; print(redis.Redis(port={port}).ping())"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert pong.strip() == "True"
    finally:
        result = airflow.stop(timeout=10)
    assert result.stopped == ["redis"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("redis still answers after stop")


def test_components_are_listed_in_start_order_with_leftovers_of_another_configuration(
    tmp_path: Path,
) -> None:
    airflow = celery(tmp_path)
    airflow.prepare_state_dir()
    names = ["worker-3", "triggerer", "api-server", "redis", "worker-2", "scheduler", "worker-1"]
    for name in [*names, "dag-processor"]:
        (airflow.state_dir / f"{name}.pid").write_text("1")
    # `stack down` reports (and stops) them in this order; worker-3 was started by an `up`
    # with three workers and is still stopped
    assert list(airflow._pids()) == [
        "api-server", "scheduler", "dag-processor", "triggerer",
        "worker-1", "worker-2", "redis", "worker-3",
    ]  # fmt: skip


def test_a_missing_provider_or_program_is_refused_before_anything_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_airflow.orchestrators import airflow_local

    monkeypatch.setattr(airflow_local, "_importable", lambda module: False)
    airflow = celery(tmp_path)
    with pytest.raises(LocalAirflowError, match=r"pip install 'zenml-airflow\[celery\]'"):
        airflow.up(timeout=5)
    bundled = LocalAirflow(
        tmp_path / "home",
        tmp_path / "dags",
        dag_bundle={"name": "b", "repo_url": "/r", "tracking_ref": "main", "subdir": "dags"},
    )
    with pytest.raises(LocalAirflowError, match=r"pip install 'zenml-airflow\[git\]'"):
        bundled.up(timeout=5)
    monkeypatch.setattr(airflow_local, "_importable", lambda module: True)
    monkeypatch.setattr(airflow_local.shutil, "which", lambda name: None)
    with pytest.raises(LocalAirflowError, match="needs the git program"):
        bundled.up(timeout=5)
    assert not (tmp_path / "home").exists()


def test_a_missing_redis_server_is_refused_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_airflow.orchestrators import airflow_local

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    airflow = celery(tmp_path, broker_url=f"redis://127.0.0.1:{port}/0")
    airflow.prepare_state_dir()
    monkeypatch.setattr(airflow_local.shutil, "which", lambda name: None)
    with pytest.raises(LocalAirflowError, match=r"redis-server is not installed.*apt-get install"):
        airflow._start_redis()
    assert airflow.running_components() == []
