from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from zenml_airflow.core.spec import SPEC_VERSION, InputSpec, OutputSpec, PipelineSpec, StepSpec
from zenml_airflow.exceptions import ZenMLAirflowError
from zenml_airflow.pipelines import Schedule


def test_seed_style_interval_schedule_accepts_seconds() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = Schedule(start_time=start, interval_second=3600)
    assert schedule.interval_second == timedelta(hours=1)
    assert schedule.utc_start_time == "2026-01-01T00:00:00+00:00"
    assert schedule.catchup is False


def test_cron_schedule() -> None:
    assert Schedule(cron_expression="0 3 * * *").cron_expression == "0 3 * * *"


def test_schedule_needs_cron_or_start_and_interval() -> None:
    with pytest.raises(
        ValidationError, match="either cron_expression, or start_time together with interval_second"
    ):
        Schedule(interval_second=10)


def test_bad_cron_and_interval_are_refused() -> None:
    with pytest.raises(ValidationError, match="must have 5 fields"):
        Schedule(cron_expression="every day")
    with pytest.raises(ValidationError, match="must be positive"):
        Schedule(start_time=datetime(2026, 1, 1), interval_second=0)


def _spec() -> PipelineSpec:
    return PipelineSpec(
        name="p",
        steps=[
            StepSpec(
                name="a",
                entrypoint="m:a",
                entrypoint_name="a",
                source_hash="h",
                outputs={
                    "output": OutputSpec(
                        data_type="builtins:int", materializer="x:Y", materializer_hash="mh"
                    )
                },
            ),
            StepSpec(
                name="b",
                entrypoint="m:b",
                entrypoint_name="b",
                source_hash="h2",
                parameters={"lr": 0.1, "nested": {"k": [1, 2]}},
                inputs={"x": InputSpec(step="a", output="output")},
                upstream=["a"],
            ),
        ],
    )


def test_spec_round_trips_losslessly_and_deterministically() -> None:
    spec = _spec()
    text = spec.to_json()
    assert PipelineSpec.from_json(text) == spec
    assert PipelineSpec.from_json(text).to_json() == text
    assert spec.step("b").inputs["x"].step == "a"


def test_newer_spec_is_refused() -> None:
    data = _spec().model_dump(mode="json")
    data["version"] = SPEC_VERSION + 1
    with pytest.raises(
        ZenMLAirflowError, match=rf"version {SPEC_VERSION + 1}.*Upgrade zenml-airflow"
    ):
        PipelineSpec.from_dict(data)
