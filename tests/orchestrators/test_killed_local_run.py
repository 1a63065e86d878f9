"""A local run killed with kill -9 (issue 14, bug 4) reads as failed, not running forever, and
the next run of the pipeline works: its completed steps are reused from the cache."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.repository import Repository

CLI = str(Path(sys.executable).with_name("zenml-airflow"))


def test_a_killed_local_run_is_failed_and_the_next_run_reuses_its_completed_steps(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "slow.pid"
    source = tmp_path / "killed_pipeline.py"
    source.write_text(
        textwrap.dedent(f"""
        import os, time
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.steps import step

        @step
        def quick() -> int:
            return 41

        @step
        def slow(x: int) -> int:
            if os.environ.get("SLOW") == "1":
                with open({str(marker)!r}, "w") as out:
                    out.write(str(os.getpid()))
                time.sleep(600)
            return x + 1

        @pipeline
        def killed_pipeline(quick, slow):
            slow(quick())

        killed_pipeline(quick=quick(), slow=slow()).run()
    """)
    )
    child = subprocess.Popen(
        [sys.executable, str(source)],
        env={**os.environ, "SLOW": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, (
            f"the run ended early: {child.stderr.read() if child.stderr else ''}"
        )
        assert time.monotonic() < deadline, "the slow step never started"
        time.sleep(0.1)
    assert int(marker.read_text()) == child.pid, "the local orchestrator runs steps in-process"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    run = Repository().get_pipeline("killed_pipeline").runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.FAILED
    assert run.get_step("quick").status is ExecutionStatus.COMPLETED
    slow = run.get_step("slow")
    assert slow.status is ExecutionStatus.FAILED
    listed = subprocess.run(
        [CLI, "pipeline", "runs", "killed_pipeline", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"status": "failed"' in listed and '"status": "running"' not in listed

    subprocess.run([sys.executable, str(source)], check=True, capture_output=True)
    again = Repository().get_pipeline("killed_pipeline").runs[-1]  # type: ignore[union-attr]
    assert again.status is ExecutionStatus.COMPLETED
    assert again.get_step("quick").status is ExecutionStatus.CACHED
    assert again.get_step("slow").output.read() == 42
