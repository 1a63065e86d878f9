"""A `p.run()` killed while its step runs in a step operator's interpreter: the launched process
dies with it and the step run reads as failed, not running forever (ADR 0017, ADR 0018)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from tests.step_operators.test_virtualenv import use_step_operator
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.repository import Repository


def test_the_launched_step_dies_with_its_run_and_is_recorded_failed(
    built_venv: Path, tmp_path: Path
) -> None:
    use_step_operator(python=str(built_venv))
    marker = tmp_path / "launched.pid"
    source = tmp_path / "killed_launch.py"
    source.write_text(
        textwrap.dedent(f"""
        import os, time
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.steps import step

        @step(custom_step_operator="venv")
        def sleepy() -> int:
            with open({str(marker)!r}, "w") as out:
                out.write(str(os.getpid()))
            time.sleep(600)
            return 1

        @pipeline
        def killed_launch(sleepy):
            sleepy()

        killed_launch(sleepy=sleepy()).run()
    """)
    )
    parent = subprocess.Popen(
        [sys.executable, str(source)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not marker.exists() or not marker.read_text():
        assert parent.poll() is None, parent.stderr.read() if parent.stderr else ""
        assert time.monotonic() < deadline, "the launched step never started"
        time.sleep(0.1)
    launched = int(marker.read_text())
    assert launched != parent.pid
    assert Path(psutil.Process(launched).cmdline()[0]) == built_venv  # the other interpreter

    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while psutil.pid_exists(launched) and psutil.Process(launched).status() != "zombie":
        assert time.monotonic() < deadline, "the launched step outlived its run"
        time.sleep(0.1)

    run = Repository().get_pipeline("killed_launch").runs[-1]  # type: ignore[union-attr]
    step = run.get_step("sleepy")
    assert step.status is ExecutionStatus.FAILED
    assert run.status is ExecutionStatus.FAILED
