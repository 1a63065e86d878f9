"""The executor's store traffic per step (issue 8): one read before the step, then one write for a
cached step or two (start, finish) for a step that runs - and the same recorded outcome as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.core.context import RunInfo
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MetadataStoreError, ZenMLAirflowError
from zenml_airflow.execution.executor import StepExecutor
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.pipelines import pipeline
from zenml_airflow.post_execution import get_run
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@step
def make() -> int:
    return 41


@step
def add_one(x: int) -> int:
    return x + 1


@pipeline
def two(make, add_one):
    add_one(x=make())


CALLS = (
    "start_step_run",
    "finish_step_run",
    "record_cached_step",
    "fail_step_run",
    "resolve_step",
    "get_step_outputs_in_run",
    "lookup_cache",
    "delete_cache_entry",
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    for name in CALLS:
        original = getattr(SQLMetadataStore, name)

        def wrapper(
            self: Any, *args: Any, __name: str = name, __f: Any = original, **kw: Any
        ) -> Any:
            seen.append(__name)
            return __f(self, *args, **kw)

        monkeypatch.setattr(SQLMetadataStore, name, wrapper)
    yield seen


def _setup(run_name: str) -> tuple[StepExecutor, PipelineSpec, Any, RunInfo, SQLMetadataStore]:
    plan = build_plan(two(make=make(), add_one=add_one()))
    stack = Repository().active_stack
    store = stack.metadata_store.open_store()
    run = store.create_run(plan.spec.name, run_name, num_steps=len(plan.spec.steps))
    info = RunInfo(pipeline_name=plan.spec.name, run_name=run_name, run_id=run.id)
    executor = StepExecutor(stack, step_classes=plan.step_classes, materializers=plan.materializers)
    return executor, plan.spec, run, info, store


def test_a_run_step_is_one_read_and_two_writes_a_cached_step_one_read_one_write(
    calls: list[str],
) -> None:
    executor, spec, run, info, store = _setup("first")
    for step_spec in spec.steps:
        assert executor.execute(spec, step_spec, run, info).status is ExecutionStatus.COMPLETED
    assert calls == ["resolve_step", "start_step_run", "finish_step_run"] * 2
    calls.clear()

    executor, spec, again, info, store = _setup("second")
    results = [executor.execute(spec, s, again, info) for s in spec.steps]
    assert [r.status for r in results] == [ExecutionStatus.CACHED] * 2
    assert calls == ["resolve_step", "record_cached_step"] * 2
    view = get_run(store, again.id)
    assert view.status is ExecutionStatus.COMPLETED
    assert view.get_step("add_one").output.read() == 42
    first = get_run(store, run.id)
    for name in ("make", "add_one"):
        cached, original = view.get_step(name), first.get_step(name)
        assert cached.output.id == original.output.id  # lineage: the same artifacts
        assert cached.cache_key == original.cache_key
    assert view.get_step("add_one").parent_steps == [view.get_step("make")]


def test_a_failure_before_the_step_run_exists_is_still_recorded(calls: list[str]) -> None:
    executor, spec, run, info, store = _setup("missing-upstream")
    with pytest.raises(ZenMLAirflowError, match="which has not run"):
        executor.execute(spec, spec.step("add_one"), run, info)
    assert calls == ["resolve_step", "start_step_run", "fail_step_run"]
    (failed,) = store.list_step_runs(run.id)
    assert failed.name == "add_one" and failed.status is ExecutionStatus.FAILED
    assert failed.error is not None and "which has not run" in failed.error
    assert get_run(store, run.id).status is ExecutionStatus.FAILED
    # The retry (next try) runs once the upstream step has run.
    executor.execute(spec, spec.step("make"), run, info)
    retried = executor.execute(spec, spec.step("add_one"), run, info, try_number=2)
    assert retried.status is ExecutionStatus.COMPLETED
    assert get_run(store, run.id).status is ExecutionStatus.COMPLETED


def test_a_try_already_started_is_refused_without_recording_anything(calls: list[str]) -> None:
    executor, spec, run, info, store = _setup("twice")
    executor.execute(spec, spec.step("make"), run, info)
    before = store.list_step_runs(run.id)
    with pytest.raises(MetadataStoreError, match="already started"):
        executor.execute(spec, spec.step("make"), run, info)  # try 1 again
    assert store.list_step_runs(run.id) == before
