"""Cache entries belong to an artifact store (issue 14, bug 7).

Two stacks share one metadata store and write to two artifact stores. A step cached on one stack
must be a miss on the other (its artifacts are not in that store) - not an ArtifactStoreError -
and the miss must leave the first stack's entry alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.execution import steps_for_tests as s
from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.config import ProfileManager
from zenml_airflow.enums import ExecutionStatus, StackComponentType
from zenml_airflow.execution.cache_key import compute_cache_key
from zenml_airflow.execution.executor import StepExecutor
from zenml_airflow.metadata.records import CacheHit
from zenml_airflow.repository import Repository
from zenml_airflow.stack import (
    LocalArtifactStoreComponent,
    load_active_stack,
    register_component,
)
from zenml_airflow.stack.components import (
    MetadataStoreComponent,
    MySQLMetadataStoreComponent,
    PostgreSQLMetadataStoreComponent,
)

ORCH = StackComponentType.ORCHESTRATOR
META = StackComponentType.METADATA_STORE
ART = StackComponentType.ARTIFACT_STORE
STEPS = ["numbers", "add", "square"]


SERVERS = {
    "postgresql": ("ZENML_AIRFLOW_TEST_POSTGRES_URL", PostgreSQLMetadataStoreComponent),
    "mysql": ("ZENML_AIRFLOW_TEST_MYSQL_URL", MySQLMetadataStoreComponent),
}


def _server_store(backend: str) -> MetadataStoreComponent:
    """A metadata store component on the test database server, its database emptied first."""
    variable, component = SERVERS[backend]
    value = os.environ.get(variable)
    if not value:
        pytest.fail(
            f"{variable} is not set: run `scripts/services.sh up` and "
            '`eval "$(scripts/services.sh env)"` (make test does both).'
        )
    url = sa.make_url(value)
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    assert url.host is not None and url.database is not None
    return component(
        name="shared",
        host=url.host,
        port=url.port,
        database=url.database,
        username=url.username,
        password=url.password,
    )


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def two_stacks(
    request: pytest.FixtureRequest,
    isolated_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Path, Path]:
    """Stacks 'first' and 'second': one metadata store, artifact roots returned in that order."""
    profile = ProfileManager(isolated_config).ensure_default()
    default = profile.get_stack("default")
    meta = default[META]
    if request.param in SERVERS:
        register_component(profile, _server_store(request.param))
        meta = "shared"
    roots = (tmp_path / "first-artifacts", tmp_path / "second-artifacts")
    for name, root in zip(("first", "second"), roots, strict=True):
        register_component(profile, LocalArtifactStoreComponent(name=name, path=str(root)))
        profile.register_stack(name, {ORCH: default[ORCH], META: meta, ART: name})
    monkeypatch.setenv("ZENML_TEST_MARKER", str(tmp_path / "marker.txt"))
    s.CALLS.clear()
    return roots


def _run_on(stack: str, run_name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run the arithmetic pipeline on ``stack``; return the steps that really ran."""
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", stack)
    s.CALLS.clear()
    instance: Any = s.build()  # the decorated pipeline's type is opaque to mypy
    run = instance.run(run_name=run_name)
    assert run.status is ExecutionStatus.COMPLETED
    return list(s.CALLS)


def _statuses(run_name: str) -> list[ExecutionStatus]:
    pipeline = Repository().get_pipeline("arithmetic")
    assert pipeline is not None
    return [step.status for step in pipeline.get_run(run_name).steps]


def test_a_cache_entry_of_another_artifact_store_is_a_miss_and_both_entries_stay(
    two_stacks: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first_root, second_root = two_stacks
    assert _run_on("first", "on-first", monkeypatch) == STEPS

    # Same code, same inputs, same metadata store - but the first run's artifacts are not in
    # this stack's store: every step runs (before the fix: ArtifactStoreError, run failed).
    assert _run_on("second", "on-second", monkeypatch) == STEPS
    assert _statuses("on-second") == [ExecutionStatus.COMPLETED] * 3
    pipeline = Repository().get_pipeline("arithmetic")
    assert pipeline is not None
    second_uris = [
        a.uri for step in pipeline.get_run("on-second").steps for a in step.outputs.values()
    ]
    assert second_uris and all(uri.startswith(str(second_root) + "/") for uri in second_uris)

    # The first stack's entries survived the second stack's misses: a hit, nothing runs.
    assert _run_on("first", "first-again", monkeypatch) == []
    assert _statuses("first-again") == [ExecutionStatus.CACHED] * 3
    first_again = pipeline.get_run("first-again")
    assert all(
        a.uri.startswith(str(first_root) + "/")
        for step in first_again.steps
        for a in step.outputs.values()
    )
    # And the second stack has valid entries of its own.
    assert _run_on("second", "second-again", monkeypatch) == []
    assert _statuses("second-again") == [ExecutionStatus.CACHED] * 3


def test_a_hit_whose_artifacts_are_outside_this_store_is_a_miss_that_keeps_the_entry(
    two_stacks: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth for entries whose key does not say the store (e.g. a moved root)."""
    first_root, _ = two_stacks
    _run_on("first", "on-first", monkeypatch)
    pipeline = Repository().get_pipeline("arithmetic")
    assert pipeline is not None
    add = pipeline.get_run("on-first").get_step("add")
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", "second")
    second = load_active_stack()
    store = second.metadata_store.open_store()
    key = store.get_step_run(add.id).cache_key
    assert key is not None
    hit = store.lookup_cache(key)
    assert isinstance(hit, CacheHit)
    assert hit.outputs["output"].uri.startswith(str(first_root) + "/")

    spec_step = build_plan(s.build()).spec.step("add")
    assert StepExecutor(second)._usable_cache_hit(store, key, spec_step, hit) is None
    assert store.lookup_cache(key) is not None  # the first stack's entry is still there


def test_the_cache_key_names_the_artifact_store() -> None:
    base: dict[str, Any] = {
        "pipeline_name": "p",
        "step_name": "s",
        "source_hash": "h",
        "parameters": {},
        "materializer_hashes": {"output": "m"},
        "input_content_hashes": {},
    }
    first = compute_cache_key(**base, artifact_store="/data/first")
    assert first == compute_cache_key(**base, artifact_store="/data/first")
    assert first != compute_cache_key(**base, artifact_store="/data/second")
    assert first != compute_cache_key(**base, artifact_store="s3://bucket/data/first")
