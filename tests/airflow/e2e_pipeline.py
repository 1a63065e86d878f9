"""Pipelines the Airflow end-to-end tests deploy (importable as tests.airflow.e2e_pipeline)."""

from __future__ import annotations

import os
from pathlib import Path

from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
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


class FlakyConfig(BaseStepConfig):
    marker: str  # a file that exists after the first try


class FlakyWriter(BaseMaterializer, register=False):
    """Writes part of the artifact, then fails - on the first try only."""

    ASSOCIATED_TYPES = (str,)

    def handle_input(self, data_type: type) -> str:
        super().handle_input(data_type)
        with fileio.open(os.path.join(self.artifact.uri, "text.txt"), "r") as f:
            return f.read()

    def handle_return(self, data: str) -> None:
        super().handle_return(data)
        with fileio.open(os.path.join(self.artifact.uri, "text.txt"), "w") as f:
            f.write(data)
        marker = Path(data)
        if not marker.exists():
            marker.write_text("first try")
            raise OSError("the disk filled up halfway (first try only)")


@step(retries=1, retry_delay=1)
def flaky(config: FlakyConfig) -> str:
    return config.marker


@pipeline
def e2e_retry(flaky):
    flaky()


def retry_pipeline(marker: str) -> e2e_retry:
    return e2e_retry(
        flaky=flaky(config=FlakyConfig(marker=marker)).with_return_materializers(FlakyWriter)
    )
