"""Fixtures of the integration tests: a fresh model artifact directory on a local or memory://
store."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from zenml_airflow.artifacts import ArtifactStore, ModelArtifact


@pytest.fixture(params=["local", "memory"])
def model_artifact(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelArtifact]:
    """A prepared, empty artifact directory; the materializer must work on every store scheme."""
    if request.param == "local":
        store = ArtifactStore(str(tmp_path / "store"))
    else:
        store = ArtifactStore(f"memory://integrations-{uuid.uuid4().hex}")
    uri = store.artifact_uri("pipeline", "trainer", "output", uuid.uuid4().hex)
    with store:
        store.prepare(uri)
        yield ModelArtifact(uri=uri)
    if not store.is_local:
        fsspec.filesystem("memory").rm(store.path, recursive=True)


@pytest.fixture
def local_model_artifact(tmp_path: Path) -> ModelArtifact:
    uri = tmp_path / "artifact"
    uri.mkdir()
    return ModelArtifact(uri=str(uri))


# The PyTorch and Keras test modules (all `@pytest.mark.heavy`) import their library at the top.
# They are collected only when heavy tests are selected (`make test-heavy`: `-m heavy`) and the
# library is installed: `make test` neither installs nor imports them (~10 s of imports saved),
# and `make test-heavy` without them collects nothing and fails ("no tests ran").
_HEAVY_TEST_MODULES = {"test_pytorch.py": "torch", "test_keras.py": "keras"}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    library = _HEAVY_TEST_MODULES.get(collection_path.name)
    if library is None:
        return None
    expression = config.option.markexpr or ""
    selected = "heavy" in expression and "not heavy" not in expression
    if not selected or importlib.util.find_spec(library) is None:
        return True
    return None
