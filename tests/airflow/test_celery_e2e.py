"""A real Airflow 3 with the CeleryExecutor, as `stack up` starts it: two Celery workers (both on
the ``default`` queue, the second also on ``gpu``), Airflow's database on PostgreSQL and a Redis
broker started by `stack up`. Pipelines use S3 (moto) and PostgreSQL stores, and reach the
workers only through a git DAG bundle: they are deployed from a clone of a bare repository with
`pipeline deploy --commit`, and the workers import the steps from their run's checkout.

- tasks run on both workers, a ``queue="gpu"`` step on the gpu worker, the steps' code from the
  bundle, and the lineage equals that of the same pipeline run in-process;
- 20 concurrent DAG runs of a 5-step pipeline all succeed, with no lost or duplicated rows;
- a worker killed mid-task: Airflow retries the task on the other worker, and the metadata store
  ends with exactly one completed step run and no artifact of the killed try;
- `stack down` stops every process, Redis and the workers included.

One cluster serves the module (starting one costs about 20 s); each test registers its own stack
pointing at it, and the last one stops it through `stack down`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.airflow.test_airflow_e2e import cli
from tests.airflow.test_backends_e2e import empty_e2e_postgresql, required_env
from tests.conftest import free_port
from tests.orchestrators.test_dag_bundle import git, origin_and_clone
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow, _descendants
from zenml_airflow.repository import Repository

pytestmark = pytest.mark.cluster

# steps report the local Celery worker running them (`stack up` sets it in each worker's env)
STEPS = textwrap.dedent(
    '''
    """Steps that say which Celery worker ran them."""

    import os
    import time

    from zenml_airflow.steps import BaseStepConfig, Output, step


    def worker() -> str:
        return os.environ.get("ZENML_AIRFLOW_CELERY_WORKER", "not a local celery worker")


    @step
    def load() -> Output(worker=str, rows=int, module=str):
        return worker(), 100, __file__


    @step(queue="gpu")
    def train(rows: int) -> Output(worker=str, score=float):
        return worker(), rows / 200


    @step
    def report(score: float) -> Output(worker=str, text=str):
        return worker(), f"score {score}"


    class Hop(BaseStepConfig):
        n: int = 0


    @step
    def hop(config: Hop, before: int) -> Output(worker=str, after=int):
        return worker(), before + config.n


    @step
    def start() -> Output(worker=str, after=int):
        return worker(), 0


    class Slow(BaseStepConfig):
        marker: str = ""


    @step(retries=1, retry_delay=1)
    def slow(config: Slow) -> Output(worker=str, done=bool):
        # the first try writes its pid and worker, then waits to be killed with its worker
        if not os.path.exists(config.marker):
            with open(config.marker, "w") as out:
                out.write(f"{os.getpid()} {worker()}")
            time.sleep(600)
        return worker(), True
    '''
)

PIPELINES = textwrap.dedent(
    """
    from steps_celery import Hop, Slow, hop, load, report, slow, start, train
    from zenml_airflow.pipelines import pipeline


    @pipeline
    def celery_spread(load, train, report):
        _, rows, _ = load()
        _, score = train(rows=rows)
        report(score=score)


    @pipeline
    def celery_chain(start, one, two, three, four):
        _, value = start()
        for step in (one, two, three, four):
            _, value = step(before=value)


    @pipeline
    def celery_killed(slow):
        slow()


    spread = celery_spread(load=load(), train=train(), report=report())
    chain = celery_chain(
        start=start(),
        one=hop(config=Hop(n=1)),
        two=hop(config=Hop(n=2)),
        three=hop(config=Hop(n=3)),
        four=hop(config=Hop(n=4)),
    )
    killed = celery_killed(slow=slow(config=Slow(marker=MARKER)))
    """
)


@dataclass
class Cluster:
    local: LocalAirflow
    project: Path
    orchestrator_args: list[str]
    store_args: list[list[str]]

    def use(self) -> None:
        """Register this test's stack on the cluster (each test has its own profile)."""
        cli("orchestrator", "register", "celery_af", "--flavor", "airflow", *self.orchestrator_args)
        for args in self.store_args:
            cli(*args)
        cli(
            "stack", "register", "celery", "-o", "celery_af", "-m", "celery_pg", "-a", "celery_s3",
            "--set",
        )  # fmt: skip

    def client(self) -> Any:
        return self.local.client()


def _empty_airflow_database() -> str:
    """Airflow's own database for these tests (scripts/services.sh creates it), emptied."""
    url = required_env("ZENML_AIRFLOW_TEST_AIRFLOW_DB_URL")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    import boto3

    root = tmp_path_factory.mktemp("celery")
    moto_url = required_env("ZENML_AIRFLOW_TEST_MOTO_URL")
    pg = empty_e2e_postgresql()
    bucket = f"zenml-celery-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3", endpoint_url=moto_url, aws_access_key_id="testing",
        aws_secret_access_key="testing", region_name="us-east-1",
    ).create_bucket(Bucket=bucket)  # fmt: skip
    home = root / "airflow-home"
    api_url = f"http://localhost:{free_port()}"
    database = _empty_airflow_database()
    broker = f"redis://127.0.0.1:{free_port()}/0"
    # a killed worker's task is noticed after 15 s without heartbeats (default 300 s)
    heartbeat = {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "15"}
    # the repository Airflow clones (a bare "remote") and the checkout pipelines deploy from,
    # pushed once so that the bundle has a branch to clone from the start
    origin, checkout = origin_and_clone(
        root, {"dags/.airflowignore": "project/\n", "dags/project/steps_celery.py": STEPS}
    )
    project = checkout / "dags" / "project"
    bundle = {"name": "zenml-celery_af", "repo_url": str(origin), "tracking_ref": "main",
              "subdir": "dags"}  # fmt: skip
    local = LocalAirflow(
        home, home / "dags", api_url=api_url, executor="celery", database_url=database,
        broker_url=broker, workers=("default", "default,gpu"), worker_concurrency=2,
        extra_env=heartbeat, dag_bundle=bundle,
    )  # fmt: skip
    client_kwargs = json.dumps({"endpoint_url": moto_url, "region_name": "us-east-1"})
    cluster = Cluster(
        local,
        project,
        [
            f"--airflow_home={home}", f"--dags_folder={home / 'dags'}", f"--api_url={api_url}",
            "--executor=celery", f"--airflow_database_url={database}",
            f"--celery_broker_url={broker}", "--celery_workers=default;default,gpu",
            f"--dag_bundle_repo={origin}", "--dag_bundle_subdir=dags",
        ],
        [
            [
                "artifact-store", "register", "celery_s3", "--flavor", "s3",
                f"--path=s3://{bucket}/artifacts", "--key=testing", "--secret=testing",
                f"--client_kwargs={client_kwargs}",
            ],
            [
                "metadata-store", "register", "celery_pg", "--flavor", "postgresql",
                f"--host={pg.host}", f"--port={pg.port}", f"--database={pg.database}",
                f"--username={pg.username}", f"--password={pg.password}",
            ],
        ],
    )  # fmt: skip
    local.up(timeout=240)  # as `stack up` does (the first test runs `stack up` on it again)
    try:
        yield cluster
    finally:
        local.stop(timeout=10, force=True)


def _lineage(run: Any) -> list[tuple[str, dict[str, tuple[str, str]], dict[str, str]]]:
    """Per step: where each input came from (step, output) and the content of each output but
    the worker's name and the module's path (which say where it ran)."""
    producers = {
        artifact.id: (step.name, name)
        for step in run.steps
        for name, artifact in step.outputs.items()
    }
    return [
        (
            step.name,
            {name: producers[a.id] for name, a in step.inputs.items()},
            {
                name: a.content_hash
                for name, a in step.outputs.items()
                if name not in ("worker", "module")
            },
        )
        for step in run.steps
    ]


def _pipeline_file(cluster: Cluster, marker: str = "") -> Path:
    source = cluster.project / "celery_pipelines.py"
    source.write_text(f"MARKER = {marker!r}\n" + PIPELINES, encoding="utf-8")
    return source


def test_stack_up_starts_two_workers_and_a_gpu_step_runs_on_the_gpu_worker(
    cluster: Cluster,
) -> None:
    cluster.use()
    before = cluster.local._pids()
    up = cli("stack", "up", "--timeout", "240")  # running already: starts nothing
    assert "2 Celery worker(s) (queues: default; default,gpu)" in up.stdout
    pids = cluster.local._pids()
    assert pids == before
    assert list(pids) == [
        "api-server", "scheduler", "dag-processor", "triggerer", "worker-1", "worker-2", "redis",
    ]  # fmt: skip
    assert all(LocalAirflow._alive(pid) for pid in pids.values())
    assert "worker1@" in (cluster.local.state_dir / "worker-1.log").read_text(errors="replace")

    cli("pipeline", "deploy", f"{_pipeline_file(cluster)}:spread", "--commit", "--trigger",
        "--wait")  # fmt: skip
    run = Repository().get_pipeline("celery_spread").runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.COMPLETED and run.orchestrator == "airflow"
    assert run.get_step("train").outputs["worker"].read() == "worker-2"  # the gpu queue
    assert {run.get_step(s).outputs["worker"].read() for s in ("load", "report")} <= {
        "worker-1",
        "worker-2",
    }
    assert run.get_step("report").outputs["text"].read() == "score 0.5"
    assert run.get_step("train").inputs["rows"].id == run.get_step("load").outputs["rows"].id
    # the workers imported the steps from the run's checkout of the bundle, at its commit
    sha = git(cluster.project.parents[1], "rev-parse", "HEAD")
    assert run.git_sha == sha
    module = run.get_step("load").outputs["module"].read()
    versions = cluster.local.state_dir / "dag-bundles" / "zenml-celery_af" / "versions"
    assert module == str(versions / sha / "dags" / "project" / "steps_celery.py")

    # the same pipeline in this process (local orchestrator, same stores): the same lineage
    cli("stack", "register", "inproc", "-o", "default", "-m", "celery_pg", "-a", "celery_s3",
        "--set")  # fmt: skip
    local_run = subprocess.run(
        [sys.executable, "-c", f"import runpy; runpy.run_path({str(_pipeline_file(cluster))!r})"
         ".get('spread').run(enable_cache=False)"],
        cwd=cluster.project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert local_run.returncode == 0, local_run.stderr
    in_process = Repository().get_pipeline("celery_spread").runs[-1]  # type: ignore[union-attr]
    assert in_process.orchestrator == "local" and in_process.id != run.id
    assert _lineage(in_process) == _lineage(run)


def test_twenty_concurrent_runs_all_succeed_on_both_workers_with_no_lost_or_duplicated_rows(
    cluster: Cluster,
) -> None:
    cluster.use()
    cli("pipeline", "deploy", f"{_pipeline_file(cluster)}:chain", "--commit")
    with cluster.client() as client:
        run_ids = [
            client.trigger("celery_chain", conf={"zenml_enable_cache": False})["dag_run_id"]
            for _ in range(20)
        ]
        states = [
            client.wait_for_dag_run("celery_chain", run_id, timeout=600)["state"]
            for run_id in run_ids
        ]
    assert states == ["success"] * 20
    store = Repository().active_stack.metadata_store.open_store()
    runs = [r for r in store.list_runs("celery_chain") if r.orchestrator_run_id]
    assert sorted(r.orchestrator_run_id.split("/", 1)[1] for r in runs) == sorted(run_ids)  # type: ignore[union-attr]
    workers: set[str] = set()
    for record in runs:
        run = Repository().get_pipeline("celery_chain").get_run(record.name)  # type: ignore[union-attr]
        assert run.status is ExecutionStatus.COMPLETED
        steps = store.list_step_runs(record.id)
        assert sorted(s.name for s in steps) == [
            "four",
            "one",
            "start",
            "three",
            "two",
        ]  # once each
        assert all(s.status is ExecutionStatus.COMPLETED for s in steps)
        assert run.get_step("four").outputs["after"].read() == 10
        workers |= {run.get_step(s.name).outputs["worker"].read() for s in steps}
    assert workers == {"worker-1", "worker-2"}


def test_a_worker_killed_mid_task_is_retried_on_the_other_worker_with_one_completed_run(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.use()
    marker = tmp_path / "first-try"
    cli("pipeline", "deploy", f"{_pipeline_file(cluster, str(marker))}:killed", "--commit")
    with cluster.client() as client:
        run_id = client.trigger("celery_killed")["dag_run_id"]
        deadline = time.monotonic() + 120
        while not marker.exists() or not marker.read_text().strip():
            assert time.monotonic() < deadline, "the first try never started"
            time.sleep(0.5)
        task_pid, killed = marker.read_text().split()
        worker_pid = cluster.local._pids()[killed]
        doomed = {worker_pid, *_descendants([worker_pid])}
        assert int(task_pid) in doomed
        for pid in doomed:  # the worker dies with its task, as a lost host would
            os.kill(pid, signal.SIGKILL)
        final = client.wait_for_dag_run("celery_killed", run_id, timeout=300)
    assert final["state"] == "success"
    run = Repository().get_pipeline("celery_killed").runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.COMPLETED
    survivor = {"worker-1": "worker-2", "worker-2": "worker-1"}[killed]
    assert run.get_step("slow").outputs["worker"].read() == survivor
    # every try in the metadata store (the post-execution API shows the latest)
    from zenml_airflow.metadata.tables import OUTPUTS, STEPS

    engine = sa.create_engine(required_env("ZENML_AIRFLOW_TEST_POSTGRES_E2E_URL"))
    try:
        with engine.connect() as connection:
            tries = connection.execute(
                sa.select(STEPS.c.id, STEPS.c.try_number, STEPS.c.status)
                .where(STEPS.c.run_id == run.id)
                .order_by(STEPS.c.try_number)
            ).all()
            outputs = {
                row.id: connection.execute(
                    sa.select(sa.func.count()).where(OUTPUTS.c.step_run_id == row.id)
                ).scalar_one()
                for row in tries
            }
    finally:
        engine.dispose()
    # the killed try was settled failed when the retry started (ADR 0017); one completed try
    assert [(t.try_number, t.status) for t in tries] == [(1, "failed"), (2, "completed")]
    # the killed try recorded no artifact; the completed one its two outputs
    assert [outputs[t.id] for t in tries] == [0, 2]


def test_stack_down_stops_every_process_of_the_cluster(cluster: Cluster) -> None:
    cluster.use()
    pids = cluster.local._pids()
    started = set(pids.values()) | _descendants(pids.values())
    # --force: Airflow's dag-processor, busy with the git bundle, may take longer than the
    # graceful stop's 30 s to exit; what is left then is killed, with everything it started
    down = cli("stack", "down", "--force", "--timeout", "30")
    assert down.stdout.startswith("Stopped api-server, scheduler, dag-processor, triggerer")
    assert "redis" in down.stdout
    assert [pid for pid in started if LocalAirflow._alive(pid)] == []
    assert list(cluster.local.state_dir.glob("*.pid")) == []
