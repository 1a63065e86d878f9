"""Many processes writing one metadata store at once: no errors, no lost rows, one cache entry."""

from __future__ import annotations

import multiprocessing
import queue
from typing import Any

import pytest
import sqlalchemy as sa
from metadata_concurrency_worker import (
    SHARED_CACHE_KEY,
    SHARED_ORCHESTRATOR_RUN,
    SHARED_PIPELINE,
    SHARED_RUN,
    race_get_or_create,
    race_orchestrator_run,
    race_pipeline,
    race_run,
    work,
)

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore

WORKERS = 8
LOOPS = 6
RACERS = 16
ROUNDS = 24


def _collect(processes: list[Any], results: Any, timeout: float) -> list[tuple[str, Any]]:
    outcomes: list[tuple[str, Any]] = []
    try:
        for _ in processes:
            outcomes.append(results.get(timeout=timeout))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {len(processes)} workers reported: {outcomes}")
    finally:
        for process in processes:
            process.join(timeout=30)
    return outcomes


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_eight_processes_write_concurrently_without_errors_or_lost_rows(store_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results: Any = context.Queue()
    processes = [
        context.Process(target=work, args=(store_url, i, LOOPS, barrier, results))
        for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = _collect(processes, results, timeout=100)
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert errors == []
    assert all(process.exitcode == 0 for process in processes)
    summaries = [detail for _, detail in outcomes]

    with SQLMetadataStore(store_url) as store:
        # Every worker got the same shared run, created exactly once.
        assert {s["shared_run_id"] for s in summaries} == {summaries[0]["shared_run_id"]}
        shared = store.get_run_by_orchestrator_id(SHARED_PIPELINE, SHARED_ORCHESTRATOR_RUN)
        assert shared is not None and shared.name == SHARED_RUN
        assert shared.status is ExecutionStatus.COMPLETED  # all 8 steps finished
        # The last finisher saw the others' finished steps (not only its own) and closed the run.
        assert shared.finished_at is not None

        for summary in summaries:
            runs = store.list_runs(f"pipeline-{summary['worker']}")
            assert [r.id for r in runs] == summary["runs"]
            assert all(r.status is ExecutionStatus.COMPLETED for r in runs)
            for run in runs:
                steps = store.list_step_runs(run.id)
                assert [s.name for s in steps] == ["a", "b"]
                assert [p.id for p in store.get_parent_step_runs(steps[1].id)] == [steps[0].id]
                assert store.lookup_cache(steps[0].cache_key or "") is not None

        hit = store.lookup_cache(SHARED_CACHE_KEY)
        assert hit is not None
        assert hit.step_run.run_id == shared.id and hit.step_run.status is ExecutionStatus.COMPLETED
        assert set(hit.outputs) == {"output"}
        assert hit.outputs["output"].producer_step_run_id == hit.step_run.id

        read, _ = store._engines()
        with read.connect() as conn:

            def count(sql: str) -> int:
                return int(conn.execute(sa.text(sql)).scalar() or 0)

            assert count("SELECT COUNT(*) FROM artifacts") == sum(s["artifacts"] for s in summaries)
            assert count("SELECT COUNT(*) FROM pipeline_runs") == WORKERS * LOOPS + 1
            assert count("SELECT COUNT(*) FROM step_runs") == WORKERS * (2 * LOOPS + 1)
            assert (
                count(f"SELECT COUNT(*) FROM cache_entries WHERE cache_key = '{SHARED_CACHE_KEY}'")
                == 1
            )
            assert count("SELECT COUNT(*) FROM cache_entries") == WORKERS * LOOPS + 1


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sixteen_processes_racing_get_or_create_run_all_get_the_one_run(store_url: str) -> None:
    """The first tasks of a wide DAG run start together: each must get the same run, no error.

    Regression (issue 14, bug 1): on PostgreSQL and MariaDB a racer that missed the run by name
    and then saw the winner's committed row by orchestrator run id failed with "is already
    recorded as run 'X', so it cannot also be run 'X'".
    """
    with SQLMetadataStore(store_url) as store:
        store.get_or_create_pipeline("warm-up")  # the schema exists before the racers start
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(RACERS)
    results: Any = context.Queue()
    processes = [
        context.Process(target=race_get_or_create, args=(store_url, i, ROUNDS, barrier, results))
        for i in range(RACERS)
    ]
    for process in processes:
        process.start()
    outcomes = _collect(processes, results, timeout=200)
    assert [detail for kind, detail in outcomes if kind == "error"] == []
    assert all(process.exitcode == 0 for process in processes)
    errors = [error for _, detail in outcomes for error in detail["errors"]]
    assert errors == [], f"{len(errors)} failed get_or_create_run calls; first:\n{errors[0]}"

    with SQLMetadataStore(store_url) as store:
        for round_ in range(ROUNDS):
            ids = {detail["ids"][round_] for _, detail in outcomes}
            run = store.get_run_by_orchestrator_id(
                race_pipeline(round_), race_orchestrator_run(round_)
            )
            assert run is not None and run.name == race_run(round_)
            assert ids == {run.id}, f"round {round_}: the racers got runs {ids}"
        read, _ = store._engines()
        with read.connect() as conn:
            runs = conn.execute(sa.text("SELECT COUNT(*) FROM pipeline_runs")).scalar()
            pipelines = conn.execute(sa.text("SELECT COUNT(*) FROM pipelines")).scalar()
        assert runs == ROUNDS
        assert pipelines == 3  # the two race pipelines and the warm-up one
