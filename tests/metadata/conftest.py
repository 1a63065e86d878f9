"""Fixtures for the metadata store contract suite.

Every test that takes ``store_url``, ``store`` or ``backend`` runs against every backend in
:data:`BACKENDS`: a sqlite file, and real MySQL/MariaDB and PostgreSQL servers whose scratch
database URLs are given in ``ZENML_AIRFLOW_TEST_MYSQL_URL`` / ``ZENML_AIRFLOW_TEST_POSTGRES_URL``
(those databases are wiped before each test). ``scripts/services.sh up`` starts both servers and
``scripts/services.sh env`` prints the URLs; ``make test`` does both.

A server backend whose URL is missing is never skipped silently:

* in CI (``CI`` set) or with ``ZENML_AIRFLOW_TEST_REQUIRE_SERVICES=1`` (``make test`` sets it)
  its tests fail, saying how to start the servers;
* otherwise - a developer running a quick subset without the servers - its tests are
  deselected at collection, and the run ends with a warning naming them and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from metadata_helpers import StartStep, raw_engine

from zenml_airflow.metadata import HEAD_REVISION, SQLMetadataStore, StepRunRecord
from zenml_airflow.metadata.engine import mask_url
from zenml_airflow.metadata.schema_migrations import VERSION_TABLE
from zenml_airflow.metadata.tables import METADATA

#: backend -> environment variable holding the URL of a scratch database (None: sqlite file).
BACKENDS: dict[str, str | None] = {
    "sqlite": None,
    "mysql": "ZENML_AIRFLOW_TEST_MYSQL_URL",
    "postgresql": "ZENML_AIRFLOW_TEST_POSTGRES_URL",
}
HOW_TO_START = (
    "start the servers with `scripts/services.sh up` and export their URLs with "
    '`eval "$(scripts/services.sh env)"` (`make test` does both)'
)
_HERE = Path(__file__).parent
_DESELECTED = pytest.StashKey[tuple[int, list[str]]]()


def _services_required() -> bool:
    return (
        bool(os.environ.get("CI")) or os.environ.get("ZENML_AIRFLOW_TEST_REQUIRE_SERVICES") == "1"
    )


def _missing_backends() -> dict[str, str]:
    return {
        backend: variable
        for backend, variable in BACKENDS.items()
        if variable is not None and not os.environ.get(variable)
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect, visibly, the server-backend cases a local run has no URL for."""
    missing = _missing_backends()
    if not missing or _services_required():
        return  # nothing missing, or the fixtures fail those cases loudly
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        in_suite = _HERE in Path(str(item.path)).parents
        (dropped if in_suite and backend in missing else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
        config.stash[_DESELECTED] = (len(dropped), sorted(missing.values()))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say which metadata store backends were not tested, and how to test them."""
    if _DESELECTED not in config.stash:
        return
    count, variables = config.stash[_DESELECTED]
    terminalreporter.write_sep("=", "metadata store backends NOT tested", yellow=True, bold=True)
    terminalreporter.write_line(
        f"{count} metadata store tests deselected: {', '.join(variables)} not set. To run them, "
        f"{HOW_TO_START}."
    )


def _wipe(url: str) -> None:
    """Drop every table: an empty database, as a new store finds it."""
    engine = raw_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def _empty_tables(url: str) -> bool:
    """Delete all rows if the database holds exactly the head schema; False if it does not.

    Much faster than dropping the tables and running the migrations again for each contract
    test; the schema tests, which need an empty database, use ``store_url`` and get one.
    """
    engine = raw_engine(url)
    tables = list(METADATA.tables)
    try:
        with engine.begin() as conn:
            if set(sa.inspect(conn).get_table_names()) != {*tables, VERSION_TABLE}:
                return False
            version = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
            if version != [(HEAD_REVISION,)]:
                return False
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
            else:
                conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 0"))
                for table in tables:
                    conn.execute(sa.text(f"TRUNCATE TABLE {table}"))
                conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 1"))
        return True
    finally:
        engine.dispose()


def _server_url(backend: str) -> str:
    variable = BACKENDS[backend] or ""
    url = os.environ.get(variable)
    if not url:
        pytest.fail(f"{variable} is not set, so {backend} cannot be tested: {HOW_TO_START}.")
    return url


def _reset(backend: str, *, keep_schema: bool) -> str:
    url = _server_url(backend)
    try:
        if not (keep_schema and _empty_tables(url)):
            _wipe(url)
    except sa.exc.OperationalError as exc:
        pytest.fail(f"Cannot reach {backend} at {mask_url(url)} ({exc.orig}): {HOW_TO_START}.")
    return url


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    """The name of each backend in turn."""
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> str:
    """The URL of an empty database (no tables at all) of each backend."""
    if backend == "sqlite":
        # A not-yet-existing sub-directory: the store must create it.
        return f"sqlite:///{tmp_path / 'stores' / 'metadata.db'}"
    return _reset(backend, keep_schema=False)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A sqlite store URL, for the tests of sqlite-specific behaviour."""
    return f"sqlite:///{tmp_path / 'stores' / 'metadata.db'}"


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[SQLMetadataStore]:
    """An open store with no rows (its schema may already exist), closed after the test."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'stores' / 'metadata.db'}"
    else:
        url = _reset(backend, keep_schema=True)
    with SQLMetadataStore(url) as opened:
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
