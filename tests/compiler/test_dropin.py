"""A pipeline module placed in the dags folder becomes a DAG through one explicit line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from zenml_airflow.compiler.compile import spec_from_dag_file

STEPS = textwrap.dedent(
    """
    from zenml_airflow.pipelines import pipeline, Schedule
    from zenml_airflow.steps import step

    @step
    def one() -> int:
        return 1

    @step
    def plus(x: int) -> int:
        return x + 1

    @pipeline
    def dropin(one, plus):
        plus(x=one())
    """
)

DROPIN = STEPS + textwrap.dedent(
    """
    dag = dropin(one=one(), plus=plus()).to_airflow_dag(schedule=Schedule(cron_expression="0 4 * * *"))
    """
)

PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys
    spec = importlib.util.spec_from_file_location("dropin_dag", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from airflow.sdk import DAG
    dags = [v for v in vars(module).values() if isinstance(v, DAG)]
    dag = dags[0]
    task = dag.get_task("plus")
    print(json.dumps({
        "count": len(dags), "dag_id": dag.dag_id, "tasks": sorted(dag.task_ids),
        "upstream": sorted(task.upstream_task_ids), "timetable": type(dag.timetable).__name__,
        "spec": task.python_callable.spec.model_dump(mode="json"),
    }))
    """
)


def test_to_airflow_dag_builds_the_same_dag_a_compiled_file_holds(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "dropin_pipeline.py").write_text(DROPIN)
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": os.environ["ZENML_AIRFLOW_CONFIG_DIR"]}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(dags / "dropin_pipeline.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["count"] == 1 and report["dag_id"] == "dropin"
    assert report["tasks"] == ["one", "plus"] and report["upstream"] == ["one"]
    assert report["timetable"] == "CronTriggerTimetable"

    # The same pipeline compiled to a file carries the same steps, wiring and stack snapshot.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "dropin_src.py").write_text(
        STEPS + "\np = dropin(one=one(), plus=plus())\n"
    )
    compiled = subprocess.run(
        [
            sys.executable,
            "-m",
            "zenml_airflow.cli.main",
            "pipeline",
            "compile",
            f"{tmp_path / 'src' / 'dropin_src.py'}:p",
            "-o",
            str(tmp_path / "out"),
            "--cron",
            "0 4 * * *",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    file_spec = spec_from_dag_file(tmp_path / "out" / "dropin.py")
    dropin_spec = report["spec"]
    assert [s["name"] for s in dropin_spec["steps"]] == [s["name"] for s in file_spec["steps"]]
    # (Their source hashes differ: each covers its whole module, and the two modules differ in the
    # line that builds the pipeline - ADR 0015.)
    for key in ("entrypoint_name", "outputs", "inputs", "parameters"):
        assert [s[key] for s in dropin_spec["steps"]] == [s[key] for s in file_spec["steps"]], key
    assert dropin_spec["stack"] == file_spec["stack"]
    assert dropin_spec["schedule"] == file_spec["schedule"]
