"""``artifact-store gc``: unregistered artifact directories (a killed step's leftovers) older than
the grace period are found and removed; registered artifacts and young directories never are.
On every store kind: local, S3 (moto), GCS (fake-gcs-server)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.backends.object_stores import gcs_component, s3_component
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import (
    ArtifactStoreComponent,
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    SQLiteMetadataStoreComponent,
)
from zenml_airflow.stack.gc import find_garbage, remove_garbage
from zenml_airflow.steps import step


@step
def make() -> list:
    return [1, 2, 3]


@pipeline
def collected(make):
    make()


def _stack(flavor: str, tmp_path: Path) -> Stack:
    component: ArtifactStoreComponent
    if flavor == "s3":
        component = s3_component()
    elif flavor == "gcs":
        component = gcs_component()
    else:
        component = LocalArtifactStoreComponent.from_config(
            "local-store", {"path": str(tmp_path / "store")}
        )
    stack = Stack(
        "gc",
        orchestrator=LocalOrchestratorComponent(name="local"),
        metadata_store=SQLiteMetadataStoreComponent.from_config(
            "meta", {"uri": str(tmp_path / "m.db")}
        ),
        artifact_store=component,
    )
    Repository().register_stack(stack, activate=True)
    return Repository().active_stack


def _leftover(stack: Stack, name: str) -> str:
    """An artifact directory written as a killed step leaves it: files, no metadata row."""
    store = stack.artifact_store.open_store()
    uri = store.artifact_uri("collected", f"make-{name}", "output", uuid.uuid4().hex)
    with store:
        store.prepare(uri)
        with store.fs.open(str(store.fs._strip_protocol(uri)) + "/data.json", "w") as handle:
            handle.write("[1, 2")
    return uri


def _age(stack: Stack, uri: str, seconds: float) -> None:
    """Backdate a local directory (object stores cannot be backdated: they use a grace of 0)."""
    then = time.time() - seconds
    for path in [Path(uri), *Path(uri).rglob("*")]:
        os.utime(path, (then, then))


@pytest.mark.parametrize("flavor", ["local", "s3", "gcs"])
def test_gc_removes_only_old_unregistered_directories(flavor: str, tmp_path: Path) -> None:
    stack = _stack(flavor, tmp_path)
    run = collected(make=make()).run()
    registered = run.get_step("make").output.uri
    old, young = _leftover(stack, "old"), _leftover(stack, "young")
    store = stack.artifact_store.open_store()
    assert {registered, old, young} <= set(store.artifact_directories())

    if flavor == "local":
        _age(stack, old, 3 * 3600)
        grace = timedelta(hours=1)
    else:
        grace = timedelta(seconds=0)  # both leftovers are old enough; the young one is removed too
    found = {g.uri for g in find_garbage(stack, grace_period=grace)}
    assert registered not in found
    assert old in found
    assert (young in found) is (flavor != "local")

    removed = remove_garbage(stack, find_garbage(stack, grace_period=grace))
    assert set(removed) == found
    assert not store.exists(old)
    assert store.exists(registered)
    again = Repository().get_pipeline("collected").runs[-1]  # type: ignore[union-attr]
    assert again.get_step("make").output.read() == [1, 2, 3]
    assert again.status is ExecutionStatus.COMPLETED
    assert find_garbage(stack, grace_period=grace) == []  # nothing left


def test_a_directory_registered_after_listing_is_not_removed(tmp_path: Path) -> None:
    stack = _stack("local", tmp_path)
    leftover = _leftover(stack, "late")
    _age(stack, leftover, 3 * 3600)
    found = find_garbage(stack, grace_period=timedelta(hours=1))
    assert [g.uri for g in found] == [leftover]
    # The artifact gets registered between listing and removing (a slow writer finishing).
    from zenml_airflow.metadata import NewArtifact

    store = stack.metadata_store.open_store()
    run = store.create_run("collected", "late-run", num_steps=1)
    step_run = store.start_step_run(
        run.id,
        "make",
        entrypoint="x:y",
        entrypoint_name="y",
        try_number=1,
        docstring=None,
        parameters={},
        source_hash="0" * 64,
    )
    artifact: Any = NewArtifact(
        id=leftover.rsplit("/", 1)[-1],
        uri=leftover,
        artifact_type="DataArtifact",
        data_type="builtins:list",
        materializer="m:M",
        content_hash="0" * 64,
        size_bytes=5,
    )
    store.finish_step_run(
        step_run.id,
        status=ExecutionStatus.COMPLETED,
        cache_key=None,
        inputs={},
        outputs={"output": artifact},
    )
    assert remove_garbage(stack, found) == []
    assert stack.artifact_store.open_store().exists(leftover)
