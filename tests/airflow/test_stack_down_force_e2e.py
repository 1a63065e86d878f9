"""``stack down --force`` on a real local Airflow 3 with a task running: everything `stack up`
started is gone afterwards, including the task process Airflow runs in a process group of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import free_port
from zenml_airflow.orchestrators.airflow_local import LocalAirflow, _descendants

CLI = str(Path(sys.executable).with_name("zenml-airflow"))


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
        timeout=600,
    )
    if check:
        assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


def test_force_stops_airflow_and_its_running_task(tmp_path: Path) -> None:
    home = tmp_path / "airflow"
    marker = tmp_path / "task.pid"
    source = tmp_path / "sleepy_pipeline.py"
    source.write_text(
        textwrap.dedent(f"""
        import os, time
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.steps import step

        @step
        def sleepy() -> int:
            with open({str(marker)!r}, "w") as out:
                out.write(str(os.getpid()))
            time.sleep(600)
            return 1

        @pipeline
        def sleepy_pipeline(sleepy):
            sleepy()

        p = sleepy_pipeline(sleepy=sleepy())
    """)
    )
    cli(
        "orchestrator",
        "register",
        "af",
        "--flavor",
        "airflow",
        f"--airflow_home={home}",
        f"--api_url=http://localhost:{free_port()}",
    )
    cli("stack", "register", "af", "-o", "af", "-m", "default", "-a", "default", "--set")
    local = LocalAirflow(home, home / "dags")
    try:
        cli("stack", "up", "--timeout", "300")
        cli("pipeline", "deploy", f"{source}:p", "--trigger")
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(1)
        task = int(marker.read_text())
        components = local._pids()
        assert sorted(components) == ["api-server", "dag-processor", "scheduler", "triggerer"]
        started = set(components.values()) | _descendants(components.values())
        assert task in started and os.getpgid(task) not in components.values()

        down = cli("stack", "down", "--force", "--timeout", "2")
        assert down.stdout.startswith("Stopped api-server, scheduler, dag-processor, triggerer")
        left = [pid for pid in started if LocalAirflow._alive(pid)]
        assert left == [], f"still running after stack down --force: {left}"
        assert not list((home / "zenml-airflow").glob("*.pid"))
        assert (home / "airflow.db").exists(), "Airflow's home is kept"
    finally:
        local.stop(timeout=5, force=True)
