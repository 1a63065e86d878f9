"""The Airflow task of a step with a step operator: cache first in the task, launch on a miss.

Runs the task function as Airflow calls it (``execute_step_task`` with a task context), without
a scheduler; the same code path as a deployed DAG's task.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.step_operators.steps_for_step_operators import here, leak, leaking, two_places, where
from tests.step_operators.test_virtualenv import counting_python, starts, use_step_operator
from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import StackError, StepExecutionError
from zenml_airflow.repository import Repository
from zenml_airflow.runtime.execute import execute_step_task


@pytest.fixture(autouse=True)
def _task_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A task sets ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION for good (its process ends after);
    # here it must not outlive the test.
    monkeypatch.setenv(PREVENT_EXECUTION_ENV, "")


def context(dag_id: str, run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "ti": SimpleNamespace(dag_id=dag_id, try_number=1)}


def compiled(stack: Any) -> PipelineSpec:
    spec, _ = build_spec(two_places(where=where(), here=here()), stack=stack)
    return spec


def test_the_task_launches_on_a_miss_and_starts_nothing_on_a_hit(
    built_venv: Path, tmp_path: Path
) -> None:
    python, counter = counting_python(tmp_path, built_venv)
    spec = compiled(use_step_operator(python=str(python)))
    dag_id = spec.dag_id or spec.name

    first = execute_step_task(spec, "where", context(dag_id, "manual__1"))
    assert first["status"] == "completed"
    assert starts(counter) == 1
    downstream = execute_step_task(spec, "here", context(dag_id, "manual__1"))
    assert downstream["status"] == "completed"

    second = execute_step_task(spec, "where", context(dag_id, "manual__2"))
    assert second["status"] == "cached"
    assert starts(counter) == 1  # cache checked in the task: no interpreter started
    assert second["outputs"] == first["outputs"]

    run = Repository().get_pipeline("two_places").runs[0]  # type: ignore[union-attr]
    step = run.get_step("where")
    assert step.outputs["prefix"].read() == str(built_venv.parent.parent)
    assert run.get_step("here").inputs["prefix"].id == step.outputs["prefix"].id


def test_a_remote_error_is_recorded_redacted(
    built_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.log import mask_secret

    token = f"sk-{uuid.uuid4().hex}"
    mask_secret(token)
    monkeypatch.setenv("ZENML_AIRFLOW_TEST_TOKEN", token)  # the launched process inherits it
    spec, _ = build_spec(leaking(leak=leak()), stack=use_step_operator(python=str(built_venv)))
    with pytest.raises(StepExecutionError, match="rejected"):
        execute_step_task(spec, "leak", context(spec.dag_id or spec.name, "manual__1"))
    store = Repository().active_stack.metadata_store.open_store()
    run = Repository().get_pipeline("leaking").runs[0]  # type: ignore[union-attr]
    record = store.get_step_run(run.get_step("leak").id)
    assert record.status is ExecutionStatus.FAILED
    assert record.error is not None and "*** rejected" in record.error
    assert token not in record.error


def test_a_task_whose_stack_lacks_the_step_operator_fails_before_recording_a_run(
    built_venv: Path,
) -> None:
    spec = compiled(use_step_operator(python=str(built_venv)))
    spec = spec.model_copy(
        update={
            "stack": spec.stack.model_copy(  # type: ignore[union-attr]
                update={
                    "components": {
                        k: v
                        for k, v in spec.stack.components.items()  # type: ignore[union-attr]
                        if k != "step_operator"
                    }
                }
            )
        }
    )
    with pytest.raises(StackError, match="step 'where' asks for step operator 'venv'"):
        execute_step_task(spec, "where", context(spec.dag_id or spec.name, "manual__1"))
    assert Repository().get_pipeline("two_places") is None


def test_compiling_for_a_stack_without_the_step_operator_is_refused() -> None:
    with pytest.raises(StackError, match=r"step 'where' asks for step operator 'venv'.*register"):
        compiled(Repository().active_stack)


VENV_ONLY_STEPS = """
import venv_only_dep  # a package only the step operator's environment has
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

@step(custom_step_operator="venv")
def uses_dep() -> str:
    return venv_only_dep.VALUE

@pipeline
def needs_dep(uses_dep):
    uses_dep()
"""


def test_a_step_importing_a_package_only_its_step_operator_has_runs_and_caches(
    built_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dep, code = tmp_path / "dep", tmp_path / "code"
    dep.mkdir()
    code.mkdir()
    (dep / "venv_only_dep.py").write_text("VALUE = 'from the step operator'\n")
    (code / "venv_only_steps.py").write_text(VENV_ONLY_STEPS)
    python = tmp_path / "python-with-dep"
    python.write_text(f'#!/bin/sh\nPYTHONPATH="{dep}" exec "{built_venv}" "$@"\n')
    python.chmod(0o755)
    stack = use_step_operator(python=str(python))

    # Compiled where the package is installed ...
    monkeypatch.syspath_prepend(str(dep))
    monkeypatch.syspath_prepend(str(code))
    import venv_only_steps  # type: ignore[import-not-found]

    spec, _ = build_spec(
        venv_only_steps.needs_dep(uses_dep=venv_only_steps.uses_dep()), stack=stack
    )
    # ... and run by a worker where it is not.
    sys.path.remove(str(dep))
    sys.path.remove(str(code))
    monkeypatch.delitem(sys.modules, "venv_only_dep")
    monkeypatch.delitem(sys.modules, "venv_only_steps")
    dag_id = spec.dag_id or spec.name

    first = execute_step_task(spec, "uses_dep", context(dag_id, "manual__1"))
    assert first["status"] == "completed"
    second = execute_step_task(spec, "uses_dep", context(dag_id, "manual__2"))
    assert second["status"] == "cached"  # keyed on the compiled code hashes
    assert "venv_only_dep" not in sys.modules
    run = Repository().get_pipeline("needs_dep").runs[0]  # type: ignore[union-attr]
    assert run.get_step("uses_dep").output.read() == "from the step operator"
