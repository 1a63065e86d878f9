"""Which process runs a step, and whether it is still alive.

A step run is RUNNING from the moment its process starts it until that process records a result.
A process killed with SIGKILL, an out-of-memory kill or a lost machine records nothing, so its
step runs would stay RUNNING forever. Each step run therefore records its *runner*: the host,
the pid and the process's start time (which tells the process from a later one reusing its pid).

A runner can only be checked from the machine - and the pid namespace - it ran in, so the host
part of the identity includes the pid namespace: a step run recorded inside a container is never
judged by the pids of the host around it. Runs on other machines (Airflow workers) are settled
by the orchestrator instead: a retry fails the tries before it, and a DAG run that ends fails the
steps it left running (``runtime/callbacks.py``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

#: Start times closer than this are the same process (they are derived from clock ticks).
_START_TOLERANCE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Runner:
    """The process running a step: ``host`` (with its pid namespace), ``pid``, start time."""

    host: str
    pid: int
    started: float | None


_current: Runner | None = None


def _pid_namespace() -> str | None:
    try:  # Linux: "pid:[4026531836]", distinct per container
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def _start_time(pid: int) -> float | None:
    import psutil  # a dependency of Airflow; only imported when a step really runs

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError):
        return None


def current_runner() -> Runner:
    """This process as a runner (computed once per process; a forked child computes its own)."""
    global _current
    pid = os.getpid()
    if _current is None or _current.pid != pid:
        namespace = _pid_namespace()
        host = socket.gethostname() + (f"/{namespace}" if namespace else "")
        _current = Runner(host[:255], pid, _start_time(pid))
    return _current


def is_gone(runner: Runner) -> bool:
    """Whether ``runner`` - recorded on this host - has ended.

    True only when that is certain: no process has the pid, the process there now started at
    another time (the pid was reused), or it is a zombie (ended, not yet reaped by its parent).
    A process this user may not inspect counts as alive.
    """
    import psutil

    try:
        process = psutil.Process(runner.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        started = float(process.create_time())
    except psutil.NoSuchProcess:
        return True
    except (psutil.Error, OSError):
        return False
    return runner.started is not None and abs(started - runner.started) > _START_TOLERANCE_SECONDS


def describe(runner: Runner) -> str:
    return f"pid {runner.pid} on {runner.host.split('/', 1)[0]}"


__all__ = ["Runner", "current_runner", "describe", "is_gone"]
