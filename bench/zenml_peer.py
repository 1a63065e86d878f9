"""Area 1 baseline: the same 3- and 20-step linear pipelines on ZenML's current release.

Runs inside bench/.venvs/zenml (see run.py) with its local orchestrator and a fresh local store
in a temporary directory; analytics are off (ZENML_ANALYTICS_OPT_IN=false, set by run.py).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from importlib.metadata import version

from common import emit, plain_chain, reps, timed


_WORK = tempfile.mkdtemp(prefix="bench-zenml-")
os.environ.setdefault("ZENML_CONFIG_PATH", os.path.join(_WORK, "config"))
os.environ.setdefault("ZENML_LOCAL_STORES_PATH", os.path.join(_WORK, "stores"))
os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")

from zenml import pipeline, step  # noqa: E402  (after the store location is set)


@step
def first() -> int:
    return 1


@step
def to_dict(x: int) -> dict:
    return {"value": x + 1, "tag": "bench"}


@step
def to_int(d: dict) -> int:
    return d["value"] + 1


def _chain(n: int) -> None:
    v = first()
    for i in range(1, n):
        v = to_dict(v) if i % 2 == 1 else to_int(v)


@pipeline(name="zenml_linear_3")
def linear_3() -> None:
    _chain(3)


@pipeline(name="zenml_linear_20")
def linear_20() -> None:
    _chain(20)


def main() -> None:
    logging.getLogger("zenml").setLevel(logging.WARNING)
    pipelines = {3: linear_3, 20: linear_20}
    repeat = reps(5, 2)
    result: dict = {"zenml_version": version("zenml"), "repeat": repeat, "pipelines": {}}
    for n in (3, 20):
        linear = pipelines[n]
        plain = timed(lambda: plain_chain(n), repeat=repeat, warmup=1)
        uncached = timed(lambda: linear.with_options(enable_cache=False)(), repeat=repeat, warmup=1)
        linear.with_options(enable_cache=True)()
        cached = timed(lambda: linear.with_options(enable_cache=True)(), repeat=repeat, warmup=1)
        result["pipelines"][str(n)] = {
            "steps": n,
            "uncached_run": uncached,
            "cached_run": cached,
            "overhead_per_step_ms": (uncached["median"] - plain["median"]) / n * 1000,
            "overhead_per_step_ms_min": (uncached["min"] - plain["median"]) / n * 1000,
            "overhead_per_step_ms_max": (uncached["max"] - plain["median"]) / n * 1000,
            "cached_per_step_ms": (cached["median"] - plain["median"]) / n * 1000,
            "cached_per_step_ms_min": (cached["min"] - plain["median"]) / n * 1000,
            "cached_per_step_ms_max": (cached["max"] - plain["median"]) / n * 1000,
        }
    emit(result)


if __name__ == "__main__":
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # ZenML prints progress to stdout; keep our JSON line clean
    try:
        import io

        buffer = io.StringIO()
        sys.stdout = buffer
        main()
    finally:
        sys.stdout = real_stdout
    print(buffer.getvalue().strip().splitlines()[-1])
