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
