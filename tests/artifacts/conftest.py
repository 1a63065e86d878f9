"""Fixtures for the artifact store contract suite (implementations: ``artifact_store_cases``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from artifact_store_cases import (  # type: ignore[import-not-found]
    PERSISTENT_STORES,
    STORE_FACTORIES,
    STREAMING_STORES,
    StoreCase,
)

from zenml_airflow.artifacts import ArtifactStore


@pytest.fixture(params=sorted(STORE_FACTORIES))
def store_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    yield from _open_case(request.param, tmp_path)


@pytest.fixture(params=PERSISTENT_STORES)
def persistent_store_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    yield from _open_case(request.param, tmp_path)


@pytest.fixture(params=STREAMING_STORES)
def streaming_store_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    yield from _open_case(request.param, tmp_path)


def _open_case(name: str, tmp_path: Path) -> Iterator[StoreCase]:
    case = STORE_FACTORIES[name](tmp_path)
    with case.store:
        yield case
    if not case.store.is_local:
        fs = case.store.fs
        if fs.exists(case.store.path):
            fs.rm(case.store.path, recursive=True)


@pytest.fixture
def store(store_case: StoreCase) -> ArtifactStore:
    return store_case.store
