"""``Environment().step_environment`` inside a running step (the seed's ``StepEnvironment``)."""

from __future__ import annotations

import threading

import pytest

from zenml_airflow.environment import STEP_ENVIRONMENT_NAME, Environment, StepEnvironment
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step


@step
def where_am_i() -> str:
    env = Environment().step_environment
    assert Environment().step_is_running and Environment()[STEP_ENVIRONMENT_NAME] is env
    return f"{env.pipeline_name}/{env.pipeline_run_id}/{env.step_name}"


@pipeline
def locating(first):
    first()


def test_a_running_step_sees_its_pipeline_run_and_name() -> None:
    run = locating(first=where_am_i()).run(run_name="here")
    assert run.get_step("first").output.read() == "locating/here/first"


def test_outside_a_step_there_is_no_step_environment() -> None:
    assert not Environment().step_is_running
    with pytest.raises(KeyError, match="exists only while a step runs"):
        _ = Environment().step_environment
    locating(first=where_am_i()).run()
    assert not Environment().step_is_running  # deactivated after the step, also on success


def test_a_step_environment_is_seen_only_by_the_thread_that_activated_it() -> None:
    seen: list[bool] = []
    with StepEnvironment("p", "r", "s") as env:
        assert Environment().step_environment is env
        thread = threading.Thread(target=lambda: seen.append(Environment().step_is_running))
        thread.start()
        thread.join()
        with pytest.raises(RuntimeError, match="already active"):
            env.activate()
    assert seen == [False]
    assert not Environment().step_is_running
