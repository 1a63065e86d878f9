"""``required_integrations`` is checked before a run starts, and again where each task runs."""

from __future__ import annotations

import pytest

from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.exceptions import IntegrationError
from zenml_airflow.integrations.constants import SKLEARN, WHYLOGS
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@step
def one() -> int:
    return 1


@pipeline(required_integrations=[SKLEARN])
def needs_sklearn(one):
    one()


def test_an_installed_integration_lets_the_run_start_and_is_in_the_spec() -> None:
    p = needs_sklearn(one=one())
    assert build_plan(p).spec.required_integrations == ["sklearn"]
    assert p.run().get_step("one").output.read() == 1


def test_a_missing_integration_stops_the_run_before_anything_is_recorded() -> None:
    p = needs_sklearn(one=one(), required_integrations=[SKLEARN, WHYLOGS])
    with pytest.raises(
        IntegrationError, match=r"requires integration 'whylogs'.*pip install .*whylogs"
    ):
        p.run()
    assert Repository().get_pipeline("needs_sklearn") is None


def test_an_unknown_integration_is_named_with_a_suggestion() -> None:
    with pytest.raises(
        IntegrationError, match=r"unknown integration 'sklaern'\. Did you mean 'sklearn'\?"
    ):
        needs_sklearn(one=one(), required_integrations=["sklaern"]).run()


def test_the_airflow_task_checks_the_spec_before_it_records_a_run() -> None:
    from zenml_airflow.compiler.compile import build_spec
    from zenml_airflow.runtime.execute import execute_step_task

    p = needs_sklearn(one=one(), required_integrations=[WHYLOGS])
    spec, _ = build_spec(p, stack=Repository().active_stack)
    with pytest.raises(IntegrationError, match=r"requires integration 'whylogs'"):
        execute_step_task(spec, "one", {"run_id": "manual__1", "ti": None})
    assert Repository().get_pipeline("needs_sklearn") is None
