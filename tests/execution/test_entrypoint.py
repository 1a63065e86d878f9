"""The step entrypoint: runs a launched step body in a fresh interpreter without Airflow, with the
compiling machine's source roots mapped to where the code is mounted."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from tests.package.test_import_cost import BLOCK_AIRFLOW
from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV
from zenml_airflow.execution.entrypoint import (
    SOURCE_ROOT_MAP_ENV,
    add_source_roots,
    main,
    map_root,
    parse_root_map,
)
from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import VirtualenvStepOperatorComponent

STEP_MODULE = """
import sys
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

@step(custom_step_operator="venv")
def origin() -> str:
    return "{where}:" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] == "airflow"))

@pipeline
def mapped(origin):
    origin()
"""

# Runs `python -m MODULE ARGS` with imports of Airflow refused.
BLOCKED_RUNNER = (
    BLOCK_AIRFLOW
    + """
import runpy
assert sys.argv[1] == "-m"
module = sys.argv[2]
sys.argv = [module, *sys.argv[3:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""
)


def test_a_root_mapping_rewrites_whole_path_components_longest_first() -> None:
    mapping = parse_root_map(["/home/me/project=/app", "/home/me/project/sub=/other/", ""])
    assert mapping == {"/home/me/project": "/app", "/home/me/project/sub": "/other"}
    assert map_root("/home/me/project", mapping) == "/app"
    assert map_root("/home/me/project/pkg", mapping) == "/app/pkg"
    assert map_root("/home/me/project/sub/x", mapping) == "/other/x"
    assert map_root("/home/me/project2", mapping) == "/home/me/project2"  # not a component


def test_a_bad_root_mapping_is_refused_with_the_expected_form() -> None:
    with pytest.raises(ValueError, match=r"'/only-old' is not OLD=NEW"):
        parse_root_map(["/only-old"])
    with pytest.raises(ValueError, match=r"not OLD=NEW"):
        parse_root_map(["=/new"])


def test_mapped_roots_go_first_on_sys_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv(PREVENT_EXECUTION_ENV, "")  # removed again after the test: it sets it
    roots = add_source_roots(["/compiled/here/a", "/elsewhere"], {"/compiled/here": str(tmp_path)})
    assert roots == [f"{tmp_path}/a", "/elsewhere"]
    assert sys.path[:2] == roots
    assert os.environ[PREVENT_EXECUTION_ENV] == "1"  # a module-level p.run() does nothing


def test_a_bad_launch_document_reports_a_failure_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "result.json"
    assert main(["--launch-json", '{"version": 99}', "--result", str(result)]) == 1
    assert "reads versions up to 1" in result.read_text()
    assert capsys.readouterr().out.splitlines()[-1].startswith("ZENML_AIRFLOW_STEP_RESULT {")


def test_the_launched_step_runs_without_airflow_from_the_mapped_source_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, mounted = tmp_path / "compiled", tmp_path / "mounted"
    compiled.mkdir()
    mounted.mkdir()
    (compiled / "mapped_steps.py").write_text(STEP_MODULE.format(where="compiled"))
    (mounted / "mapped_steps.py").write_text(STEP_MODULE.format(where="mounted"))
    runner = tmp_path / "blocked_runner.py"
    runner.write_text(BLOCKED_RUNNER)
    python = tmp_path / "python-without-airflow"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{runner}" "$@"\n')
    python.chmod(0o755)

    repo = Repository()
    default = repo.active_stack
    repo.register_stack(
        Stack(
            "mapped",
            orchestrator=default.orchestrator,
            metadata_store=default.metadata_store,
            artifact_store=default.artifact_store,
            step_operator=VirtualenvStepOperatorComponent.from_config(
                "venv", {"python": str(python)}
            ),
        ),
        activate=True,
    )
    monkeypatch.syspath_prepend(str(compiled))
    monkeypatch.delitem(sys.modules, "mapped_steps", raising=False)
    # The launched interpreter finds the code where it is "mounted", not where it was compiled.
    monkeypatch.setenv(SOURCE_ROOT_MAP_ENV, f"{compiled}={mounted}")
    import mapped_steps  # type: ignore[import-not-found]

    run = mapped_steps.mapped(origin=mapped_steps.origin()).run()
    assert run.get_step("origin").output.read() == "mounted:"  # and no airflow module imported


def test_the_entrypoint_module_imports_no_airflow() -> None:
    import subprocess

    code = BLOCK_AIRFLOW + textwrap.dedent(
        """
        import zenml_airflow.execution.entrypoint, zenml_airflow.execution.executor
        import zenml_airflow.stack.snapshot, zenml_airflow.step_operators.virtualenv
        print(sorted(m for m in sys.modules if m.split(".")[0] == "airflow"))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
