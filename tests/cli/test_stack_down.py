"""``stack down [--force] [--timeout S]`` and ``LocalAirflow.stop``, on real processes.

The processes stand in for Airflow's components the way ``stack up`` starts them (each in its
own session, its pid in ``$AIRFLOW_HOME/zenml-airflow/<name>.pid``): one stops on SIGTERM, one
ignores it and has started a "task" in a process group of its own, as Airflow's task supervisor
does. Starting a real Airflow for this is the job of ``tests/airflow`` (``stack up``/``down``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import fails, invoke, ok

from zenml_airflow.orchestrators.airflow_local import LocalAirflow

POLITE = "import time; open({ready!r}, 'w').close(); time.sleep(600)"
STUBBORN = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "task = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'], process_group=0)\n"
    "open({task_pid!r}, 'w').write(str(task.pid))\n"
    "time.sleep(0.3)\n"  # the task has set its SIGTERM handler by then
    "open({ready!r}, 'w').close()\n"
    "time.sleep(600)\n"
)


def alive(pid: int) -> bool:
    return LocalAirflow._alive(pid)


class Fakes:
    """Stand-ins for components of the local Airflow at ``home``."""

    def __init__(self, home: Path) -> None:
        self.airflow = LocalAirflow(home, home / "dags", api_url="http://localhost:18080")
        self.airflow.state_dir.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.task_pid_file = home / "task.pid"

    def start(self, name: str, script: str) -> int:
        ready = self.airflow.state_dir / f"{name}.ready"
        code = script.format(ready=str(ready), task_pid=str(self.task_pid_file))
        process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        self.processes.append(process)
        self.airflow._pid_file(name).write_text(str(process.pid))
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline and process.poll() is None, f"{name} did not start"
            time.sleep(0.05)
        return process.pid

    @property
    def task_pid(self) -> int:
        return int(self.task_pid_file.read_text())

    def pid_files(self) -> list[str]:
        return sorted(p.stem for p in self.airflow.state_dir.glob("*.pid"))

    def cleanup(self) -> None:
        pids = [p.pid for p in self.processes]
        if self.task_pid_file.exists():
            pids.append(self.task_pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            process.wait(timeout=30)


@pytest.fixture
def fakes(tmp_path: Path) -> Iterator[Fakes]:
    started = Fakes(tmp_path / "airflow-home")
    try:
        yield started
    finally:
        started.cleanup()


def test_a_graceful_stop_leaves_what_ignores_sigterm_running_and_says_so(fakes: Fakes) -> None:
    polite = fakes.start("api-server", POLITE)
    stubborn = fakes.start("scheduler", STUBBORN)
    result = fakes.airflow.stop(timeout=1)
    assert result.stopped == ["api-server"] and not alive(polite)
    assert result.still_running == {"scheduler": stubborn} and alive(stubborn)
    assert result.killed == [] and result.killed_others == 0
    assert fakes.pid_files() == ["scheduler"]  # kept, so that --force finds it
    assert alive(fakes.task_pid)


def test_force_kills_the_component_and_the_task_in_its_own_process_group(fakes: Fakes) -> None:
    stubborn = fakes.start("scheduler", STUBBORN)
    task = fakes.task_pid
    assert os.getpgid(task) == task != os.getpgid(stubborn)  # a group of its own, as in Airflow
    started = time.monotonic()
    result = fakes.airflow.stop(timeout=0.5, force=True)
    assert result.stopped == ["scheduler"] and result.killed == ["scheduler"]
    assert result.killed_others == 1 and result.still_running == {}
    assert not alive(stubborn) and not alive(task)
    assert fakes.pid_files() == []
    assert time.monotonic() - started < 15


def test_down_is_stop_with_force(fakes: Fakes) -> None:
    fakes.start("scheduler", STUBBORN)
    assert fakes.airflow.down(timeout=0.5) == ["scheduler"]
    assert not fakes.airflow.is_running() and not alive(fakes.task_pid)


def test_a_pid_file_of_a_reused_or_dead_pid_is_removed_and_nothing_is_signalled(
    fakes: Fakes,
) -> None:
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    fakes.processes.append(stranger)
    pid_file = fakes.airflow._pid_file("triggerer")
    pid_file.write_text(str(stranger.pid))
    an_hour_ago = time.time() - 3600
    os.utime(pid_file, (an_hour_ago, an_hour_ago))  # written long before that process started
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    fakes.airflow._pid_file("dag-processor").write_text(str(dead.pid))
    result = fakes.airflow.stop(timeout=1, force=True)
    assert sorted(result.stale) == ["dag-processor", "triggerer"] and result.stopped == []
    assert stranger.poll() is None, "a process that is not ours was signalled"
    assert fakes.pid_files() == []


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def airflow_stack(fakes: Fakes) -> Fakes:
    ok(
        "orchestrator",
        "register",
        "af",
        "--flavor",
        "airflow",
        f"--airflow_home={fakes.airflow.airflow_home}",
        f"--api_url={fakes.airflow.api_url}",
    )
    ok("stack", "register", "af", "-o", "af", "-m", "default", "-a", "default", "--set")
    return fakes


def test_stack_down_reports_what_did_not_stop_and_force_kills_it(airflow_stack: Fakes) -> None:
    airflow_stack.start("api-server", POLITE)
    stubborn = airflow_stack.start("scheduler", STUBBORN)
    message = fails("stack", "down", "--timeout", "1")
    assert message == (
        f"Airflow component(s) scheduler (pid {stubborn}) did not stop within 1s of SIGTERM and "
        "are still running (stopped: api-server). Wait and run `zenml-airflow stack down` again, "
        "or kill them and every process they started with `zenml-airflow stack down --force`."
    )
    assert alive(stubborn)
    out = ok("stack", "down", "--force", "--timeout", "0.5")
    assert out.strip() == (
        "Stopped scheduler (killed after 0.5s: scheduler; killed 1 other process(es) they had "
        "started)."
    )
    assert not alive(stubborn) and not alive(airflow_stack.task_pid)
    assert ok("stack", "down").strip() == "No local Airflow was running for this stack."
    assert ok("stack", "down", "-f").strip() == "No local Airflow was running for this stack."


def test_stack_down_stops_gracefully_and_notes_stale_pid_files(airflow_stack: Fakes) -> None:
    airflow_stack.start("api-server", POLITE)
    airflow_stack.start("triggerer", POLITE)
    airflow_stack.airflow._pid_file("scheduler").write_text("999999999")
    result = invoke("stack", "down")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Stopped api-server, triggerer."
    assert "Removed the pid file(s) of scheduler" in result.stderr
    assert airflow_stack.pid_files() == []


def test_stack_down_needs_an_airflow_orchestrator() -> None:
    assert "uses the 'local' orchestrator, which does not deploy DAGs" in fails("stack", "down")
