"""`stack up` with the CeleryExecutor: a real Airflow 3 with two Celery workers (one serving the
``gpu`` queue), Airflow's database on PostgreSQL and a Redis broker started by `stack up`; a
pipeline with S3 (moto) and PostgreSQL stores runs with its tasks on both workers and its
``queue="gpu"`` step on the gpu worker; `stack down` stops every process, Redis and workers too.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.airflow.test_airflow_e2e import cli
from tests.airflow.test_backends_e2e import empty_e2e_postgresql, required_env
from tests.conftest import free_port
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

PIPELINE_NAME = "celery_spread"

PIPELINE = textwrap.dedent(
    f'''
    """Steps that say which Celery worker ran them."""

    import os

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import Output, step


    def worker() -> str:
        return os.environ.get("ZENML_AIRFLOW_CELERY_WORKER", "not a local celery worker")


    @step
    def load() -> Output(worker=str, rows=int):
        return worker(), 100


    @step(queue="gpu")
    def train(rows: int) -> Output(worker=str, score=float):
        return worker(), rows / 200


    @step
    def report(score: float) -> Output(worker=str, text=str):
        return worker(), f"score {{score}}"


    @pipeline
    def {PIPELINE_NAME}(load, train, report):
        _, rows = load()
        _, score = train(rows=rows)
        report(score=score)


    p = {PIPELINE_NAME}(load=load(), train=train(), report=report())
    '''
)


def _empty_airflow_database() -> str:
    """Airflow's own database for this test (scripts/services.sh creates it), emptied."""
    url = required_env("ZENML_AIRFLOW_TEST_AIRFLOW_DB_URL")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def celery_stack(tmp_path: Path) -> Iterator[Path]:
    """An active stack: a celery airflow orchestrator (not started), S3 and PostgreSQL stores.
    Yields Airflow's home; afterwards `stack down` (also when the test failed)."""
    import boto3

    moto_url = required_env("ZENML_AIRFLOW_TEST_MOTO_URL")
    pg = empty_e2e_postgresql()
    bucket = f"zenml-celery-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3",
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    home = tmp_path / "airflow-home"
    cli(
        "orchestrator", "register", "celery_af", "--flavor", "airflow",
        f"--airflow_home={home}", f"--dags_folder={home / 'dags'}",
        f"--api_url=http://localhost:{free_port()}",
        "--executor=celery",
        f"--airflow_database_url={_empty_airflow_database()}",
        f"--celery_broker_url=redis://127.0.0.1:{free_port()}/0",
        "--celery_workers=default;gpu",
        "--celery_concurrency=2",
    )  # fmt: skip
    client_kwargs = json.dumps({"endpoint_url": moto_url, "region_name": "us-east-1"})
    cli(
        "artifact-store", "register", "celery_s3", "--flavor", "s3",
        f"--path=s3://{bucket}/artifacts", "--key=testing", "--secret=testing",
        f"--client_kwargs={client_kwargs}",
    )  # fmt: skip
    cli(
        "metadata-store", "register", "celery_pg", "--flavor", "postgresql",
        f"--host={pg.host}", f"--port={pg.port}", f"--database={pg.database}",
        f"--username={pg.username}", f"--password={pg.password}",
    )  # fmt: skip
    cli("stack", "register", "celery", "-o", "celery_af", "-m", "celery_pg", "-a", "celery_s3",
        "--set")  # fmt: skip
    try:
        yield home
    finally:
        cli("stack", "down", "--force", check=False)


def _alive(pid: int) -> bool:
    # a process nobody reaped yet (where PID 1 does not reap) counts as gone, as for `stack down`
    return LocalAirflow._alive(pid)


def test_stack_up_runs_a_pipeline_on_two_celery_workers_and_stack_down_stops_all(
    celery_stack: Path, tmp_path: Path
) -> None:
    up = cli("stack", "up", "--timeout", "240")
    assert "2 Celery worker(s) (queues: default; gpu)" in up.stdout
    state = celery_stack / "zenml-airflow"
    pids = {path.stem: int(path.read_text()) for path in state.glob("*.pid")}
    assert set(pids) == {
        "api-server", "scheduler", "dag-processor", "triggerer", "worker-1", "worker-2", "redis",
    }  # fmt: skip
    assert all(_alive(pid) for pid in pids.values())
    cfg_env = (state / "worker-1.log").read_text(errors="replace")
    assert "worker1@" in cfg_env  # its own celery hostname

    source = tmp_path / "spread.py"
    source.write_text(PIPELINE, encoding="utf-8")
    cli("pipeline", "deploy", f"{source}:p", "--trigger", "--wait")

    run = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.COMPLETED
    assert run.orchestrator == "airflow"
    workers = {
        name: run.get_step(name).outputs["worker"].read() for name in ("load", "train", "report")
    }
    assert workers == {"load": "worker-1", "train": "worker-2", "report": "worker-1"}
    assert run.get_step("report").outputs["text"].read() == "score 0.5"
    assert run.get_step("train").inputs["rows"].id == run.get_step("load").outputs["rows"].id

    down = cli("stack", "down")
    assert "worker-1" in down.stdout and "redis" in down.stdout
    assert not any(_alive(pid) for pid in pids.values())
    assert list(state.glob("*.pid")) == []
