# A seed-era program that runs a pipeline under a chosen name and walks the results afterwards,
# as the seed's post-execution guide did.
from zenml.enums import ExecutionStatus
from zenml.exceptions import DoesNotExistException
from zenml.pipelines import pipeline
from zenml.post_execution import PipelineRunView, PipelineView
from zenml.repository import Repository
from zenml.steps import BaseStepConfig, Output, step


class SplitConfig(BaseStepConfig):
    cut: int = 3


@step
def numbers() -> list:
    return [1, 2, 3, 4, 5, 6]


@step
def split(config: SplitConfig, values: list) -> Output(low=list, high=list):
    return values[: config.cut], values[config.cut :]


@step
def total(low: list, high: list) -> dict:
    return {"low": sum(low), "high": sum(high)}


@pipeline
def summing(numbers, split, total):
    low, high = split(numbers())
    total(low=low, high=high)


if __name__ == "__main__":
    summing(numbers=numbers(), split=split(SplitConfig(cut=2)), total=total()).run(
        run_name="custom_pipeline_run_name"
    )

    repo = Repository()
    pipelines = repo.get_pipelines()
    print(f"pipelines: {[p.name for p in pipelines]}")
    pipe = repo.get_pipeline(pipeline_name="summing")
    assert isinstance(pipe, PipelineView)
    run = pipe.get_run(run_name="custom_pipeline_run_name")
    assert isinstance(run, PipelineRunView)
    assert run.status == ExecutionStatus.COMPLETED
    print(f"run names: {pipe.get_run_names()}")
    print(f"steps: {run.get_step_names()}")
    split_step = run.get_step(name="split")
    print(f"split parameters: {split_step.parameters}")
    print(f"split outputs: {sorted(split_step.outputs)}")
    print(f"low: {split_step.outputs['low'].read()}")
    total_step = run.get_step("total")
    print(f"total: {total_step.output.read()}")
    print(f"total parents: {[s.name for s in total_step.parent_steps]}")
    print(f"high read as tuple: {split_step.outputs['high'].read(output_data_type=tuple)}")
    try:
        pipe.get_run("no_such_run")
    except (DoesNotExistException, KeyError) as error:
        print(f"missing run: {type(error).__name__}")
