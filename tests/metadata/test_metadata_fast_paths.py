"""Contract tests of the store's fast paths (issue 8), run against every backend.

``record_cached_step`` must be exactly ``start_step_run`` + ``finish_step_run(CACHED)``;
``resolve_step`` exactly ``get_step_outputs_in_run`` + ``lookup_cache``; a paginated
``list_runs`` exactly a slice of the full listing; the run status a step finish derives
(``run_status_of_steps``) exactly the one ``list_runs`` derives.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa
from metadata_helpers import StartStep, new_artifact

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import DoesNotExistError, MetadataStoreError
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.metadata import queries as q

COMPLETED = ExecutionStatus.COMPLETED
CACHED = ExecutionStatus.CACHED
FAILED = ExecutionStatus.FAILED
RUNNING = ExecutionStatus.RUNNING


def _step_fields(name: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "entrypoint": f"my_pipeline.steps:{name}",
        "entrypoint_name": name,
        "docstring": f"The {name} step.",
        "parameters": {"lr": 0.1},
        "source_hash": f"src-{name}",
    }
    fields.update(overrides)
    return fields


def _produce(store: SQLMetadataStore, start_step: StartStep, key: str = "key-a") -> tuple[int, str]:
    """A completed producer run of step 'a' with one output and a cache entry ``key``."""
    run = store.create_run("p", f"producer-{key}", num_steps=1)
    artifact = new_artifact("a")
    producer = store.finish_step_run(
        start_step(run.id, "a").id,
        status=COMPLETED,
        cache_key=key,
        inputs={},
        outputs={"output": artifact},
    )
    return producer.id, artifact.id


# --- record_cached_step -----------------------------------------------------------------------


def test_record_cached_step_writes_what_start_and_finish_cached_write(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    producer_id, artifact_id = _produce(store, start_step)

    two_step_run = store.create_run("p", "two-writes", num_steps=1)
    two = store.finish_step_run(
        start_step(two_step_run.id, "a", **_step_fields("a")).id,
        status=CACHED,
        cache_key="key-a",
        inputs={},
        outputs={"output": artifact_id},
    )
    one_step_run = store.create_run("p", "one-write", num_steps=1)
    one = store.record_cached_step(
        one_step_run.id, "a", cache_key="key-a", inputs={}, outputs={"output": artifact_id},
        **_step_fields("a"),
    )  # fmt: skip

    skip = {"id", "run_id", "started_at", "finished_at"}
    assert {k: v for k, v in dataclasses.asdict(one).items() if k not in skip} == {
        k: v for k, v in dataclasses.asdict(two).items() if k not in skip
    }
    assert one.status is CACHED and one.cache_key == "key-a" and one.try_number == 1
    assert one.cached_from_step_run_id == producer_id  # inferred from the artifacts
    assert one.finished_at is not None and one.finished_at >= one.started_at
    assert store.get_step_io(one.id) == store.get_step_io(two.id)
    assert store.get_artifact_producer(artifact_id).id == producer_id
    fresh = store.get_run("one-write")
    assert fresh is not None and fresh.status is COMPLETED
    assert fresh.finished_at == one.finished_at
    assert store.list_step_runs(one_step_run.id) == [one]
    # The cache entry still names the producer, as after finish_step_run(CACHED).
    hit = store.lookup_cache("key-a")
    assert hit is not None and hit.step_run.id == producer_id


def test_record_cached_step_takes_an_explicit_producer_inputs_and_a_retry(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    producer_id, artifact_id = _produce(store, start_step)
    upstream = new_artifact("up")
    run = store.create_run("p", "r", num_steps=2)
    store.finish_step_run(
        start_step(run.id, "up").id, status=COMPLETED, cache_key=None, inputs={},
        outputs={"output": upstream},
    )  # fmt: skip
    store.fail_step_run(start_step(run.id, "a").id, "flaky")
    assert store.get_run("r").status is FAILED  # type: ignore[union-attr]
    cached = store.record_cached_step(
        run.id, "a", cache_key="key-a", inputs={"x": upstream.id},
        outputs={"output": artifact_id}, cached_from_step_run_id=producer_id, try_number=2,
        step_operator="docker", **_step_fields("a"),
    )  # fmt: skip
    assert cached.try_number == 2 and cached.step_operator == "docker"
    assert cached.cached_from_step_run_id == producer_id
    inputs, _ = store.get_step_io(cached.id)
    assert inputs["x"].id == upstream.id
    assert store.get_parent_step_runs(cached.id)[0].name == "up"
    fresh = store.get_run("r")
    assert fresh is not None and fresh.status is COMPLETED
    assert fresh.finished_at == cached.finished_at


def test_record_cached_step_fails_like_start_and_finish_and_writes_nothing(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    _, artifact_id = _produce(store, start_step)
    run = store.create_run("p", "r", num_steps=2)
    with pytest.raises(DoesNotExistError, match="No pipeline run with id"):
        store.record_cached_step(
            run.id + 1000, "a", cache_key="k", inputs={}, outputs={"output": artifact_id},
            **_step_fields("a"),
        )  # fmt: skip
    with pytest.raises(DoesNotExistError, match="not registered"):
        store.record_cached_step(
            run.id, "a", cache_key="k", inputs={}, outputs={"output": "f" * 32},
            **_step_fields("a"),
        )  # fmt: skip
    assert store.list_step_runs(run.id) == []  # the step row was rolled back with the links
    with pytest.raises(MetadataStoreError, match="must be >= 1"):
        store.record_cached_step(
            run.id, "a", cache_key="k", inputs={}, outputs={}, try_number=0, **_step_fields("a")
        )
    with pytest.raises(MetadataStoreError, match="at most"):
        store.record_cached_step(
            run.id, "a", cache_key="k" * 500, inputs={}, outputs={}, **_step_fields("a")
        )
    start_step(run.id, "a")
    with pytest.raises(MetadataStoreError, match="already started; pass the next try_number"):
        store.record_cached_step(
            run.id, "a", cache_key="k", inputs={}, outputs={"output": artifact_id},
            **_step_fields("a"),
        )  # fmt: skip
    assert [s.status for s in store.list_step_runs(run.id)] == [RUNNING]


# --- resolve_step -----------------------------------------------------------------------------


def test_resolve_step_reads_upstream_outputs_then_the_cache_entry_of_the_key(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    producer_id, _ = _produce(store, start_step, key="key-b")
    run = store.create_run("p", "r", num_steps=3)
    out = new_artifact("a")
    store.finish_step_run(
        start_step(run.id, "a").id, status=COMPLETED, cache_key=None, inputs={},
        outputs={"output": out},
    )  # fmt: skip
    start_step(run.id, "c")  # running, not asked for
    seen: list[Any] = []

    def key_of(upstream: Any) -> str:
        seen.append(upstream)
        return "key-b"

    upstream, key, hit = store.resolve_step(run.id, ["a", "missing"], key_of)
    assert upstream == store.get_step_outputs_in_run(run.id, ["a", "missing"])
    assert set(upstream) == {"a"} and upstream["a"][1]["output"].id == out.id
    assert seen[-1] == upstream
    assert key == "key-b"
    assert hit == store.lookup_cache("key-b")
    assert hit is not None and hit.step_run.id == producer_id

    assert store.resolve_step(run.id, [], lambda up: "nothing-cached") == (
        {},
        "nothing-cached",
        None,
    )
    # None: no lookup at all (caching disabled).
    assert store.resolve_step(run.id, ["a"], lambda up: None)[1:] == (None, None)

    def broken(upstream: Any) -> str:
        raise LookupError("input missing")

    with pytest.raises(LookupError, match="input missing"):
        store.resolve_step(run.id, ["a"], broken)


# --- paginated list_runs and count_runs --------------------------------------------------------


def _runs(store: SQLMetadataStore, start_step: StartStep, n: int) -> list[str]:
    names = [f"r{i:02d}" for i in range(n)]
    for i, name in enumerate(names):
        run = store.create_run("p", name, num_steps=1)
        step = start_step(run.id, "only")
        if i % 3 == 1:
            store.fail_step_run(step.id, "boom")
        elif i % 3 == 2:
            store.finish_step_run(step.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    store.create_run("other", "unrelated", num_steps=1)
    return names


def test_paginated_list_runs_are_slices_of_the_full_listing(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    _runs(store, start_step, 7)
    full = store.list_runs("p")
    assert [r.status for r in full[:3]] == [RUNNING, FAILED, COMPLETED]
    for offset in range(9):
        for limit in (None, 0, 1, 2, 3, 10):
            end = None if limit is None else offset + limit
            assert store.list_runs("p", offset=offset, limit=limit) == full[offset:end]
            newest = full[::-1]
            assert (
                store.list_runs("p", offset=offset, limit=limit, newest_first=True)
                == (newest[offset:end])
            )
    assert store.list_runs("p", limit=1, newest_first=True) == [full[-1]]
    assert store.list_runs("missing", limit=5) == []
    with pytest.raises(ValueError, match=">= 0"):
        store.list_runs("p", offset=-1)
    with pytest.raises(ValueError, match=">= 0"):
        store.list_runs("p", limit=-1)


def test_count_runs_counts_one_pipelines_runs(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    assert store.count_runs("p") == 0
    _runs(store, start_step, 5)
    assert store.count_runs("p") == 5
    assert store.count_runs("other") == 1
    assert store.count_runs("missing") == 0


def test_runs_of_some_airflow_dags_are_listed_and_counted_alone(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    made = [
        ("airflow", "train/manual__1", "t1"),
        ("airflow", "train_v2/manual__1", "v1"),  # "train" is a prefix of its DAG id
        ("airflow", "tr%in/manual__1", "pct"),  # LIKE wildcards in a DAG id are plain text
        ("airflow", "train/scheduled__2", "t2"),
        ("local", None, "local"),
        ("other", "train/manual__3", "foreign"),  # not an Airflow run, whatever its id says
    ]
    for orchestrator, orchestrator_run_id, name in made:
        store.create_run(
            "p",
            name,
            num_steps=1,
            orchestrator=orchestrator,
            orchestrator_run_id=orchestrator_run_id,
        )

    def names(dags: set[str] | None, **page: Any) -> list[str]:
        return [r.name for r in store.list_runs("p", airflow_dag_ids=dags, **page)]

    assert names({"train"}) == ["t1", "t2"]
    assert store.count_runs("p", airflow_dag_ids={"train"}) == 2
    assert names({"train"}, limit=1, newest_first=True) == ["t2"]
    assert names({"tr%in", "train_v2"}) == ["v1", "pct"]
    assert names(set()) == [] and store.count_runs("p", airflow_dag_ids=set()) == 0
    assert names(None) == [name for _, _, name in made]
    assert store.count_runs("p") == len(made)


def test_a_page_of_runs_is_two_selects_whatever_the_page_size(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    _runs(store, start_step, 6)
    read, _ = store._engines()
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(read, "before_cursor_execute", record)
    try:
        store.list_runs("p", offset=2, limit=3)
        store.list_runs("p", limit=1, newest_first=True)
    finally:
        sa.event.remove(read, "before_cursor_execute", record)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 4


# --- the run status a step finish derives ------------------------------------------------------


def _both_statuses(store: SQLMetadataStore, run_id: int) -> tuple[ExecutionStatus, ExecutionStatus]:
    read, _ = store._engines()
    with read.connect() as conn:
        num_steps = conn.scalar(sa.select(q.RUNS.c.num_steps).where(q.RUNS.c.id == run_id))
        assert num_steps is not None
        return q.run_status(conn, run_id), q.run_status_of_steps(conn, run_id, num_steps)


def test_the_status_a_step_finish_derives_is_the_listed_status(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=3)

    def check(expected: ExecutionStatus) -> None:
        assert _both_statuses(store, run.id) == (expected, expected)
        fresh = store.get_run("r")
        assert fresh is not None and fresh.status is expected
        assert (fresh.finished_at is not None) is expected.is_finished

    check(RUNNING)
    a = start_step(run.id, "a")
    check(RUNNING)
    store.finish_step_run(a.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    check(RUNNING)
    store.fail_step_run(start_step(run.id, "b").id, "try 1")
    check(FAILED)
    b2 = start_step(run.id, "b", try_number=2)
    check(RUNNING)
    store.fail_step_run(b2.id, "try 2")
    check(FAILED)
    b3 = start_step(run.id, "b", try_number=3)
    store.finish_step_run(b3.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    check(RUNNING)  # step c has not run
    c = start_step(run.id, "c")
    store.finish_step_run(c.id, status=COMPLETED, cache_key=None, inputs={}, outputs={})
    check(COMPLETED)
    # A later failed retry of a finished step fails the run again (latest try counts).
    store.fail_step_run(start_step(run.id, "a", try_number=2).id, "late")
    check(FAILED)
