"""What a compiled DAG does when one of its runs fails (imported only when that happens).

A task whose process is killed (kill -9, out of memory, a lost worker) records no result, so its
step run would stay RUNNING in the metadata store. Airflow notices - the task supervisor reports
the dead process, or the scheduler misses its heartbeats - and fails the task and then the DAG
run. The DAG's ``on_failure_callback`` (run by Airflow's dag-processor, on whatever host) then
records every step of that run still RUNNING as failed: when a DAG run is over, none of its steps
can still be running. A retried task needs no callback: its next try fails the earlier one when
it starts (``SQLMetadataStore.start_step_run``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.runtime.execute import mask_secret_value, prepare_imports
from zenml_airflow.stack.snapshot import stack_from_snapshot

logger = logging.getLogger(__name__)


def fail_steps_left_running(spec: PipelineSpec, context: Mapping[str, Any]) -> int:
    """Record the steps of the ended DAG run in ``context`` still RUNNING as failed; how many."""
    dag_id, run_id = context["dag"].dag_id, context["run_id"]
    prepare_imports(spec, context)  # a stack component may be the user's own flavor
    stack = stack_from_snapshot(spec.stack)
    stack.resolve_secrets(on_value=mask_secret_value)
    store = stack.metadata_store.open_store()
    run = store.get_run_by_orchestrator_id(spec.name, f"{dag_id}/{run_id}")
    if run is None:  # the run failed before any of its tasks opened it
        return 0
    reason = context.get("reason") or "a task failed"
    failed = store.fail_unfinished_step_runs(
        run.id,
        f"The Airflow DAG run {dag_id}/{run_id} ended ({reason}) while this step was recorded "
        "as running: its task process was killed or lost before it could record a result. The "
        "task log in Airflow says how it ended.",
    )
    for step in failed:
        logger.warning(
            "Step '%s' (try %d) of run '%s' was left running by a killed task; recorded it as failed.",
            step.name, step.try_number, run.name,
        )  # fmt: skip
    return len(failed)


__all__ = ["fail_steps_left_running"]
