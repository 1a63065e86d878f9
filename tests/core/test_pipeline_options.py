"""The seed's pipeline options: on the decorator, or next to the steps when a pipeline is created."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenml_airflow.exceptions import PipelineInterfaceError
from zenml_airflow.pipelines import BasePipeline, pipeline
from zenml_airflow.steps import step


@step
def one() -> int:
    return 1


@step
def plus(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False, required_integrations=["sklearn"], requirements="numpy pandas")
def decorated(one, plus):
    plus(x=one())


@pipeline
def plain(one, plus):
    plus(x=one())


class ClassBased(BasePipeline):
    def connect(self, one: step, plus: step) -> None:  # type: ignore[valid-type]
        plus(x=one())


def test_decorator_options_are_on_the_pipeline() -> None:
    p = decorated(one=one(), plus=plus())
    assert p.enable_cache is False
    assert p.required_integrations == ("sklearn",)
    assert p.REQUIREMENTS == ("numpy", "pandas")
    assert p.secrets == () and p.requirements_file is None and p.dockerignore_file is None


@pytest.mark.parametrize("factory", [plain, ClassBased], ids=["decorated", "class-based"])
def test_options_passed_with_the_steps_apply_to_that_instance_only(
    factory: type[BasePipeline],
) -> None:
    p = factory(
        one=one(),
        plus=plus(),
        enable_cache=False,
        required_integrations=["sklearn", "pandas"],
        requirements_file="requirements.txt",
        dockerignore_file=Path(".dockerignore"),
        secrets=["aws"],
    )
    assert list(p.steps) == ["one", "plus"]
    assert p.enable_cache is False
    assert p.required_integrations == ("sklearn", "pandas")
    assert p.requirements_file == "requirements.txt"
    assert p.dockerignore_file == ".dockerignore"
    assert p.secrets == ("aws",)
    other = factory(one=one(), plus=plus())
    assert other.enable_cache is True and other.required_integrations == ()


def test_a_step_named_like_an_option_stays_a_step() -> None:
    @pipeline
    def odd(secrets, plus):
        plus(x=secrets())

    p = odd(secrets=one(), plus=plus())
    assert list(p.steps) == ["secrets", "plus"]
    assert p.secrets == ()


def test_options_of_the_wrong_type_are_refused_with_the_option_named() -> None:
    with pytest.raises(
        PipelineInterfaceError, match=r"Pipeline 'plain': enable_cache must be True or False"
    ):
        plain(one=one(), plus=plus(), enable_cache="no")
    with pytest.raises(
        PipelineInterfaceError, match=r"required_integrations must be a list of strings"
    ):
        plain(one=one(), plus=plus(), required_integrations=[1])
    with pytest.raises(
        PipelineInterfaceError, match=r"Pipeline 'p2': requirements_file must be a file path"
    ):

        @pipeline(name="p2", requirements_file=3)  # type: ignore[arg-type]
        def p2(one):
            one()


def test_an_unknown_keyword_is_still_refused_as_a_step() -> None:
    with pytest.raises(PipelineInterfaceError, match=r"has no step named 'enable_cash'"):
        plain(one=one(), plus=plus(), enable_cash=False)
