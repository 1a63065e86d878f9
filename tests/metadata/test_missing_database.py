"""A sqlite store's database is created silently the first time only: a lost one is reported.

Issue 14: deleting (or losing) ``metadata.db`` used to give the next run an empty database
without a word - every run, the lineage and the step cache gone while the artifact store still
held the artifacts.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from zenml_airflow.exceptions import MetadataStoreError
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.metadata.schema_migrations import HEAD_REVISION
from zenml_airflow.metadata.sqlite_files import (
    create_database_file,
    init_database,
    marker_path,
)


def _delete_database(path: Path) -> None:
    """What a user's ``rm metadata.db*`` does (the marker is a hidden file: not matched)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _run_names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM pipeline_runs ORDER BY id")]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "stores" / "metadata.db"  # the directory does not exist yet


def test_a_brand_new_store_is_created_silently_with_its_marker(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="zenml_airflow")
    with SQLMetadataStore(f"sqlite:///{db_path}") as store:
        store.create_run("p", "first", num_steps=0)
    assert _run_names(db_path) == ["first"]
    marker = json.loads(marker_path(db_path).read_text())
    assert marker["database"] == "metadata.db" and marker["format"] == 1
    assert "metadata-store init" in marker["note"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_deleted_database_is_reported_not_silently_replaced(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    with SQLMetadataStore(url) as store:
        store.create_run("p", "first", num_steps=0)
    _delete_database(db_path)
    # This process has the database's engine cached (shared_engine): the loss is seen anyway.
    with pytest.raises(MetadataStoreError) as err:
        SQLMetadataStore(url).list_pipelines()
    message = str(err.value)
    assert f"The metadata store database {db_path} is missing" in message
    assert "history of your pipeline runs" in message
    assert "Restore the file" in message
    assert f"`zenml-airflow metadata-store init --uri {db_path}`" in message
    assert "`zenml-airflow metadata-store init NAME`" in message
    assert not db_path.exists()  # nothing was created in its place


def test_a_lost_database_is_reported_in_a_new_process(db_path: Path) -> None:
    """What an Airflow task sees: a process that never opened the database before."""
    url = f"sqlite:///{db_path}"
    with SQLMetadataStore(url) as store:
        store.create_run("p", "first", num_steps=0)
    _delete_database(db_path)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        outcome = pool.apply(_open_and_report, (url,))
    assert outcome.startswith("MetadataStoreError: The metadata store database"), outcome
    assert not db_path.exists()


def _open_and_report(url: str) -> str:
    try:
        SQLMetadataStore(url).list_pipelines()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "opened"


def test_init_creates_a_fresh_database_after_a_loss_and_runs_work_again(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    with SQLMetadataStore(url) as store:
        store.create_run("p", "first", num_steps=0)
    _delete_database(db_path)
    result = init_database(url)
    assert (result.action, result.removed_rows, result.revision) == ("created", 0, HEAD_REVISION)
    assert marker_path(db_path).exists()
    with SQLMetadataStore(url) as store:
        assert store.get_run("first") is None
        store.create_run("p", "second", num_steps=0)
    assert _run_names(db_path) == ["second"]


def test_init_refuses_a_database_with_data_unless_forced(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    with SQLMetadataStore(url) as store:
        store.create_run("p", "first", num_steps=0)
    with pytest.raises(
        MetadataStoreError, match=rf"{db_path} exists and holds \d+ rows.*pass --force"
    ):
        init_database(url)
    assert _run_names(db_path) == ["first"]  # untouched
    result = init_database(url, force=True)
    assert result.action == "replaced" and result.removed_rows >= 2  # a pipeline and a run
    assert _run_names(db_path) == []
    with SQLMetadataStore(url) as store:
        store.create_run("p", "again", num_steps=0)
    assert _run_names(db_path) == ["again"]


def test_init_keeps_a_database_without_data(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    with SQLMetadataStore(url) as store:
        assert store.list_pipelines() == []
    inode = db_path.stat().st_ino
    assert init_database(url).action == "kept"
    assert db_path.stat().st_ino == inode


def test_init_never_deletes_a_file_that_is_not_a_database_even_forced(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_text("my notes, not a database\n" * 100)
    url = f"sqlite:///{db_path}"
    for force in (False, True):
        with pytest.raises(
            MetadataStoreError, match=r"is not a sqlite database.*even with --force"
        ):
            init_database(url, force=force)
        assert db_path.read_text().startswith("my notes")


def test_init_replaces_a_damaged_sqlite_database_only_when_forced(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # the header, then garbage
    url = f"sqlite:///{db_path}"
    with pytest.raises(MetadataStoreError, match=r"cannot be read as a sqlite database.*--force"):
        init_database(url)
    assert init_database(url, force=True).action == "replaced"
    assert _run_names(db_path) == []


def test_init_refuses_a_server_database() -> None:
    with pytest.raises(MetadataStoreError, match=r"not one.*server database"):
        init_database("postgresql+psycopg://zen:pw@127.0.0.1:9/zen")


def test_a_database_created_before_markers_gets_one_when_opened(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:  # an empty file sqlite created, no marker
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
    assert not marker_path(db_path).exists()
    with SQLMetadataStore(f"sqlite:///{db_path}") as store:
        store.create_run("p", "legacy", num_steps=0)
    assert marker_path(db_path).exists()
    _delete_database(db_path)
    with pytest.raises(MetadataStoreError, match="is missing"):
        SQLMetadataStore(f"sqlite:///{db_path}").list_pipelines()


def test_a_concurrent_creator_that_wrote_the_marker_first_is_no_error(db_path: Path) -> None:
    """The interleaving of racing openers: this one found the database missing, then another
    one created the database and its marker before this one looked at the marker."""
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    marker_path(db_path).write_text("{}")
    create_database_file(db_path, f"sqlite:///{db_path}")  # no error: the database is there
    assert db_path.stat().st_size == 0 and marker_path(db_path).read_text() == "{}"


def _open_at_once(url: str, barrier: Any, index: int) -> str:
    barrier.wait(timeout=60)
    try:
        with SQLMetadataStore(url) as store:
            store.create_run("p", f"run-{index}", num_steps=0)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_many_processes_opening_a_fresh_path_at_once_all_succeed(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    processes = 8
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager, context.Pool(processes) as pool:
        barrier = manager.Barrier(processes)
        outcomes = pool.starmap(_open_at_once, [(url, barrier, i) for i in range(processes)])
    assert outcomes == ["ok"] * processes
    assert sorted(_run_names(db_path)) == sorted(f"run-{i}" for i in range(processes))
    assert marker_path(db_path).exists()
