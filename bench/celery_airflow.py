"""Area 9: a CeleryExecutor Airflow with two workers (issue 18), as `stack up` starts it
(zenml_airflow.orchestrators.airflow_local.LocalAirflow: Redis broker started for it, Airflow's
database on the PostgreSQL of scripts/services.sh, both workers on the ``default`` queue, two
task slots each).

- Trigger to success of a compiled 4-step zenml-airflow pipeline (uncached; default stack: local
  artifact store and sqlite metadata store, shared by both workers on this one machine) against
  a hand-written TaskFlow DAG of the same shape on the same cluster, samples interleaved. Target:
  <= 1.05x.
- Throughput: 20 runs of each triggered at once; steps (tasks) per minute from the first trigger
  to the last success.
- Memory: the peak RSS of the task process running a step (zenml-airflow) and a TaskFlow task,
  reported by the task itself (``resource.getrusage``), medians over the throughput runs.

``python celery_airflow.py POSTGRES_URL`` prints JSON (POSTGRES_URL: a database Airflow may own;
its public schema is emptied first).
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from common import emit, quiet_logging, reps, stats
from e2e_airflow import free_port, run_once

STEPS = 4

ZEN_MODULE = textwrap.dedent(
    """
    import resource

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import Output, step


    def rss_kib() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


    @step
    def s0() -> Output(value=int, rss=int):
        return 1, rss_kib()


    @step
    def s1(value: int) -> Output(d=dict, rss=int):
        return {"value": value + 1, "tag": "bench"}, rss_kib()


    @step
    def s2(d: dict) -> Output(value=int, rss=int):
        return d["value"] + 1, rss_kib()


    @step
    def s3(value: int) -> Output(d=dict, rss=int):
        return {"value": value + 1, "tag": "bench"}, rss_kib()


    @pipeline
    def celery_zen(s0, s1, s2, s3):
        v, _ = s0()
        d, _ = s1(value=v)
        v, _ = s2(d=d)
        s3(value=v)


    pipeline_instance = celery_zen(s0=s0(), s1=s1(), s2=s2(), s3=s3())
    """
)

HAND_DAG = textwrap.dedent(
    """
    import resource

    from airflow.sdk import dag, task


    def rss_kib() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


    @task(multiple_outputs=True)
    def first() -> dict:
        return {"value": 1, "rss": rss_kib()}


    @task(multiple_outputs=True)
    def to_dict(x: int) -> dict:
        return {"d": {"value": x + 1, "tag": "bench"}, "rss": rss_kib()}


    @task(multiple_outputs=True)
    def to_int(d: dict) -> dict:
        return {"value": d["value"] + 1, "rss": rss_kib()}


    @dag(dag_id="celery_hand", schedule=None, is_paused_upon_creation=False)
    def pipeline():
        a = first.override(task_id="s0")()
        b = to_dict.override(task_id="s1")(a["value"])
        c = to_int.override(task_id="s2")(b["d"])
        to_dict.override(task_id="s3")(c["value"])


    pipeline_dag = pipeline()
    """
)


def empty_database(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def burst(client: Any, dag_id: str, runs: int, conf: dict | None) -> tuple[float, list[str]]:
    """Trigger ``runs`` runs at once; seconds from the first trigger to the last success."""
    start = time.perf_counter()
    run_ids = [client.trigger(dag_id, conf=conf)["dag_run_id"] for _ in range(runs)]
    for run_id in run_ids:
        state = client.wait_for_dag_run(dag_id, run_id, timeout=1200, poll=0.25)["state"]
        if state != "success":
            raise RuntimeError(f"{dag_id} run {run_id} ended {state}")
    return time.perf_counter() - start, run_ids


def hand_rss(client: Any, run_ids: list[str]) -> list[int]:
    values = []
    for run_id in run_ids:
        for task_id in ("s0", "s1", "s2", "s3"):
            xcom = client.request(
                "GET",
                f"/api/v2/dags/celery_hand/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/rss",
            )
            values.append(int(xcom["value"]))
    return values


def main(database_url: str) -> None:
    from zenml_airflow.orchestrators.airflow_local import LocalAirflow

    work = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    os.chdir(work)
    sys.path.insert(0, str(work))
    quiet_logging()
    from zenml_airflow.compiler import compile_pipeline
    from zenml_airflow.repository import Repository

    empty_database(database_url)
    home = work / "airflow"
    airflow = LocalAirflow(
        home,
        home / "dags",
        api_url=f"http://localhost:{free_port()}",
        executor="celery",
        database_url=database_url,
        broker_url=f"redis://127.0.0.1:{free_port()}/0",
        workers=("default", "default"),
        worker_concurrency=2,
    )
    repeat, runs = reps(5, 2), reps(20, 4)
    result: dict[str, Any] = {"repeat": repeat, "burst_runs": runs, "steps": STEPS}
    started = time.perf_counter()
    airflow.up(timeout=300)
    result["cluster_startup_s"] = time.perf_counter() - started
    try:
        (work / "celery_zen_steps.py").write_text(ZEN_MODULE, encoding="utf-8")
        pipeline = importlib.import_module("celery_zen_steps").pipeline_instance
        compile_pipeline(pipeline, airflow.dags_folder, stack=Repository().active_stack)
        (airflow.dags_folder / "celery_hand.py").write_text(HAND_DAG, encoding="utf-8")
        uncached = {"zenml_enable_cache": False}
        with airflow.client() as client:
            deadline = time.monotonic() + 180
            for dag_id in ("celery_zen", "celery_hand"):
                while client.get_dag(dag_id) is None:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{dag_id} was not parsed: {client.import_errors()}")
                    time.sleep(0.5)
                client.set_paused(dag_id, False)
            samples: dict[str, list[float]] = {"hand_written": [], "zen_uncached": []}
            for i in range(repeat + 1):  # the first round warms the workers up
                for label, dag_id, conf in (
                    ("hand_written", "celery_hand", None),
                    ("zen_uncached", "celery_zen", uncached),
                ):
                    elapsed, _ = run_once(client, dag_id, conf)
                    if i:
                        samples[label].append(elapsed)
            result["trigger_to_success"] = {k: stats(v) for k, v in samples.items()}
            result["ratio"] = (
                result["trigger_to_success"]["zen_uncached"]["median"]
                / result["trigger_to_success"]["hand_written"]["median"]
            )
            hand_s, hand_runs = burst(client, "celery_hand", runs, None)
            zen_s, zen_runs = burst(client, "celery_zen", runs, uncached)
            result["throughput_steps_per_min"] = {
                "hand_written": runs * STEPS * 60 / hand_s,
                "zen_uncached": runs * STEPS * 60 / zen_s,
            }
            result["throughput_ratio"] = (
                result["throughput_steps_per_min"]["zen_uncached"]
                / result["throughput_steps_per_min"]["hand_written"]
            )
            view = Repository().get_pipeline("celery_zen")
            assert view is not None
            store = Repository().active_stack.metadata_store.open_store()
            zen_rss = []
            for run_id in zen_runs:
                record = store.get_run_by_orchestrator_id("celery_zen", f"celery_zen/{run_id}")
                assert record is not None
                run = view.get_run(record.name)
                zen_rss += [
                    int(run.get_step(step).outputs["rss"].read())
                    for step in ("s0", "s1", "s2", "s3")
                ]
            result["task_peak_rss_mib"] = {
                "hand_written": stats([v / 1024 for v in hand_rss(client, hand_runs)]),
                "zen_uncached": stats([v / 1024 for v in zen_rss]),
            }
    finally:
        airflow.stop(timeout=10, force=True)
    emit(result)


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the components' noise
    main(sys.argv[1])
