"""Area 1: per-step overhead of the local orchestrator (3 and 20 linear steps, int/dict values).

Each run persists every artifact and records lineage in a sqlite metadata store on local disk
(the default stack of a fresh config directory). Baseline in the same process: the same chain as
plain function calls. Overhead per step = (run time - plain calls) / steps. Also the fully cached
re-run, and a cProfile of the uncached 20-step run (top functions by cumulative time).
"""

from __future__ import annotations

import cProfile
import importlib
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from common import emit, plain_chain, quiet_logging, reps, stats, timed, write_linear_module


def profile_top(fn, limit: int = 25) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
    return [line for line in out.getvalue().splitlines() if line.strip()][: limit + 12]


class Breakdown:
    """Wall time spent in each metadata-store call (and the executor) while runs execute."""

    METHODS = (
        "create_run",
        "start_step_run",
        "list_step_runs",
        "get_step_io",
        "lookup_cache",
        "finish_step_run",
        "get_run_by_id",
    )

    def __init__(self) -> None:
        from zenml_airflow.execution.executor import StepExecutor
        from zenml_airflow.metadata.store import SQLMetadataStore

        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.cached_executor_s: list[float] = []
        self._patched: list[tuple[type, str, object]] = []
        # every public store method (the executor's calls change as the store evolves)
        names = {
            n
            for n in dir(SQLMetadataStore)
            if not n.startswith("_")
            and callable(getattr(SQLMetadataStore, n))
            and n not in ("close", "migrate")
        }
        for name in sorted(names | {m for m in self.METHODS if hasattr(SQLMetadataStore, m)}):
            self._wrap(SQLMetadataStore, name, f"store.{name}")
        self._wrap(StepExecutor, "execute", "executor.execute")

    def _wrap(self, cls: type, name: str, label: str) -> None:
        original = getattr(cls, name)
        totals, counts, cached = self.totals, self.counts, self.cached_executor_s

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return (result := original(*args, **kwargs))
            finally:
                elapsed = time.perf_counter() - start
                totals[label] = totals.get(label, 0.0) + elapsed
                counts[label] = counts.get(label, 0) + 1
                if (
                    label == "executor.execute"
                    and getattr(result, "status", None) is not None
                    and result.status.value == "cached"
                ):
                    cached.append(elapsed)

        setattr(cls, name, wrapper)
        self._patched.append((cls, name, original))

    def restore(self) -> None:
        for cls, name, original in self._patched:
            setattr(cls, name, original)

    def per_step_ms(self, steps: int) -> dict[str, dict[str, float]]:
        return {
            k: {"ms_per_step": v / steps * 1000, "calls_per_step": self.counts[k] / steps}
            for k, v in sorted(self.totals.items(), key=lambda kv: -kv[1])
        }


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    os.chdir(work)
    sys.path.insert(0, str(work))
    quiet_logging()
    repeat = reps(7, 2)
    result: dict = {"repeat": repeat, "pipelines": {}}
    for n in (3, 20):
        write_linear_module(work, f"linear_{n}", n)
        module = importlib.import_module(f"linear_{n}")
        p = module.pipeline_instance
        plain = timed(lambda: plain_chain(n), repeat=repeat, warmup=1)
        uncached = timed(lambda: p.run(enable_cache=False), repeat=repeat, warmup=1)
        p.run()  # fills the cache (a normal run)
        cached = timed(lambda: p.run(), repeat=repeat, warmup=1)
        # what the executor itself reports for cached steps (excludes plan/run bookkeeping)
        run = p.run()
        cached_step_ms = [s.duration * 1000 for s in run.steps if s.duration is not None]
        entry = {
            "steps": n,
            "plain_calls": plain,
            "uncached_run": uncached,
            "cached_run": cached,
            "overhead_per_step_ms": (uncached["median"] - plain["median"]) / n * 1000,
            "overhead_per_step_ms_min": (uncached["min"] - plain["median"]) / n * 1000,
            "overhead_per_step_ms_max": (uncached["max"] - plain["median"]) / n * 1000,
            "cached_per_step_ms": (cached["median"] - plain["median"]) / n * 1000,
            "cached_per_step_ms_min": (cached["min"] - plain["median"]) / n * 1000,
            "cached_per_step_ms_max": (cached["max"] - plain["median"]) / n * 1000,
            "cached_step_recorded_duration_ms": stats(cached_step_ms),
        }
        result["pipelines"][str(n)] = entry
        for mode, kwargs in (("uncached", {"enable_cache": False}), ("cached", {})):
            breakdown = Breakdown()
            started = time.perf_counter()
            for _ in range(repeat):
                p.run(**kwargs)
            wall = time.perf_counter() - started
            breakdown.restore()
            entry[f"breakdown_{mode}"] = {
                "wall_ms_per_step": wall / (repeat * n) * 1000,
                **breakdown.per_step_ms(repeat * n),
            }
            if mode == "cached":
                entry["cached_step_executor_ms"] = stats(
                    [t * 1000 for t in breakdown.cached_executor_s]
                )
        if n == 20:
            result["profile_uncached_20"] = profile_top(lambda: p.run(enable_cache=False))
            result["profile_cached_20"] = profile_top(lambda: p.run())
    emit(result)


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")  # the orchestrator's progress lines
    main()
