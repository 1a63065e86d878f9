"""Worker for the multi-process metadata store test (a module, so ``spawn`` can import it)."""

from __future__ import annotations

import traceback
from typing import Any

from metadata_helpers import new_artifact

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore

SHARED_PIPELINE = "shared"
SHARED_RUN = "shared-run"
SHARED_ORCHESTRATOR_RUN = "shared/manual__1"
SHARED_CACHE_KEY = "same-key-for-everyone"


def _step(store: SQLMetadataStore, run_id: int, name: str) -> int:
    return store.start_step_run(
        run_id,
        name,
        entrypoint=f"steps:{name}",
        entrypoint_name=name,
        docstring=None,
        parameters={"n": 1},
        source_hash="src",
    ).id


def work(url: str, worker: int, loops: int, barrier: Any, results: Any) -> None:
    """Create runs and finish steps with artifacts, then race the others on one cache key."""
    try:
        summary: dict[str, Any] = {"worker": worker, "artifacts": 0, "runs": []}
        with SQLMetadataStore(url) as store:
            barrier.wait(timeout=60)  # everyone opens (and initialises) the new file at once
            shared = store.get_or_create_run(
                SHARED_PIPELINE,
                SHARED_RUN,
                orchestrator_run_id=SHARED_ORCHESTRATOR_RUN,
                num_steps=8,
                orchestrator="airflow",
            )
            summary["shared_run_id"] = shared.id
            for loop in range(loops):
                run = store.create_run(f"pipeline-{worker}", f"w{worker}-{loop}", num_steps=2)
                summary["runs"].append(run.id)
                first = new_artifact(f"w{worker}-{loop}-a")
                store.finish_step_run(
                    _step(store, run.id, "a"),
                    status=ExecutionStatus.COMPLETED,
                    cache_key=f"key-{worker}-{loop}",
                    inputs={},
                    outputs={"output": first},
                )
                store.finish_step_run(
                    _step(store, run.id, "b"),
                    status=ExecutionStatus.COMPLETED,
                    cache_key=None,
                    inputs={"x": first.id},
                    outputs={"output": new_artifact(f"w{worker}-{loop}-b")},
                )
                summary["artifacts"] += 2
            step_id = _step(store, shared.id, f"step-{worker}")
            barrier.wait(timeout=60)  # all finish the same cache key together
            store.finish_step_run(
                step_id,
                status=ExecutionStatus.COMPLETED,
                cache_key=SHARED_CACHE_KEY,
                inputs={},
                outputs={"output": new_artifact(f"shared-{worker}")},
            )
            summary["artifacts"] += 1
        results.put(("ok", summary))
    except BaseException:
        results.put(("error", f"worker {worker}:\n{traceback.format_exc()}"))


def race_pipeline(round_: int) -> str:
    """The pipeline of round ``round_``: rounds 0 and 1 race to create it, later ones reuse it.

    Reusing matters: racers that also race on a new pipeline row wait for the winner's whole
    transaction and then find its run, while a DAG's later runs find the pipeline at once.
    """
    return f"race-pipeline-{round_ % 2}"


def race_run(round_: int) -> str:
    """The run name the racers of round ``round_`` get or create."""
    return f"race-run-{round_}"


def race_orchestrator_run(round_: int) -> str:
    """The orchestrator run id (Airflow ``dag_id/run_id``) of round ``round_``."""
    return f"race-dag/manual__{round_}"


def race_get_or_create(url: str, worker: int, rounds: int, barrier: Any, results: Any) -> None:
    """Each round, all workers call ``get_or_create_run`` for one new run at the same moment.

    That is what the first tasks of an Airflow DAG run do. Reports the run id each round gave
    (or the error), and keeps going after an error so the other workers' barriers still meet.
    """
    ids: list[int | None] = []
    errors: list[str] = []
    try:
        with SQLMetadataStore(url) as store:
            store.get_or_create_pipeline("warm-up")  # connect before the first barrier
            for round_ in range(rounds):
                barrier.wait(timeout=60)
                try:
                    run = store.get_or_create_run(
                        race_pipeline(round_),
                        race_run(round_),
                        orchestrator_run_id=race_orchestrator_run(round_),
                        num_steps=8,
                        orchestrator="airflow",
                    )
                    ids.append(run.id)
                except Exception:
                    ids.append(None)
                    errors.append(f"worker {worker} round {round_}:\n{traceback.format_exc()}")
        results.put(("ok", {"worker": worker, "ids": ids, "errors": errors}))
    except BaseException:
        results.put(("error", f"worker {worker}:\n{traceback.format_exc()}"))
