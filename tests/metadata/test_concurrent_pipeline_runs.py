"""Many processes run the same cached pipeline on one metadata store at once, on every backend:
all runs complete with the right results, each cache key answers one step run, and no step is
recorded twice (issue 14: "go looking for the next ones the same way" - the whole executor under
concurrency, not only the store's methods)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore

CLI = str(Path(sys.executable).with_name("zenml-airflow"))
PROCESSES = 10

PIPELINE = textwrap.dedent("""
    import sys
    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import BaseStepConfig, step

    class Scale(BaseStepConfig):
        factor: int = 0

    @step
    def load() -> list:
        return list(range(1000))

    @step
    def scale(data: list, config: Scale) -> list:
        return [x * config.factor for x in data]

    @step
    def total(data: list) -> int:
        return sum(data)

    @pipeline(enable_cache=True)
    def concurrent_pipeline(load, scale, total):
        total(scale(load()))

    i = int(sys.argv[1])
    run = concurrent_pipeline(load=load(), scale=scale(config=Scale(factor=i % 3)), total=total()).run(
        run_name=f"run-{i}")
    print(run.get_step("total").output.read())
""")


def _register_metadata_store(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        args = ["--flavor", "sqlite", f"--uri={parsed.database}"]
    else:
        flavor = "postgresql" if parsed.get_backend_name() == "postgresql" else "mysql"
        args = [
            "--flavor",
            flavor,
            f"--host={parsed.host}",
            f"--port={parsed.port}",
            f"--database={parsed.database}",
            f"--username={parsed.username}",
            f"--password={parsed.password}",
        ]
    subprocess.run(
        [CLI, "metadata-store", "register", "shared", *args], check=True, capture_output=True
    )


def test_processes_running_one_cached_pipeline_at_once_all_complete_and_share_the_cache(
    store_url: str, tmp_path: Path
) -> None:
    _register_metadata_store(store_url)
    subprocess.run(
        [
            CLI,
            "artifact-store",
            "register",
            "files",
            "--flavor",
            "local",
            f"--path={tmp_path / 'artifacts'}",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            CLI,
            "stack",
            "register",
            "shared",
            "-o",
            "default",
            "-m",
            "shared",
            "-a",
            "files",
            "--set",
        ],
        check=True,
        capture_output=True,
    )
    source = tmp_path / "concurrent_pipeline.py"
    source.write_text(PIPELINE)

    children = [
        subprocess.Popen(
            [sys.executable, str(source), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for i in range(PROCESSES)
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    for i, (child, (out, err)) in enumerate(zip(children, outputs, strict=True)):
        assert child.returncode == 0, f"run {i} failed:\n{err[-3000:]}"
        assert out.strip().splitlines()[-1] == str(sum(range(1000)) * (i % 3))

    with SQLMetadataStore(store_url) as store:
        runs = store.list_runs("concurrent_pipeline")
        assert sorted(r.name for r in runs) == sorted(f"run-{i}" for i in range(PROCESSES))
        assert all(r.status is ExecutionStatus.COMPLETED for r in runs)
        for run in runs:
            steps = store.list_step_runs(run.id)
            assert sorted(s.name for s in steps) == ["load", "scale", "total"], run.name
            # A cached step points at the step run that really ran with the same cache key.
            for step in steps:
                if step.status is ExecutionStatus.CACHED:
                    producer = store.get_step_run(step.cached_from_step_run_id)  # type: ignore[arg-type]
                    assert producer.status is ExecutionStatus.COMPLETED
                    assert producer.cache_key == step.cache_key
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            # load once, scale and total once per factor: each cache key answered by one step run.
            assert conn.execute(sa.text("SELECT count(*) FROM cache_entries")).scalar() == 7
            duplicates = conn.execute(
                sa.text(
                    "SELECT run_id, name, count(*) FROM step_runs GROUP BY run_id, name HAVING count(*) > 1"
                )
            ).all()
            assert duplicates == []
    finally:
        engine.dispose()
