from __future__ import annotations

import pytest

from zenml_airflow.exceptions import PipelineInterfaceError, StepInterfaceError
from zenml_airflow.pipelines import BasePipeline, pipeline
from zenml_airflow.steps import Output, step


@step
def producer() -> Output(a=int, b=str):
    return 1, "x"


@step
def single() -> int:
    return 1


@step
def consumer(a: int, b: str) -> int:
    return a


@step
def takes_int(a: int) -> None:
    return None


@pipeline
def two_step(producer, consumer):
    a, b = producer()
    consumer(a=a, b=b)


def test_pipeline_wires_steps_by_calling_them() -> None:
    p = two_step(producer=producer(), consumer=consumer())
    assert isinstance(p, BasePipeline)
    assert p.name == "two_step"
    assert list(p.steps) == ["producer", "consumer"]
    assert p.upstream("consumer") == ["producer"]
    sources = p.input_sources("consumer")
    assert (sources["a"].step.name, sources["a"].name) == ("producer", "a")


def test_steps_may_be_passed_positionally() -> None:
    p = two_step(producer(), consumer())
    assert p.steps["consumer"].name == "consumer"


def test_pipeline_decorator_options() -> None:
    @pipeline(name="custom", enable_cache=False)
    def p(single):
        single()

    instance = p(single=single())
    assert instance.name == "custom"
    assert instance.enable_cache is False


def test_unknown_step_argument_suggests_the_closest_name() -> None:
    with pytest.raises(
        PipelineInterfaceError, match=r"no step named 'consumr'.*Did you mean 'consumer'"
    ):
        two_step(producer=producer(), consumr=consumer())


def test_missing_step_argument_is_named() -> None:
    with pytest.raises(PipelineInterfaceError, match=r"missing the step\(s\) \['consumer'\]"):
        two_step(producer=producer())


def test_step_class_instead_of_instance() -> None:
    with pytest.raises(
        PipelineInterfaceError,
        match=r"got the step class 'producer'; pass an instance: producer\(\)",
    ):
        two_step(producer=producer, consumer=consumer())


def test_non_step_argument() -> None:
    with pytest.raises(PipelineInterfaceError, match=r"got a int, not a step instance"):
        two_step(producer=3, consumer=consumer())


def test_same_instance_for_two_parameters() -> None:
    @pipeline
    def p(first, second):
        first()
        second()

    instance = single()
    with pytest.raises(
        PipelineInterfaceError, match=r"same step instance for 'first' and 'second'"
    ):
        p(first=instance, second=instance)


def test_step_called_twice() -> None:
    @pipeline
    def p(single):
        single()
        single()

    with pytest.raises(StepInterfaceError, match=r"Step 'single' has already been called"):
        p(single=single())


def test_step_never_called() -> None:
    @pipeline
    def p(single, producer):
        single()

    with pytest.raises(
        PipelineInterfaceError, match=r"Step 'producer' was passed to pipeline 'p' but never called"
    ):
        p(single=single(), producer=producer())


def test_input_that_no_step_produces() -> None:
    @pipeline
    def p(takes_int):
        takes_int(a=5)

    with pytest.raises(
        StepInterfaceError, match=r"Input 'a' of step 'takes_int' got a int value, not the output"
    ):
        p(takes_int=takes_int())


def test_missing_input() -> None:
    @pipeline
    def p(producer, consumer):
        a, _ = producer()
        consumer(a=a)

    with pytest.raises(StepInterfaceError, match=r"without the input\(s\) \['b'\]"):
        p(producer=producer(), consumer=consumer())


def test_unknown_input_suggests_the_closest_name() -> None:
    @pipeline
    def p(single, takes_int):
        takes_int(aa=single())

    with pytest.raises(StepInterfaceError, match=r"no input named 'aa'.*Did you mean 'a'"):
        p(single=single(), takes_int=takes_int())


def test_all_outputs_of_a_multi_output_step_passed_as_one_input() -> None:
    @pipeline
    def p(producer, takes_int):
        takes_int(a=producer())

    with pytest.raises(StepInterfaceError, match=r"got all outputs of step 'producer'"):
        p(producer=producer(), takes_int=takes_int())


def test_incompatible_types_are_refused() -> None:
    @pipeline
    def p(producer, takes_int):
        _, b = producer()
        takes_int(a=b)

    with pytest.raises(
        StepInterfaceError,
        match=r"expects int, but <output 'b' of step 'producer'> is annotated str",
    ):
        p(producer=producer(), takes_int=takes_int())


def test_multi_outputs_can_be_indexed_by_name() -> None:
    seen = {}

    @pipeline
    def p(producer, takes_int):
        outputs = producer()
        seen["by_name"] = outputs["a"]
        seen["by_attr"] = outputs.b
        takes_int(a=outputs["a"])

    p(producer=producer(), takes_int=takes_int())
    assert seen["by_name"].name == "a" and seen["by_attr"].name == "b"


def test_output_from_a_step_of_another_pipeline_is_refused() -> None:
    foreign = {}

    @pipeline
    def first(single):
        foreign["out"] = single()

    first(single=single())

    @pipeline
    def second(takes_int):
        takes_int(a=foreign["out"])

    with pytest.raises(
        PipelineInterfaceError,
        match=r"comes from step 'single', which is not a step of pipeline 'second'",
    ):
        second(takes_int=takes_int())


def test_a_step_instance_cannot_join_two_pipelines() -> None:
    instance = single()

    @pipeline
    def p(single):
        single()

    p(single=instance)
    with pytest.raises(PipelineInterfaceError, match=r"already belongs to a pipeline"):
        p(single=instance)


def test_pipeline_with_varargs_is_refused() -> None:
    with pytest.raises(PipelineInterfaceError, match=r"must name each of its steps"):

        @pipeline
        def p(*steps):
            pass


def test_class_based_pipeline() -> None:
    class MyPipeline(BasePipeline):
        def connect(self, producer, consumer):  # type: ignore[override]
            a, b = producer()
            consumer(a=a, b=b)

    p = MyPipeline(producer=producer(), consumer=consumer())
    assert p.name == "MyPipeline"
    assert p.upstream("consumer") == ["producer"]
