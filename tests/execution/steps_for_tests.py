"""Steps and pipelines used by the execution tests (importable by module path)."""

from __future__ import annotations

import os
from pathlib import Path

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, StepContext, step

CALLS: list[str] = []


class AddConfig(BaseStepConfig):
    amount: int = 1


@step
def numbers() -> Output(a=int, b=int):
    """Two numbers."""
    CALLS.append("numbers")
    return 2, 3


@step
def add(config: AddConfig, a: int, b: int) -> int:
    CALLS.append("add")
    return a + b + config.amount


@step
def square(value: int) -> int:
    CALLS.append("square")
    return value * value


@pipeline
def arithmetic(numbers, add, square):
    a, b = numbers()
    total = add(a=a, b=b)
    square(value=total)


def build(amount: int = 1) -> arithmetic:
    return arithmetic(numbers=numbers(), add=add(config=AddConfig(amount=amount)), square=square())


class Blob:
    """A type with no built-in materializer."""

    def __init__(self, text: str) -> None:
        self.text = text


class BlobMaterializer(BaseMaterializer):
    """Seed-style custom materializer: registered for Blob by subclassing."""

    ASSOCIATED_TYPES = (Blob,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

    def handle_input(self, data_type: type) -> Blob:
        super().handle_input(data_type)
        with fileio.open(os.path.join(self.artifact.uri, "blob.txt"), "r") as f:
            return Blob(f.read())

    def handle_return(self, data: Blob) -> None:
        super().handle_return(data)
        with fileio.open(os.path.join(self.artifact.uri, "blob.txt"), "w") as f:
            f.write(data.text)


class ShoutingMaterializer(BaseMaterializer, register=False):
    """An override for str outputs: stores upper case."""

    ASSOCIATED_TYPES = (str,)

    def handle_input(self, data_type: type) -> str:
        super().handle_input(data_type)
        with fileio.open(os.path.join(self.artifact.uri, "text.txt"), "r") as f:
            return f.read()

    def handle_return(self, data: str) -> None:
        super().handle_return(data)
        with fileio.open(os.path.join(self.artifact.uri, "text.txt"), "w") as f:
            f.write(data.upper())


class HalfWritingMaterializer(BaseMaterializer, register=False):
    """Writes a file, then fails: the executor must leave nothing behind."""

    ASSOCIATED_TYPES = (int,)

    def handle_input(self, data_type: type) -> int:
        raise AssertionError("never read")

    def handle_return(self, data: int) -> None:
        with fileio.open(os.path.join(self.artifact.uri, "part.bin"), "wb") as f:
            f.write(b"x" * 1000)
        raise OSError("disk full")


@step
def make_blob() -> Blob:
    return Blob("hello")


@step
def read_blob(blob: Blob) -> str:
    return blob.text + "!"


@pipeline
def blob_pipeline(make_blob, read_blob):
    read_blob(blob=make_blob())


@step
def greet() -> str:
    return "hello"


@pipeline
def single_step(step_one):
    step_one()


class Unmaterializable:
    pass


@step
def returns_unmaterializable() -> Unmaterializable:
    Path(os.environ["ZENML_TEST_MARKER"]).write_text("body ran")
    return Unmaterializable()


@step
def explode(value: int) -> int:
    raise ValueError(f"cannot handle {value}")


@pipeline
def failing(numbers, add, explode, square):
    a, b = numbers()
    total = add(a=a, b=b)
    square(value=explode(value=total))


@step
def wrong_count() -> Output(a=int, b=int):
    return (1, 2, 3)  # type: ignore[return-value]


@step
def context_step(context: StepContext, value: int) -> int:
    CALLS.append("context_step")
    info = {
        "step_name": context.step_name,
        "run_name": context.run_name,
        "uri": context.get_output_artifact_uri(),
        "materializer": type(context.get_output_materializer()).__name__,
        "status": context.metadata_store.get_pipeline(context.pipeline_name).runs[-1].status.value,
        "stack": context.stack.name,
    }
    Path(os.environ["ZENML_TEST_MARKER"]).write_text(repr(info))
    return value


@step(enable_cache=True)
def cached_context_step(context: StepContext, value: int) -> int:
    CALLS.append("cached_context_step")
    return value


@pipeline
def with_context(numbers, add, ctx):
    a, b = numbers()
    ctx(value=add(a=a, b=b))


@step
def artifact_input(raw: DataArtifact) -> str:
    return raw.uri


@pipeline
def skip_materialization(numbers_one, artifact_input):
    a = numbers_one()
    artifact_input(raw=a)


@step
def one() -> int:
    return 1


class PayloadConfig(BaseStepConfig):
    size: int = 100_000
    fill: str = "x"


@step
def payload(config: PayloadConfig) -> str:
    """A text output of ``size`` characters."""
    return config.fill * config.size


@step
def measure(text: str) -> int:
    return len(text)


@pipeline
def payloads(payload, measure):
    measure(text=payload())


def build_payloads(size: int = 100_000, fill: str = "x") -> payloads:
    return payloads(payload=payload(config=PayloadConfig(size=size, fill=fill)), measure=measure())
