"""``core`` recognises materializers and artifact types by class, not by class name (issue 15)."""

from __future__ import annotations

import pytest

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.materializers.built_in_materializer import BuiltInMaterializer
from zenml_airflow.steps import step


@step
def produce() -> int:
    return 1


def test_a_look_alike_class_named_base_materializer_is_not_a_materializer() -> None:
    class BaseMaterializer:  # same name, unrelated class
        pass

    class Impostor(BaseMaterializer):
        pass

    with pytest.raises(StepInterfaceError, match="must be a BaseMaterializer subclass"):
        produce().with_return_materializers(Impostor)
    instance = produce().with_return_materializers(BuiltInMaterializer)
    assert instance.materializer_overrides == {"output": BuiltInMaterializer}


def test_an_artifact_typed_input_accepts_any_producer_and_a_look_alike_does_not() -> None:
    from zenml_airflow.pipelines import pipeline

    @step
    def consume(data: DataArtifact) -> None:
        pass

    class BaseArtifact:  # same name, unrelated class
        pass

    @step
    def consume_lookalike(data: BaseArtifact) -> None:
        pass

    @pipeline
    def ok_pipeline(produce, consume):
        consume(produce())

    @pipeline
    def bad_pipeline(produce, consume_lookalike):
        consume_lookalike(produce())

    ok_pipeline(produce=produce(), consume=consume())  # connecting int -> artifact is fine
    with pytest.raises(
        StepInterfaceError, match=r"expects .*BaseArtifact, but .* is annotated int"
    ):
        bad_pipeline(produce=produce(), consume_lookalike=consume_lookalike())
