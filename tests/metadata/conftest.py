"""Fixtures for the metadata store contract suite.

Every test takes ``store_url`` and so runs against every backend in :data:`BACKENDS`: sqlite
always, MySQL/MariaDB and PostgreSQL when an empty scratch database URL is given in
``ZENML_AIRFLOW_TEST_MYSQL_URL`` / ``ZENML_AIRFLOW_TEST_POSTGRES_URL`` (those databases are
wiped before each test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from metadata_helpers import StartStep, raw_engine

from zenml_airflow.metadata import SQLMetadataStore, StepRunRecord

#: backend -> environment variable holding the URL of a scratch database (None: sqlite file).
BACKENDS: dict[str, str | None] = {
    "sqlite": None,
    "mysql": "ZENML_AIRFLOW_TEST_MYSQL_URL",
    "postgresql": "ZENML_AIRFLOW_TEST_POSTGRES_URL",
}


def _wipe(url: str) -> None:
    engine = raw_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=list(BACKENDS))
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each configured backend."""
    backend: str = request.param
    if backend == "sqlite":
        # A not-yet-existing sub-directory: the store must create it.
        return f"sqlite:///{tmp_path / 'stores' / 'metadata.db'}"
    variable = BACKENDS[backend] or ""
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"set {variable} to test {backend}")
    _wipe(url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[SQLMetadataStore]:
    """An open store on an empty database, closed after the test."""
    with SQLMetadataStore(store_url) as opened:
        yield opened


@pytest.fixture
def start_step(store: SQLMetadataStore) -> StartStep:
    """``start_step(run_id, name, try_number=1, **overrides)`` with sensible step metadata."""

    def start(run_id: int, name: str, try_number: int = 1, **overrides: Any) -> StepRunRecord:
        fields: dict[str, Any] = {
            "entrypoint": f"my_pipeline.steps:{name}",
            "entrypoint_name": name,
            "docstring": f"The {name} step.",
            "parameters": {"lr": 0.1, "layers": [1, 2]},
            "source_hash": f"src-{name}",
            "try_number": try_number,
        }
        fields.update(overrides)
        return store.start_step_run(run_id, name, **fields)

    return start
