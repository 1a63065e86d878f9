"""Fixtures for materializer tests: a fresh artifact directory on a local or a memory:// store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from zenml_airflow.artifacts import ArtifactStore, DataArtifact


@pytest.fixture(params=["local", "memory"])
def artifact(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DataArtifact]:
    """A prepared, empty artifact directory; materializers must work on every store scheme."""
    if request.param == "local":
        store = ArtifactStore(str(tmp_path / "store"))
    else:
        store = ArtifactStore(f"memory://materializers-{uuid.uuid4().hex}")
    uri = store.artifact_uri("pipeline", "step", "output", uuid.uuid4().hex)
    with store:
        store.prepare(uri)
        yield DataArtifact(uri=uri)
    if not store.is_local:
        fsspec.filesystem("memory").rm(store.path, recursive=True)


@pytest.fixture
def local_artifact(tmp_path: Path) -> DataArtifact:
    uri = tmp_path / "artifact"
    uri.mkdir()
    return DataArtifact(uri=str(uri))
