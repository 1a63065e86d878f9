"""``zenml-airflow metadata-store init [NAME | --uri PATH] [--force]``: the explicit start-over
for a sqlite metadata store whose database was lost (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import cli_steps
import pytest
from cli_helpers import fails, invoke, ok

from zenml_airflow.exceptions import MetadataStoreError
from zenml_airflow.repository import Repository


def _run_names(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM pipeline_runs ORDER BY id")]


def _delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _default_db() -> Path:
    return Path(Repository().active_stack.metadata_store.uri)  # type: ignore[attr-defined]


def test_a_lost_database_stops_runs_until_init_creates_a_fresh_one() -> None:
    cli_steps.build().run(run_name="first")
    database = _default_db()
    _delete_database(database)

    with pytest.raises(MetadataStoreError, match=rf"database {database} is missing") as err:
        cli_steps.build().run(run_name="second")
    assert "zenml-airflow metadata-store init" in str(err.value)
    assert not database.exists()

    assert "Created an empty database for metadata store 'default'" in ok("metadata-store", "init")
    run = cli_steps.build().run(run_name="after-init")
    assert [step.is_cached for step in run.steps] == [False, False]  # the cache went with it
    assert _run_names(database) == ["after-init"]


def test_init_refuses_a_database_with_runs_unless_forced() -> None:
    cli_steps.build().run(run_name="kept")
    database = _default_db()
    message = fails("metadata-store", "init", "default")
    assert f"{database} exists and holds" in message and "--force" in message
    assert _run_names(database) == ["kept"]

    output = ok("metadata-store", "init", "default", "--force")
    assert "Deleted the database of metadata store 'default'" in output
    assert _run_names(database) == []
    cli_steps.build().run(run_name="fresh")
    assert _run_names(database) == ["fresh"]


def test_init_of_an_empty_database_keeps_it() -> None:
    database = _default_db()
    assert "Created" in ok("metadata-store", "init")
    assert "holds no runs; kept it" in ok("metadata-store", "init")
    assert database.exists()


def test_init_by_uri_for_a_worker_without_the_profile(tmp_path: Path) -> None:
    database = tmp_path / "worker" / "metadata.db"
    assert f"metadata store {database}" in ok("metadata-store", "init", "--uri", str(database))
    assert _run_names(database) == []


def test_init_argument_errors() -> None:
    result = invoke("metadata-store", "init", "default", "--uri", "/tmp/x.db")
    assert result.exit_code == 2 and "either NAME or --uri" in result.output
    assert "No metadata store named 'nope'" in fails("metadata-store", "init", "nope")
    ok(
        "metadata-store",
        "register",
        "pg",
        "-f",
        "postgresql",
        "--host=127.0.0.1",
        "--database=zen",
    )
    message = fails("metadata-store", "init", "pg")
    assert "flavor 'postgresql'" in message and "'sqlite' store" in message
