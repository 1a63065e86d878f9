"""Helpers shared by every benchmark script: timing statistics, machine facts, JSON output.

Every script in ``bench/`` is run as its own process by ``bench/run.py`` and prints one JSON
document on its last stdout line. Figures are medians with min-max over ``repeat`` runs taken
after ``warmup`` runs that are thrown away.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent

# Set by run.py from --quick: fewer repetitions for a smoke test of the suite itself.
QUICK = os.environ.get("BENCH_QUICK") == "1"


def stats(samples: list[float]) -> dict[str, Any]:
    """Median, min, max and the raw samples (seconds or whatever unit the caller uses)."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
        "samples": samples,
    }


def timed(
    fn: Callable[[], Any], *, repeat: int, warmup: int = 1, setup: Callable[[], Any] | None = None
) -> dict[str, Any]:
    """Time ``fn()`` ``repeat`` times after ``warmup`` discarded calls; ``setup()`` runs untimed before each."""
    samples = []
    for i in range(warmup + repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        if i >= warmup:
            samples.append(elapsed)
    return stats(samples)


def reps(normal: int, quick: int = 2) -> int:
    return quick if QUICK else normal


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        # other work on the machine while the bench runs (these cores are shared)
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as handle:
            info["memory_gb"] = round(int(handle.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        from importlib.metadata import version

        info["airflow"] = version("apache-airflow")
        info["numpy"] = version("numpy")
        info["pandas"] = version("pandas")
        info["pyarrow"] = version("pyarrow")
        info["sqlalchemy"] = version("sqlalchemy")
    except Exception:  # pragma: no cover - informative only
        pass
    return info


def emit(result: dict[str, Any]) -> None:
    """Print the script's result as the last line of stdout (run.py reads it)."""
    sys.stdout.flush()
    print(json.dumps(result, default=str))


def quiet_logging() -> None:
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("zenml_airflow").setLevel(logging.WARNING)


def write_linear_module(
    directory: Path, module: str, n_steps: int, pipeline_name: str | None = None
) -> Path:
    """Write a zenml-airflow module with an ``n_steps`` linear pipeline passing int/dict values.

    Step 0 returns an int; then steps alternate int -> dict -> int ... Each step does trivial work
    so the measured time is the framework's. The instance is ``pipeline_instance``.
    """
    name = pipeline_name or module
    params = [f"s{i:03d}" for i in range(n_steps)]
    lines = [
        "from zenml_airflow import pipeline, step",
        "",
        "@step",
        "def first() -> int:",
        "    return 1",
        "",
        "@step",
        "def to_dict(x: int) -> dict:",
        "    return {'value': x + 1, 'tag': 'bench'}",
        "",
        "@step",
        "def to_int(d: dict) -> int:",
        "    return d['value'] + 1",
        "",
        "@pipeline",
        f"def {name}({', '.join(params)}):",
        f"    v = {params[0]}()",
    ]
    instances = [f"{params[0]}=first()"]
    for i, p in enumerate(params[1:], start=1):
        if i % 2 == 1:
            lines.append(f"    v = {p}(x=v)")
            instances.append(f"{p}=to_dict()")
        else:
            lines.append(f"    v = {p}(d=v)")
            instances.append(f"{p}=to_int()")
    lines += ["", f"pipeline_instance = {name}({', '.join(instances)})", ""]
    path = directory / f"{module}.py"
    path.write_text("\n".join(lines))
    return path


def plain_chain(n_steps: int) -> Any:
    """The same work as the linear pipeline, as plain function calls."""

    def first() -> int:
        return 1

    def to_dict(x: int) -> dict:
        return {"value": x + 1, "tag": "bench"}

    def to_int(d: dict) -> int:
        return d["value"] + 1

    v: Any = first()
    for i in range(1, n_steps):
        v = to_dict(v) if i % 2 == 1 else to_int(v)
    return v
