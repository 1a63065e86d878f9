"""Steps without a return annotation declare no outputs (the seed's rule); returning a value from
one fails that step instead of dropping the value."""

from __future__ import annotations

from typing import Any

import pytest

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@step
def make() -> int:
    return 41


@step
def report(value: int):  # type: ignore[no-untyped-def]  # the seed allowed no annotation
    print(f"value is {value}")


@step
def leaky(value: int):  # type: ignore[no-untyped-def]
    return value + 1


@step
def leaky_none(value: int) -> None:
    return value  # type: ignore[return-value]


@pipeline
def reporting(make, report):
    report(value=make())


def test_a_step_without_annotation_runs_and_records_no_outputs() -> None:
    run = reporting(make=make(), report=report()).run()
    assert run.status is ExecutionStatus.COMPLETED
    assert run.get_step("report").outputs == {}
    assert run.get_step("report").inputs["value"].read() == 41


@pytest.mark.parametrize("culprit", [leaky, leaky_none], ids=["no annotation", "-> None"])
def test_returning_a_value_from_a_step_without_outputs_fails_that_step(culprit: type) -> None:
    with pytest.raises(
        StepInterfaceError,
        match=r"Step 'report' declares no outputs \(its return annotation is missing or '-> None'\) but "
        r"returned a int\. Annotate the return type, e.g\. '-> int'",
    ):
        reporting(make=make(), report=culprit()).run(run_name="leaks")
    run = Repository().get_pipeline("reporting").get_run("leaks")  # type: ignore[union-attr]
    assert run.get_step("make").status is ExecutionStatus.COMPLETED
    assert run.get_step("report").status is ExecutionStatus.FAILED


@step
def describe(value: Any) -> str:
    return f"{type(value).__name__}:{value}"


@step
def describe_object(value: object) -> str:
    return f"{type(value).__name__}:{value}"


@pipeline
def describing(make, describe):
    describe(value=make())


@pytest.mark.parametrize("reader", [describe, describe_object], ids=["Any", "object"])
def test_an_input_typed_any_or_object_is_read_as_the_type_that_was_stored(reader: type) -> None:
    run = describing(make=make(), describe=reader()).run()
    assert run.get_step("describe").output.read() == "int:41"
