"""Area 5: the metadata store at 100, 1,000 and 10,000 runs of a 10-step pipeline.

The store is filled by bulk inserts into its own tables (the same rows ``create_run`` /
``start_step_run`` / ``finish_step_run`` write: 10 completed step runs per run, one artifact per
step, input/output links, a cache entry per step), which takes seconds instead of the hours 100,000
step-run transactions would. Then, through the store's public API and the post-execution views:

- list runs: what ``zenml-airflow pipeline runs`` and the UI show - the number of runs and the
  newest page of 50 (``len(runs)``, ``runs[-50:]`` on ``PipelineView.runs``);
- all runs: every run record at once (``store.list_runs(name)``), reported - linear by nature;
- load run: ``get_run(store, id)`` + its steps + each step's inputs and outputs;
- lineage: from the last step's output artifact up through producers/parents to the first step;
- cache lookup: ``store.lookup_cache(key)``.

``python metadata_scale.py URL`` (sqlite:///... or a PostgreSQL URL whose database is emptied).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import emit, quiet_logging, reps, timed

STEPS = 10
PAGE = 50  # the newest runs `zenml-airflow pipeline runs` shows by default
LEVELS = (100, 1_000, 10_000)
PIPELINE = "bench_scale"
BENCH_SCHEMA = "zenml_airflow_bench"


def fill(engine, start_run: int, end_run: int, pipeline_id: int) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from zenml_airflow.metadata import tables

    base = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 500
    for first in range(start_run, end_run, batch):
        runs, steps, artifacts, inputs, outputs, cache = [], [], [], [], [], []
        for r in range(first, min(first + batch, end_run)):
            run_id = r + 1
            created = base + timedelta(minutes=r)
            runs.append(
                dict(
                    id=run_id,
                    pipeline_id=pipeline_id,
                    name=f"{PIPELINE}-run-{r:06d}",
                    num_steps=STEPS,
                    orchestrator="local",
                    orchestrator_run_id=None,
                    stack_name="default",
                    zenml_version="0.1.0",
                    git_sha=None,
                    runtime_configuration={},
                    created_at=created,
                    finished_at=created + timedelta(seconds=2),
                )
            )
            for s in range(STEPS):
                step_id = r * STEPS + s + 1
                at = created + timedelta(milliseconds=100 * s)
                key = f"{r:08d}{s:04d}".ljust(64, "k")
                steps.append(
                    dict(
                        id=step_id,
                        run_id=run_id,
                        name=f"s{s:03d}",
                        try_number=1,
                        entrypoint=f"bench.steps:step_{s}",
                        entrypoint_name=f"step_{s}",
                        docstring=None,
                        status="completed",
                        parameters={"i": s},
                        cache_key=key,
                        source_hash="a" * 64,
                        step_operator=None,
                        cached_from_step_run_id=None,
                        error=None,
                        started_at=at,
                        finished_at=at + timedelta(milliseconds=50),
                    )
                )
                artifact_id = f"{r:010d}{s:04d}".ljust(32, "0")
                artifacts.append(
                    dict(
                        id=artifact_id,
                        uri=f"/store/{PIPELINE}/s{s:03d}/output/{artifact_id}",
                        artifact_type="DataArtifact",
                        data_type="builtins.int",
                        materializer="zenml_airflow.materializers.built_in_materializer.BuiltInMaterializer",
                        content_hash="c" * 64,
                        size_bytes=8,
                        producer_step_run_id=step_id,
                        created_at=at,
                    )
                )
                outputs.append(dict(step_run_id=step_id, name="output", artifact_id=artifact_id))
                if s:
                    inputs.append(
                        dict(
                            step_run_id=step_id,
                            name="x",
                            artifact_id=f"{r:010d}{s - 1:04d}".ljust(32, "0"),
                        )
                    )
                cache.append(dict(cache_key=key, step_run_id=step_id, created_at=at))
        with engine.begin() as conn:
            for table, rows in (
                (tables.RUNS, runs),
                (tables.STEPS, steps),
                (tables.ARTIFACTS, artifacts),
                (tables.OUTPUTS, outputs),
                (tables.INPUTS, inputs),
                (tables.CACHE, cache),
            ):
                conn.execute(sa.insert(table), rows)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def measure(store, n_runs: int, repeat: int) -> dict:  # type: ignore[no-untyped-def]
    from zenml_airflow.post_execution import get_pipeline, get_run

    rng = random.Random(n_runs)

    def list_runs() -> None:
        runs = get_pipeline(store, PIPELINE).runs
        assert len(runs) == n_runs
        page = runs[-PAGE:]
        assert (
            len(page) == min(PAGE, n_runs) and page[-1].name == f"{PIPELINE}-run-{n_runs - 1:06d}"
        )

    def all_runs() -> None:
        assert len(store.list_runs(PIPELINE)) == n_runs

    def load_run() -> None:
        run = get_run(store, rng.randrange(n_runs) + 1)
        steps = run.steps
        assert len(steps) == STEPS
        for step in steps:
            step.inputs, step.outputs  # noqa: B018

    def lineage() -> None:
        r = rng.randrange(n_runs)
        artifact_id = f"{r:010d}{STEPS - 1:04d}".ljust(32, "0")
        step = store.get_artifact_producer(artifact_id)
        depth = 1
        while True:
            parents = store.get_parent_step_runs(step.id)
            if not parents:
                break
            step = parents[0]
            depth += 1
        assert depth == STEPS, depth

    def cache_lookup() -> None:
        r, s = rng.randrange(n_runs), rng.randrange(STEPS)
        assert store.lookup_cache(f"{r:08d}{s:04d}".ljust(64, "k")) is not None

    out = {}
    for name, fn in (
        ("list_runs", list_runs),
        ("all_runs", all_runs),
        ("load_run", load_run),
        ("lineage", lineage),
        ("cache_lookup", cache_lookup),
    ):
        out[name] = timed(fn, repeat=repeat * 2 if name != "all_runs" else repeat, warmup=2)
    return out


def main(url: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-metadata-"))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    quiet_logging()
    from zenml_airflow.metadata.store import SQLMetadataStore

    backend = "sqlite"
    if url is None:
        url = f"sqlite:///{work / 'metadata.db'}"
    else:
        # A schema of our own in the (shared) test database: never touch the tables of tests
        # that may be running against the same server.
        backend = url.split(":", 1)[0].split("+")[0]
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {BENCH_SCHEMA}")
        engine.dispose()
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{BENCH_SCHEMA}"
    store = SQLMetadataStore(url)
    pipeline = store.get_or_create_pipeline(PIPELINE)
    read, _ = store._engines()
    repeat = reps(5, 2)
    result: dict = {"backend": backend, "repeat": repeat, "steps_per_run": STEPS, "levels": {}}
    done = 0
    levels = LEVELS if not os.environ.get("BENCH_QUICK") else (100, 1_000)
    for level in levels:
        fill(read, done, level, pipeline.id)
        done = level
        result["levels"][str(level)] = measure(store, level, repeat)
    first, last = str(levels[0]), str(levels[-1])
    result["growth_first_to_last"] = {
        op: result["levels"][last][op]["median"] / result["levels"][first][op]["median"]
        for op in result["levels"][first]
    }
    store.close()
    if backend != "sqlite":
        engine = sa.create_engine(url.split("?")[0])
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")
    main(sys.argv[1] if len(sys.argv) > 1 else None)
