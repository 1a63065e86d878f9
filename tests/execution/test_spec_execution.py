"""The executor runs from a serialized spec alone, as an Airflow task does (no live objects)."""

from __future__ import annotations

from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.core.context import RunInfo
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.execution.executor import StepExecutor
from zenml_airflow.pipelines import pipeline
from zenml_airflow.post_execution import get_run
from zenml_airflow.repository import Repository
from zenml_airflow.steps import Output, step


@step
def unordered() -> Output(zeta=int, alpha=str, mid=float):
    return 1, "a", 2.5


@step
def check(zeta: int, alpha: str, mid: float) -> str:
    return f"{zeta}-{alpha}-{mid}"


@pipeline
def ordering(unordered, check):
    z, a, m = unordered()
    check(zeta=z, alpha=a, mid=m)


def test_outputs_keep_their_declared_order_after_a_json_round_trip() -> None:
    plan = build_plan(ordering(unordered=unordered(), check=check()))
    spec = PipelineSpec.from_json(plan.spec.to_json())
    assert list(spec.step("unordered").outputs) == ["alpha", "mid", "zeta"]  # sorted by JSON

    stack = Repository().active_stack
    store = stack.metadata_store.open_store()
    run = store.create_run(spec.name, "from-spec", num_steps=len(spec.steps))
    executor = StepExecutor(stack)  # no live classes: everything is imported by path
    info = RunInfo(pipeline_name=spec.name, run_name=run.name, run_id=run.id)
    for step_spec in spec.steps:
        result = executor.execute(spec, step_spec, run, info)
        assert result.status is ExecutionStatus.COMPLETED

    view = get_run(store, run.id)
    outputs = view.get_step("unordered").outputs
    assert outputs["zeta"].read() == 1
    assert outputs["alpha"].read() == "a"
    assert outputs["mid"].read() == 2.5
    assert view.get_step("check").output.read() == "1-a-2.5"
    assert view.status is ExecutionStatus.COMPLETED
