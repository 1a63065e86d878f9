"""`stack down` (``LocalAirflow.stop``) returns once every process its SIGTERM reached is gone,
not only the component it started: e.g. a Celery worker's pool processes, which share the
worker's process group and exit a moment after it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from zenml_airflow.orchestrators.airflow_local import LocalAirflow

# A component whose child (same process group) takes a second to exit after SIGTERM, while the
# component itself exits at once.
COMPONENT = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", '''
    import signal, sys, time
    signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1.0), sys.exit(0)))
    print("ready", flush=True)
    time.sleep(600)
    '''], stdout=sys.stdout)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(child.pid, flush=True)
    time.sleep(600)
    """
)


def test_stop_waits_for_the_processes_of_the_components_groups(tmp_path: Path) -> None:
    airflow = LocalAirflow(tmp_path / "home", tmp_path / "dags")
    state = airflow.prepare_state_dir()
    leader = subprocess.Popen(
        [sys.executable, "-c", COMPONENT],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert leader.stdout is not None
    child = int(leader.stdout.readline())
    assert leader.stdout.readline().strip() == "ready"  # its SIGTERM handler is set
    (state / "scheduler.pid").write_text(str(leader.pid))
    started = time.monotonic()
    result = airflow.stop(timeout=10)
    assert result.stopped == ["scheduler"] and result.still_running == {}
    assert not LocalAirflow._alive(child)  # gone when stop returned, not a moment later
    assert time.monotonic() - started >= 0.9  # it did wait for the child's slow exit
    leader.wait(timeout=5)
