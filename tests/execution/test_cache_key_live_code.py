"""A compiled spec carries the code's hashes at compile time; an Airflow task runs the code as it
is when the task starts. The cache key must follow the code that runs (ADR 0015)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

MODULE = """
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step


def helper() -> int:
    return {value}


@step
def produce() -> int:
    return helper()


@pipeline
def live_code(produce):
    produce()
"""

PHASE = textwrap.dedent("""
    import json, sys
    from zenml_airflow.core.context import RunInfo
    from zenml_airflow.core.spec import PipelineSpec
    from zenml_airflow.execution.executor import StepExecutor
    from zenml_airflow.compiler.plan import build_plan
    from zenml_airflow.repository import Repository

    spec_file, run_name = sys.argv[1], sys.argv[2]
    if run_name == "compile":
        import live_code_mod as m
        spec = build_plan(m.live_code(produce=m.produce())).spec
        open(spec_file, "w").write(spec.to_json())
        sys.exit(0)
    spec = PipelineSpec.from_json(open(spec_file).read())  # the spec compiled earlier
    stack = Repository().active_stack
    store = stack.metadata_store.open_store()
    run = store.create_run(spec.name, run_name, num_steps=1)
    result = StepExecutor(stack).execute(
        spec, spec.steps[0], run, RunInfo(pipeline_name=spec.name, run_name=run_name, run_id=run.id)
    )
    from zenml_airflow.post_execution import get_run
    print(json.dumps([result.status.value, get_run(store, run.id).get_step("produce").output.read()]))
""")


def _phase(tmp_path: Path, *args: str) -> list:  # type: ignore[type-arg]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PHASE, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]) if args[1] != "compile" else []


def test_a_spec_compiled_before_a_code_change_does_not_serve_the_old_result(tmp_path: Path) -> None:
    module = tmp_path / "live_code_mod.py"
    module.write_text(MODULE.format(value=1))
    spec_file = str(tmp_path / "spec.json")
    _phase(tmp_path, spec_file, "compile")

    assert _phase(tmp_path, spec_file, "first") == ["completed", 1]
    assert _phase(tmp_path, spec_file, "again") == ["cached", 1]  # same code: a hit

    module.write_text(MODULE.format(value=2))  # changed after the spec was compiled
    assert _phase(tmp_path, spec_file, "changed") == ["completed", 2]
