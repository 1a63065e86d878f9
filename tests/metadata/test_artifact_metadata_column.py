"""``artifacts.metadata`` (migration 0004) keeps an artifact's facts as JSON on every backend."""

from __future__ import annotations

from metadata_helpers import StartStep, new_artifact

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore

FACTS = {"shape": [3, 4], "dtype": "float32", "schema": {"x": "float64", "é": "str"}, "ok": True}


def test_artifact_metadata_round_trips_and_defaults_to_empty(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=1)
    step = start_step(run.id, "s")
    described, plain = new_artifact("a", metadata=FACTS), new_artifact("b")
    store.finish_step_run(
        step.id,
        status=ExecutionStatus.COMPLETED,
        cache_key=None,
        inputs={},
        outputs={"described": described, "plain": plain},
    )
    _, outputs = store.get_step_io(step.id)
    assert outputs["described"].metadata == FACTS
    assert outputs["plain"].metadata == {}
    assert store.get_artifact(described.id).metadata == FACTS


def test_list_run_outputs_gives_the_latest_try_outputs_of_each_run(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    first, second = (
        store.create_run("p", "r1", num_steps=1),
        store.create_run("p", "r2", num_steps=1),
    )
    failed = start_step(first.id, "s", try_number=1)
    store.fail_step_run(failed.id, "flaky")
    retried = start_step(first.id, "s", try_number=2)
    a = new_artifact("a", metadata={"rows": 3})
    store.finish_step_run(
        retried.id, status=ExecutionStatus.COMPLETED, cache_key=None, inputs={}, outputs={"out": a}
    )
    other = start_step(second.id, "s")
    b = new_artifact("b")
    store.finish_step_run(
        other.id, status=ExecutionStatus.COMPLETED, cache_key=None, inputs={}, outputs={"out": b}
    )

    found = store.list_run_outputs([first.id, second.id, first.id])
    assert {run: {k: v.id for k, v in outs.items()} for run, outs in found.items()} == {
        first.id: {("s", "out"): a.id},
        second.id: {("s", "out"): b.id},
    }
    assert found[first.id][("s", "out")].metadata == {"rows": 3}
    assert store.list_run_outputs([]) == {}
