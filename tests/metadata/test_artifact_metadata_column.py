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
