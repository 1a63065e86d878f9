"""A small pipeline for the metadata-store flavor tests (importable in subprocesses)."""

from __future__ import annotations

import time
from pathlib import Path

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, step


class SlowConfig(BaseStepConfig):
    signal_file: str = ""  # written when the step's body starts (the fault test waits for it)
    seconds: float = 0.0


@step
def numbers() -> list:
    return [1, 2, 3, 4]


@step
def total(config: SlowConfig, values: list) -> int:
    if config.signal_file:
        Path(config.signal_file).write_text("started")
    time.sleep(config.seconds)
    return sum(values)


@pipeline
def flavor_pipeline(numbers, total):
    total(values=numbers())


def build(signal_file: str = "", seconds: float = 0.0) -> flavor_pipeline:
    return flavor_pipeline(
        numbers=numbers(), total=total(config=SlowConfig(signal_file=signal_file, seconds=seconds))
    )
