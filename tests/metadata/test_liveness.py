"""Step runs whose process is gone (issue 14, bug 4): a process killed with kill -9 records
nothing, so its step runs would stay RUNNING forever. The store records who runs each step and
settles the ones whose runner ended - on every backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from metadata_helpers import StartStep, raw_engine

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.metadata.liveness import Runner, current_runner, is_gone
from zenml_airflow.metadata.tables import STEPS

RUNNING, FAILED, COMPLETED = (
    ExecutionStatus.RUNNING,
    ExecutionStatus.FAILED,
    ExecutionStatus.COMPLETED,
)

_STEP_IN_CHILD = textwrap.dedent("""
    import sys, time
    from zenml_airflow.metadata import SQLMetadataStore
    store = SQLMetadataStore(sys.argv[1])
    run = store.get_run("r")
    step = store.start_step_run(run.id, sys.argv[2], entrypoint="m:s", entrypoint_name="s",
                                docstring=None, parameters={}, source_hash="h")
    print(step.id, flush=True)
    time.sleep(600)
""")


def _url(store: SQLMetadataStore) -> str:
    return store._url.render_as_string(hide_password=False)


def _start_in_child(store: SQLMetadataStore, name: str) -> tuple[subprocess.Popen[str], int]:
    """A process that starts step ``name`` of run 'r', then sleeps; and the step run id."""
    child = subprocess.Popen(
        [sys.executable, "-c", _STEP_IN_CHILD, _url(store), name], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip().isdigit(), f"child failed to start its step (exit {child.poll()})"
    return child, int(line)


def _kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def _set_runner(store: SQLMetadataStore, step_run_id: int, **values: Any) -> None:
    engine = raw_engine(_url(store))
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(STEPS).where(STEPS.c.id == step_run_id).values(**values))
    finally:
        engine.dispose()


def test_a_step_of_a_killed_process_is_recorded_failed_and_fails_its_run(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    first = start_step(run.id, "first")
    store.finish_step_run(first.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    child, step_id = _start_in_child(store, "second")
    try:
        assert store.fail_orphaned_step_runs() == [], "a live process's step is left running"
        assert store.get_step_run(step_id).status is RUNNING
    finally:
        _kill(child)

    failed = store.fail_orphaned_step_runs()
    assert [s.id for s in failed] == [step_id]
    step = store.get_step_run(step_id)
    assert step.status is FAILED and step.finished_at is not None
    assert f"pid {child.pid}" in (step.error or "") and "killed" in (step.error or "")
    fresh = store.get_run("r")
    assert fresh is not None and fresh.status is FAILED and fresh.finished_at is not None
    assert store.get_step_run(first.id).status is COMPLETED
    assert store.fail_orphaned_step_runs() == [], "settled once"


def test_the_calling_process_and_other_hosts_are_never_judged(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=3)
    mine = start_step(run.id, "mine")
    elsewhere = start_step(run.id, "elsewhere")
    # A step of another machine (or another container: the host includes the pid namespace)
    # whose pid here belongs to no process: nothing on this host can tell whether it runs.
    _set_runner(store, elsewhere.id, runner_host="worker-7/pid:[1]", runner_pid=2**22 - 1)
    assert store.fail_orphaned_step_runs() == []
    assert store.get_step_run(mine.id).status is RUNNING
    assert store.get_step_run(elsewhere.id).status is RUNNING


def test_a_reused_pid_is_told_from_the_process_that_started_the_step(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=1)
    step = start_step(run.id, "s")
    me = current_runner()
    assert me.started is not None
    # The parent of this process is alive, but it is not the process that started this step:
    # the recorded start time differs.
    _set_runner(store, step.id, runner_pid=os.getppid(), runner_started=me.started + 3600)
    assert [s.id for s in store.fail_orphaned_step_runs()] == [step.id]


def test_runner_identity_and_is_gone() -> None:
    me = current_runner()
    assert me.pid == os.getpid() and me.started is not None
    assert not is_gone(me)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert is_gone(Runner(me.host, child.pid, me.started))
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while not is_gone(Runner(me.host, zombie.pid, None)):  # exited, not yet waited for
        assert time.monotonic() < deadline, "an exited child (a zombie) counts as gone"
        time.sleep(0.05)
    assert zombie.poll() == 0  # it really had exited
    assert not is_gone(Runner(me.host, os.getppid(), None)), "no start time recorded: alive"


def test_a_new_try_fails_the_earlier_try_left_running(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=1)
    first = start_step(run.id, "s", try_number=1)
    other = start_step(run.id, "other")
    second = start_step(run.id, "s", try_number=2)
    earlier = store.get_step_run(first.id)
    assert earlier.status is FAILED and "try 2 started after it" in (earlier.error or "")
    assert store.get_step_run(second.id).status is RUNNING
    assert store.get_step_run(other.id).status is RUNNING, "other steps are not touched"
    fresh = store.get_run("r")
    assert fresh is not None and fresh.status is RUNNING and fresh.finished_at is None


def test_an_ended_orchestrator_run_fails_the_steps_it_left_running(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=3)
    done = start_step(run.id, "done")
    store.finish_step_run(done.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    left = start_step(run.id, "left")
    other_run = store.create_run("p", "r2", num_steps=1)
    untouched = start_step(other_run.id, "s")

    failed = store.fail_unfinished_step_runs(run.id, "the DAG run ended")
    assert [s.id for s in failed] == [left.id]
    assert store.get_step_run(left.id).error == "the DAG run ended"
    assert store.get_step_run(done.id).status is COMPLETED
    assert store.get_step_run(untouched.id).status is RUNNING
    fresh = store.get_run("r")
    assert fresh is not None and fresh.status is FAILED and fresh.finished_at is not None


def test_a_step_that_finishes_while_being_settled_keeps_its_result(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=1)
    step = start_step(run.id, "s")
    seen = [SimpleNamespace(id=step.id, run_id=run.id)]  # read before the step finished
    store.finish_step_run(step.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    # The write of a settler that read the step as RUNNING must not overturn its result.
    assert store._fail_running(seen, {step.id: "gone"}) == []
    assert store.get_step_run(step.id).status is COMPLETED


def test_post_execution_reads_settle_killed_steps(store: SQLMetadataStore) -> None:
    from zenml_airflow.post_execution import get_pipeline

    store.create_run("p", "r", num_steps=1)
    child, step_id = _start_in_child(store, "s")
    _kill(child)
    pipeline = get_pipeline(store, "p")
    assert pipeline is not None
    run = pipeline.runs[-1]
    assert run.status is FAILED
    assert run.get_step("s").status is FAILED
    assert store.get_step_run(step_id).status is FAILED
