from __future__ import annotations

import pytest

from zenml_airflow.exceptions import MissingStepParameterError, StepInterfaceError
from zenml_airflow.steps import BaseStep, BaseStepConfig, Output, StepContext, step


class Cfg(BaseStepConfig):
    epochs: int = 1


class Required(BaseStepConfig):
    lr: float


def test_decorator_returns_a_step_class_with_the_function_name() -> None:
    @step
    def trainer(config: Cfg, x: int) -> float:
        return 1.0

    assert isinstance(trainer, type) and issubclass(trainer, BaseStep)
    instance = trainer(config=Cfg(epochs=3))
    assert instance.name == "trainer"
    assert instance.entrypoint_name == "trainer"
    assert instance.parameters() == {"epochs": 3}
    assert list(trainer.SIGNATURE.inputs) == ["x"]
    assert list(trainer.SIGNATURE.outputs) == ["output"]


def test_decorator_with_arguments_sets_name_cache_and_operator() -> None:
    @step(name="renamed", enable_cache=False, custom_step_operator="docker")
    def f() -> int:
        return 1

    instance = f()
    assert instance.name == "renamed"
    assert instance.enable_cache is False
    assert instance.custom_step_operator == "docker"


def test_output_names_several_outputs_in_order() -> None:
    @step
    def f() -> Output(a=int, b=str):
        return 1, "x"

    assert list(f.SIGNATURE.outputs.items()) == [("a", int), ("b", str)]
    assert f.SIGNATURE.single_output is False


def test_none_return_means_no_outputs() -> None:
    @step
    def f() -> None:
        return None

    assert f.SIGNATURE.outputs == {}


def test_missing_parameter_annotation_names_function_and_parameter() -> None:
    with pytest.raises(StepInterfaceError, match=r"parameter 'x' of step 'f'"):

        @step
        def f(x) -> int:  # type: ignore[no-untyped-def]
            return 1


def test_missing_return_annotation_means_no_outputs_as_in_the_seed() -> None:
    @step
    def f(x: int):  # type: ignore[no-untyped-def]
        print(x)

    assert f.SIGNATURE.outputs == {}
    assert list(f.SIGNATURE.inputs) == ["x"]


@pytest.mark.parametrize("signature", ["*args: int", "**kwargs: int"])
def test_varargs_are_refused(signature: str) -> None:
    namespace: dict = {"step": step}
    source = f"@step\ndef f({signature}) -> int:\n    return 1\n"
    with pytest.raises(StepInterfaceError, match=r"Step 'f' takes \*"):
        exec(source, namespace)


def test_two_configs_are_refused() -> None:
    with pytest.raises(StepInterfaceError, match=r"two configs \('a' and 'b'\)"):

        @step
        def f(a: Cfg, b: Cfg) -> int:
            return 1


def test_two_contexts_are_refused() -> None:
    with pytest.raises(StepInterfaceError, match=r"two StepContext parameters"):

        @step
        def f(a: StepContext, b: StepContext) -> int:
            return 1


def test_overlapping_input_and_config_field_names_are_refused() -> None:
    with pytest.raises(StepInterfaceError, match=r"\['epochs'\]"):

        @step
        def f(config: Cfg, epochs: int) -> int:
            return 1


def test_string_annotations_are_resolved() -> None:
    namespace: dict = {"step": step, "Output": Output, "Cfg": Cfg}
    exec(
        "from __future__ import annotations\n"
        "@step\n"
        "def f(config: Cfg, x: int) -> Output(a=int, b=str):\n"
        "    return x, 'y'\n",
        namespace,
    )
    sig = namespace["f"].SIGNATURE
    assert sig.inputs == {"x": int}
    assert sig.config_class is Cfg
    assert sig.outputs == {"a": int, "b": str}


def test_unresolvable_string_annotation_names_it() -> None:
    namespace: dict = {"step": step}
    with pytest.raises(StepInterfaceError, match=r"Cannot resolve the annotation 'Missing'"):
        exec(
            "from __future__ import annotations\n@step\ndef f(x: Missing) -> int:\n    return 1\n",
            namespace,
        )


def test_class_based_step() -> None:
    class Trainer(BaseStep):
        """Docs."""

        def entrypoint(self, config: Cfg, x: int) -> int:
            return x * config.epochs

    instance = Trainer(config=Cfg(epochs=2))
    assert instance.name == "Trainer"
    assert instance.SIGNATURE.inputs == {"x": int}
    assert instance.entrypoint(config=Cfg(epochs=2), x=3) == 6


def test_class_based_step_without_entrypoint_is_refused() -> None:
    with pytest.raises(StepInterfaceError, match=r"must implement entrypoint"):

        class Broken(BaseStep):
            pass


def test_wrong_config_type_is_refused() -> None:
    class Other(BaseStepConfig):
        a: int = 1

    @step
    def f(config: Cfg) -> int:
        return 1

    with pytest.raises(StepInterfaceError, match=r"expects a config of type Cfg, got Other"):
        f(config=Other())


def test_config_given_to_a_step_without_config_is_refused() -> None:
    @step
    def f() -> int:
        return 1

    with pytest.raises(StepInterfaceError, match=r"takes no BaseStepConfig"):
        f(config=Cfg())


def test_unknown_keyword_to_step_instance_is_refused() -> None:
    @step
    def f(config: Cfg) -> int:
        return 1

    with pytest.raises(
        StepInterfaceError, match=r"unexpected keyword argument 'confg'.*Did you mean 'config'"
    ):
        f(confg=Cfg())


def test_config_can_be_passed_positionally_or_by_parameter_name() -> None:
    @step
    def f(params: Cfg) -> int:
        return 1

    assert f(Cfg(epochs=4)).parameters() == {"epochs": 4}
    assert f(params=Cfg(epochs=5)).parameters() == {"epochs": 5}


def test_missing_required_config_field_is_reported_at_resolution() -> None:
    @step
    def f(config: Required) -> int:
        return 1

    with pytest.raises(
        MissingStepParameterError, match=r"missing the required parameter\(s\) \['lr'\]"
    ):
        f().parameters()


def test_non_json_config_values_are_refused() -> None:
    class Weird(BaseStepConfig):
        model_config = {"arbitrary_types_allowed": True, "extra": "forbid"}
        value: object = None

    @step
    def f(config: Weird) -> int:
        return 1

    with pytest.raises(StepInterfaceError, match=r"not JSON-serializable"):
        f(config=Weird(value=object()))


def test_docstring_and_source_hash() -> None:
    @step
    def documented() -> int:
        """Returns one.

        More text.
        """
        return 1

    assert documented().docstring == "Returns one.\n\nMore text."
    assert len(documented.source_hash()) == 64


def test_output_types_must_name_outputs() -> None:
    from zenml_airflow.artifacts import ModelArtifact

    with pytest.raises(StepInterfaceError, match=r"names 'modle'.*Did you mean 'model'"):

        @step(output_types={"modle": ModelArtifact})
        def f() -> Output(model=dict, other=int):
            return {}, 1
