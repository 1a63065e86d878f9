"""The virtualenv step operator: a step runs in another Python environment, cache first."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.step_operators.conftest import REQUIREMENTS
from tests.step_operators.steps_for_step_operators import (
    boom,
    crash,
    crashing,
    failing,
    here,
    two_places,
    where,
)
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.enums import ExecutionStatus, StackComponentType
from zenml_airflow.exceptions import StackError, StepExecutionError
from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import VirtualenvStepOperatorComponent
from zenml_airflow.step_operators.virtualenv import READY_MARKER, VirtualenvStepOperator


def use_step_operator(**config: object) -> Stack:
    """Register and activate a stack: the default one plus a virtualenv step operator 'venv'."""
    repo = Repository()
    default = repo.active_stack
    stack = Stack(
        "with-venv",
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=default.artifact_store,
        step_operator=VirtualenvStepOperatorComponent.from_config("venv", dict(config)),
    )
    repo.register_stack(stack, activate=True)
    return stack


def counting_python(tmp_path: Path, python: Path) -> tuple[Path, Path]:
    """An interpreter that counts its starts in a file, then is ``python``."""
    counter = tmp_path / "starts"
    wrapper = tmp_path / "counting-python"
    wrapper.write_text(f'#!/bin/sh\necho start >> "{counter}"\nexec "{python}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, counter


def starts(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def test_a_requirements_venv_is_built_once_and_reused(built_venv: Path, venv_cache: Path) -> None:
    environment = built_venv.parent.parent
    assert environment.parent == venv_cache
    ready = (environment / READY_MARKER).stat().st_mtime_ns
    component = VirtualenvStepOperatorComponent.from_config(
        "venv", {"requirements": REQUIREMENTS, "cache_dir": str(venv_cache)}
    )
    started = time.perf_counter()
    again = VirtualenvStepOperator(component).ensure_environment(
        PipelineSpec(name="other", steps=[]), step_name="where"
    )
    assert again == built_venv
    assert time.perf_counter() - started < 1.0  # no build: the marker says it is ready
    assert (environment / READY_MARKER).stat().st_mtime_ns == ready
    assert [p.name for p in venv_cache.iterdir() if p.is_dir()] == [environment.name]


def test_the_step_runs_in_the_other_environment_and_the_rest_in_process(
    built_venv: Path, venv_cache: Path
) -> None:
    use_step_operator(requirements=REQUIREMENTS, cache_dir=str(venv_cache))
    run = two_places(where=where(), here=here()).run()

    remote = run.get_step("where")
    assert remote.outputs["prefix"].read() == str(built_venv.parent.parent)
    assert remote.outputs["six_version"].read() == "1.16.0"  # the host has 1.17
    local = run.get_step("here")
    assert local.outputs["local"].read() == sys.prefix
    # Lineage as in-process: the downstream input is the launched step's output artifact.
    assert local.inputs["prefix"].id == remote.outputs["prefix"].id
    assert run.status is ExecutionStatus.COMPLETED

    store = Repository().active_stack.metadata_store.open_store()
    records = {s.name: s for s in store.list_step_runs(run.id)}
    assert records["where"].step_operator == "venv"
    assert records["where"].status is ExecutionStatus.COMPLETED
    assert records["where"].cache_key is not None
    assert records["here"].step_operator is None


def test_a_cached_step_starts_no_interpreter(built_venv: Path, tmp_path: Path) -> None:
    python, counter = counting_python(tmp_path, built_venv)
    use_step_operator(python=str(python))
    first = two_places(where=where(), here=here()).run()
    assert starts(counter) == 1
    assert first.get_step("where").status is ExecutionStatus.COMPLETED

    second = two_places(where=where(), here=here()).run()
    assert starts(counter) == 1  # the cache was checked in-process: nothing launched
    assert second.get_step("where").status is ExecutionStatus.CACHED
    assert (
        second.get_step("where").outputs["prefix"].id
        == first.get_step("where").outputs["prefix"].id
    )


def test_a_failing_step_is_recorded_failed_with_the_remote_error(built_venv: Path) -> None:
    use_step_operator(python=str(built_venv))
    with pytest.raises(StepExecutionError, match=r"Step 'boom'.*ValueError: remote boom.*'venv'"):
        failing(boom=boom()).run()
    run = Repository().get_pipeline("failing").runs[-1]  # type: ignore[union-attr]
    step = run.get_step("boom")
    assert step.status is ExecutionStatus.FAILED
    store = Repository().active_stack.metadata_store.open_store()
    record = store.get_step_run(step.id)
    assert record.error is not None
    assert "remote boom" in record.error
    assert 'raise ValueError("remote boom")' in record.error  # the remote traceback
    assert step.outputs == {}


def test_a_killed_step_process_is_recorded_failed(built_venv: Path) -> None:
    use_step_operator(python=str(built_venv))
    with pytest.raises(StepExecutionError, match=r"Step 'crash'.*killed by signal 9"):
        crashing(crash=crash()).run()
    run = Repository().get_pipeline("crashing").runs[-1]  # type: ignore[union-attr]
    assert run.get_step("crash").status is ExecutionStatus.FAILED
    assert run.status is ExecutionStatus.FAILED


def test_a_step_operator_the_stack_lacks_is_refused_before_the_run_starts() -> None:
    with pytest.raises(
        StackError,
        match=r"step 'where' asks for step operator 'venv', but it has no step operator.*"
        r"stack update",
    ):
        two_places(where=where(), here=here()).run()
    assert Repository().get_pipeline("two_places") is None


def test_a_missing_interpreter_fails_the_step_naming_the_fix(tmp_path: Path) -> None:
    use_step_operator(python=str(tmp_path / "no-such-python"))
    with pytest.raises(StepExecutionError, match=r"does not exist on this machine.*--python="):
        two_places(where=where(), here=here()).run()


def test_both_python_and_requirements_is_refused() -> None:
    with pytest.raises(StackError, match="set either 'python'"):
        VirtualenvStepOperatorComponent.from_config(
            "venv", {"python": sys.executable, "requirements": ["six"]}
        )


@pytest.mark.skipif(not os.access("/tmp", os.W_OK), reason="needs a writable temp dir")
def test_a_failed_build_fails_the_step_and_leaves_no_environment(tmp_path: Path) -> None:
    cache = tmp_path / "venvs"
    use_step_operator(
        requirements=["zenml-airflow-no-such-package-xyz==9.9.9"], cache_dir=str(cache)
    )
    with pytest.raises(StepExecutionError, match=r"building the virtualenv of step operator"):
        two_places(where=where(), here=here()).run()
    assert [p for p in cache.iterdir() if p.is_dir()] == []


def test_one_requirement_as_text_is_a_list_of_one() -> None:
    component = VirtualenvStepOperatorComponent.from_config(
        "venv", {"requirements": "scikit-learn>=1.4,<2"}
    )
    assert component.requirements == ["scikit-learn>=1.4,<2"]


def test_the_virtualenv_flavor_registers_in_a_stack_from_the_cli() -> None:
    from click.testing import CliRunner

    from zenml_airflow.cli.main import cli

    runner = CliRunner()
    for args in (
        ["step-operator", "register", "venv", "--flavor", "virtualenv", '--requirements=["six"]'],
        ["stack", "register", "s", "-o", "default", "-m", "default", "-a", "default", "-s", "venv"],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    operator = Repository().get_stack("s").step_operator
    assert isinstance(operator, VirtualenvStepOperatorComponent)
    assert (operator.name, operator.requirements) == ("venv", ["six"])


def test_another_environment_is_a_cache_miss_and_the_same_one_a_hit(
    built_venv: Path, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    python_a, counter_a = counting_python(tmp_path / "a", built_venv)
    python_b, counter_b = counting_python(tmp_path / "b", built_venv)
    use_step_operator(python=str(python_a))
    two_places(where=where(), here=here()).run()
    assert starts(counter_a) == 1

    repo = Repository()
    repo.update_stack_component(
        "venv",
        StackComponentType.STEP_OPERATOR,
        VirtualenvStepOperatorComponent.from_config("venv", {"python": str(python_b)}),
    )
    run = two_places(where=where(), here=here()).run()
    assert run.get_step("where").status is ExecutionStatus.COMPLETED  # other interpreter: ran
    assert (starts(counter_a), starts(counter_b)) == (1, 1)
    again = two_places(where=where(), here=here()).run()
    assert again.get_step("where").status is ExecutionStatus.CACHED
    assert starts(counter_b) == 1


def test_concurrent_launches_build_the_virtualenv_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    component = VirtualenvStepOperatorComponent.from_config(
        "venv", {"cache_dir": str(tmp_path / "venvs")}
    )
    spec = PipelineSpec(name="p", steps=[])
    pythons: list[Path] = []

    def build() -> None:
        operator = VirtualenvStepOperator(component)
        pythons.append(operator.ensure_environment(spec, step_name="s"))

    caplog.set_level("INFO", logger="zenml_airflow.step_operators.virtualenv")
    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(pythons) == 2 and pythons[0] == pythons[1]
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "Building the virtualenv" in caplog.records[0].message
    assert (pythons[0].parent.parent / READY_MARKER).exists()
