"""Pipelines the Airflow end-to-end tests deploy (importable as tests.airflow.e2e_pipeline)."""

from __future__ import annotations

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, step


class ProduceConfig(BaseStepConfig):
    amount: int = 3


@step
def produce(config: ProduceConfig) -> Output(numbers=list, label=str):
    """Makes some numbers."""
    return list(range(config.amount)), f"{config.amount} numbers"


@step
def total(numbers: list, label: str) -> dict:
    return {"label": label, "sum": sum(numbers)}


@pipeline
def e2e_sum(produce, total):
    numbers, label = produce()
    total(numbers=numbers, label=label)


@step
def explode(numbers: list) -> int:
    raise RuntimeError(f"exploding on purpose with {len(numbers)} numbers")


@pipeline
def e2e_failing(produce, explode):
    numbers, _ = produce()
    explode(numbers=numbers)


sum_pipeline = e2e_sum(produce=produce(), total=total())
failing_pipeline = e2e_failing(produce=produce(), explode=explode())
