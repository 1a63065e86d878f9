"""A tiny pipeline for the CLI tests (runs in milliseconds on the local orchestrator)."""

from __future__ import annotations

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, step


class ScaleConfig(BaseStepConfig):
    factor: int = 2


@step
def load() -> Output(numbers=list, label=str):
    """Some numbers and a label."""
    return [1, 2, 3], "demo"


@step
def scale(config: ScaleConfig, numbers: list) -> list:
    return [n * config.factor for n in numbers]


@pipeline
def tiny(load, scale):
    numbers, _ = load()
    scale(numbers=numbers)


def build(factor: int = 2) -> tiny:
    return tiny(load=load(), scale=scale(config=ScaleConfig(factor=factor)))
