"""``get_step_outputs_in_run``: what the executor reads to resolve a step's inputs, in one query."""

from __future__ import annotations

from metadata_helpers import StartStep, new_artifact

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore


def test_latest_try_and_its_outputs_per_named_step(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r1", num_steps=3)
    first_try = start_step(run.id, "load")
    store.fail_step_run(first_try.id, "boom")
    second_try = start_step(run.id, "load", try_number=2)
    a, b = new_artifact("a"), new_artifact("b")
    store.finish_step_run(
        second_try.id,
        status=ExecutionStatus.COMPLETED,
        cache_key=None,
        inputs={},
        outputs={"a": a, "b": b},
    )
    running = start_step(run.id, "train")

    found = store.get_step_outputs_in_run(run.id, ["load", "train", "never"])
    assert set(found) == {"load", "train"}, "a step that has not started is absent"
    load_step, load_outputs = found["load"]
    assert (load_step.id, load_step.try_number, load_step.status) == (
        second_try.id,
        2,
        ExecutionStatus.COMPLETED,
    )
    assert {name: art.id for name, art in load_outputs.items()} == {"a": a.id, "b": b.id}
    assert load_outputs["a"].producer_step_run_id == second_try.id
    train_step, train_outputs = found["train"]
    assert train_step.id == running.id and train_step.status is ExecutionStatus.RUNNING
    assert train_outputs == {}
    assert store.get_step_outputs_in_run(run.id, []) == {}


def test_steps_of_other_runs_are_not_returned(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    one = store.create_run("p", "r1", num_steps=1)
    two = store.create_run("p", "r2", num_steps=1)
    step = start_step(one.id, "load")
    store.finish_step_run(
        step.id,
        status=ExecutionStatus.COMPLETED,
        cache_key=None,
        inputs={},
        outputs={"out": new_artifact("x")},
    )
    assert store.get_step_outputs_in_run(two.id, ["load"]) == {}
