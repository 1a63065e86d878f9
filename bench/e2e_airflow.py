"""Area 4: end to end on a real local Airflow 3 (api-server, scheduler, dag-processor, triggerer).

One Airflow (zenml_airflow.orchestrators.airflow_local.LocalAirflow, LocalExecutor, sqlite) serves
every DAG: compiled zenml-airflow DAGs of 3- and 10-step linear pipelines (default stack: local
artifact store, sqlite metadata store) and hand-written TaskFlow DAGs of the same shape passing
the same int/dict values through XCom. Each sample is REST trigger -> run state ``success``
(polled every 0.1 s); the DAGs are triggered in turn (hand, zen uncached, zen cached) so all three
see the same machine load. Also: Airflow's own task durations, and the executor time of cached
steps as recorded in the metadata store (start_step_run -> finish_step_run).
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from common import emit, quiet_logging, reps, stats, write_linear_module
from parse import hand_written_dag

SIZES = (3, 10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def run_once(
    client, dag_id: str, conf: dict | None = None, timeout: float = 600
) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    run_id = client.trigger(dag_id, conf=conf)["dag_run_id"]
    deadline = time.monotonic() + timeout
    while True:
        state = client.get_dag_run(dag_id, run_id).get("state")
        if state == "success":
            return time.perf_counter() - start, run_id
        if state == "failed" or time.monotonic() > deadline:
            raise RuntimeError(f"{dag_id} run {run_id} ended {state}")
        time.sleep(0.1)


def task_durations(client, dag_id: str, run_id: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [
        float(ti["duration"])
        for ti in client.task_instances(dag_id, run_id)
        if ti.get("duration") is not None
    ]


def main() -> None:
    from zenml_airflow.orchestrators.airflow_local import LocalAirflow

    work = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    os.chdir(work)
    sys.path.insert(0, str(work))
    quiet_logging()
    from zenml_airflow.compiler import compile_pipeline
    from zenml_airflow.repository import Repository

    home = work / "airflow"
    airflow = LocalAirflow(home, home / "dags", api_url=f"http://localhost:{free_port()}")
    stack = Repository().active_stack
    repeat = reps(5, 2)
    result: dict = {"repeat": repeat, "pipelines": {}}
    started = time.perf_counter()
    airflow.up(timeout=240)
    result["airflow_startup_s"] = time.perf_counter() - started
    try:
        for n in SIZES:
            write_linear_module(work, f"e2e_linear_{n}", n)
            p = importlib.import_module(f"e2e_linear_{n}").pipeline_instance
            compile_pipeline(p, airflow.dags_folder, stack=stack)
            (airflow.dags_folder / f"hand_{n}.py").write_text(hand_written_dag(n, f"hand_{n}"))
        with airflow.client() as client:
            deadline = time.monotonic() + 180
            for dag_id in [f"{prefix}{n}" for n in SIZES for prefix in ("e2e_linear_", "hand_")]:
                while client.get_dag(dag_id) is None:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{dag_id} was not parsed: {client.import_errors()}")
                    time.sleep(0.5)
                client.set_paused(dag_id, False)
            for n in SIZES:
                zen, hand = f"e2e_linear_{n}", f"hand_{n}"
                samples: dict[str, list[float]] = {
                    "hand_written": [],
                    "zen_uncached": [],
                    "zen_cached": [],
                }
                ti: dict[str, list[float]] = {k: [] for k in samples}
                cached_runs: list[str] = []
                run_once(client, zen)  # fills the cache
                for i in range(repeat + 1):  # the first round is the warm-up
                    for label, dag_id, conf in (
                        ("hand_written", hand, None),
                        ("zen_uncached", zen, {"zenml_enable_cache": False}),
                        ("zen_cached", zen, None),
                    ):
                        elapsed, run_id = run_once(client, dag_id, conf)
                        if i:
                            samples[label].append(elapsed)
                            ti[label].extend(task_durations(client, dag_id, run_id))
                            if label == "zen_cached":
                                cached_runs.append(f"{zen}/{run_id}")
                # executor time of cached steps, as the executor recorded it
                store = Repository().active_stack.metadata_store.open_store()
                executor_ms = []
                statuses = set()
                for orchestrator_run_id in cached_runs:
                    record = store.get_run_by_orchestrator_id(zen, orchestrator_run_id)
                    for step in store.list_step_runs(record.id):
                        statuses.add(step.status.value)
                        executor_ms.append(
                            (step.finished_at - step.started_at).total_seconds() * 1000
                        )
                entry = {k: stats(v) for k, v in samples.items()}
                entry["task_duration"] = {k: stats(v) for k, v in ti.items() if v}
                entry["cached_step_executor_ms"] = stats(executor_ms)
                entry["cached_run_step_statuses"] = sorted(statuses)
                entry["ratio_uncached"] = (
                    entry["zen_uncached"]["median"] / entry["hand_written"]["median"]
                )
                entry["ratio_cached"] = (
                    entry["zen_cached"]["median"] / entry["hand_written"]["median"]
                )
                result["pipelines"][str(n)] = entry
                # One cached task's log, for the "Using cached version" line
                try:
                    run_id = cached_runs[-1].split("/", 1)[1]
                    log = client.task_log(zen, run_id, "s001", 1)
                    result["pipelines"][str(n)]["cached_log_excerpt"] = [
                        line for line in log.splitlines() if "cached" in line.lower()
                    ][:3]
                except Exception as error:  # informative only
                    result["pipelines"][str(n)]["cached_log_excerpt"] = [f"could not read: {error}"]
    finally:
        airflow.down()
    emit(result)


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")
    main()
