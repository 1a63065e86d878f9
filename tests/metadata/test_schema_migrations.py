"""Schema lifecycle of the SQL metadata store: creation, version checks, migration, engine setup."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from metadata_helpers import raw_engine

from zenml_airflow.exceptions import MetadataStoreError, SchemaVersionError
from zenml_airflow.metadata import HEAD_REVISION, SQLMetadataStore
from zenml_airflow.metadata.engine import is_retryable, mask_url, run_with_retry
from zenml_airflow.metadata.schema_migrations import KNOWN_REVISIONS, VERSION_TABLE, alembic_config
from zenml_airflow.metadata.tables import METADATA

TABLES = {
    "pipelines",
    "pipeline_runs",
    "step_runs",
    "artifacts",
    "step_run_inputs",
    "step_run_outputs",
    "cache_entries",
}


def _execute(url: str, statement: str) -> None:
    engine = raw_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_constructing_a_store_does_not_touch_the_database(sqlite_url: str) -> None:
    path = Path(sa.engine.make_url(sqlite_url).database or "")
    store = SQLMetadataStore(sqlite_url)
    store.close()
    assert not path.exists() and not path.parent.exists()


def test_empty_database_is_created_by_the_migrations_at_first_use(store_url: str) -> None:
    with SQLMetadataStore(store_url) as store:
        assert store.list_pipelines() == []
        assert store.schema_revision() == HEAD_REVISION
    engine = raw_engine(store_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert TABLES | {VERSION_TABLE} <= tables


def test_head_revision_equals_the_alembic_script_directory_head() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_current_head() == HEAD_REVISION
    history = [rev.revision for rev in reversed(list(scripts.walk_revisions()))]
    assert tuple(history) == KNOWN_REVISIONS


def test_migrated_schema_matches_the_tables(store: SQLMetadataStore, store_url: str) -> None:
    store.list_pipelines()  # creates the schema through the migrations
    engine = raw_engine(store_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            differences = compare_metadata(context, METADATA)
    finally:
        engine.dispose()
    assert differences == []


def _downgrade(store_url: str, target: str) -> None:
    from alembic import command

    engine = raw_engine(store_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), target)
    finally:
        engine.dispose()


def test_older_schema_raises_with_migrate_hint_and_migrate_upgrades_it(store_url: str) -> None:
    with SQLMetadataStore(store_url) as store:
        store.create_run("p", "before", num_steps=1)
    _downgrade(store_url, "base")  # a genuinely older database, made by the real migrations

    with SQLMetadataStore(store_url) as store:
        assert store.schema_revision() is None
        with pytest.raises(
            SchemaVersionError,
            match=rf"schema revision base.*older than revision {HEAD_REVISION}.*"
            r"`zenml-airflow metadata-store migrate`",
        ) as caught:
            store.list_pipelines()
        assert store.masked_url in str(caught.value)
        assert store.migrate() == HEAD_REVISION
        assert store.schema_revision() == HEAD_REVISION
        run = store.create_run("p", "after", num_steps=1)
        assert store.get_run("after") == run


def test_a_0001_store_with_data_migrates_to_shared_artifact_storage(store_url: str) -> None:
    from metadata_helpers import new_artifact

    from zenml_airflow.enums import ExecutionStatus

    with SQLMetadataStore(store_url) as store:
        run = store.create_run("p", "before", num_steps=2)
        step = store.start_step_run(run.id, "a", entrypoint="m:a", entrypoint_name="a",
                                    docstring=None, parameters={}, source_hash="s")  # fmt: skip
        kept = new_artifact("a", content_hash="h")
        store.finish_step_run(step.id, status=ExecutionStatus.COMPLETED, cache_key="k",
                              inputs={}, outputs={"output": kept})  # fmt: skip
    _downgrade(store_url, "0001")

    with SQLMetadataStore(store_url) as store:
        assert store.schema_revision() == "0001"
        with pytest.raises(SchemaVersionError, match=r"schema revision 0001, older than revision"):
            store.get_run("before")
        assert store.migrate() == HEAD_REVISION
        assert store.get_artifact(kept.id) == dataclasses.replace(
            store.get_artifact(kept.id), uri=kept.uri, content_hash="h"
        )
        assert store.lookup_cache("k") is not None
        # what 0002 allows: a second artifact at the same uri with the same content
        step = store.start_step_run(run.id, "b", entrypoint="m:b", entrypoint_name="b",
                                    docstring=None, parameters={}, source_hash="s")  # fmt: skip
        twin = new_artifact("b", content_hash="h", uri=kept.uri)
        store.finish_step_run(step.id, status=ExecutionStatus.COMPLETED, cache_key=None,
                              inputs={"x": kept.id}, outputs={"output": twin})  # fmt: skip
        assert store.get_artifact(twin.id).uri == kept.uri
        assert store.get_run("before").status is ExecutionStatus.COMPLETED
        if store_url.startswith("sqlite"):  # enforcement, off during the migration, is back
            read, _ = store._engines()
            with read.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_stamped_older_revision_names_url_revision_and_expected(store_url: str) -> None:
    SQLMetadataStore(store_url).list_pipelines()
    _execute(store_url, f"DELETE FROM {VERSION_TABLE}")  # stamped at base
    with (
        SQLMetadataStore(store_url) as store,
        pytest.raises(SchemaVersionError, match=rf"older than revision {HEAD_REVISION}.*migrate"),
    ):
        store.get_run("anything")


def test_newer_revision_raises_asking_to_upgrade_zenml_airflow(store_url: str) -> None:
    SQLMetadataStore(store_url).list_pipelines()
    _execute(store_url, f"UPDATE {VERSION_TABLE} SET version_num = '9999_future'")
    with SQLMetadataStore(store_url) as store:
        with pytest.raises(
            SchemaVersionError, match=r"revision 9999_future, newer than.*Upgrade zenml-airflow"
        ):
            store.list_pipelines()
        with pytest.raises(SchemaVersionError, match="Upgrade zenml-airflow"):
            store.migrate()
        assert store.schema_revision() == "9999_future"


def test_zenml_tables_without_version_table_are_refused(store_url: str) -> None:
    engine = raw_engine(store_url)
    try:
        METADATA.create_all(engine)
    finally:
        engine.dispose()
    with (
        SQLMetadataStore(store_url) as store,
        pytest.raises(SchemaVersionError, match=rf"but no {VERSION_TABLE} table"),
    ):
        store.list_pipelines()


def test_unrelated_tables_do_not_prevent_initialisation(store_url: str) -> None:
    # e.g. the store shares a database with Airflow, which has its own alembic_version table.
    _execute(store_url, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    _execute(store_url, "INSERT INTO alembic_version VALUES ('airflow-rev')")
    with SQLMetadataStore(store_url) as store:
        assert store.create_run("p", "r", num_steps=0).name == "r"
        assert store.schema_revision() == HEAD_REVISION


def test_server_url_errors_name_the_url_with_password_masked() -> None:
    # Without the driver installed this is the install-hint error, with it "connection refused":
    # both must name the URL and never show the password.
    store = SQLMetadataStore("mysql+pymysql://zen:s3cret@127.0.0.1:9/metadata")
    with pytest.raises(MetadataStoreError, match=r"mysql\+pymysql://zen:\*\*\*@127.0.0.1:9") as err:
        store.list_pipelines()
    assert "s3cret" not in str(err.value)
    store.close()


def test_unopenable_database_raises_naming_the_url_and_cause(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}"  # a directory, not a database file
    with pytest.raises(
        MetadataStoreError, match=rf"'{url}' failed to open its schema: unable to open database"
    ):
        SQLMetadataStore(url).list_pipelines()


def test_sqlite_file_that_cannot_be_created_raises_naming_the_url(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    url = f"sqlite:///{blocker / 'sub' / 'metadata.db'}"
    with pytest.raises(
        MetadataStoreError, match=r"Cannot create the file of metadata store.*a-file/sub"
    ):
        SQLMetadataStore(url).list_pipelines()


def test_invalid_url_raises_with_an_example() -> None:
    with pytest.raises(MetadataStoreError, match=r"Invalid metadata store URL.*sqlite:////"):
        SQLMetadataStore("not a url at all")


def test_mask_url_hides_passwords_even_when_unparseable() -> None:
    assert mask_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert "pw" not in mask_url("weird://u:pw@@h")


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_url: str) -> None:
    store = SQLMetadataStore(sqlite_url)
    read, _ = store._engines()
    with read.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.close()


def test_sqlite_writes_begin_immediate_and_reads_begin_deferred(sqlite_url: str) -> None:
    store = SQLMetadataStore(sqlite_url)
    store.list_pipelines()
    read, _ = store._engines()
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    sa.event.listen(read, "before_cursor_execute", record)
    store.get_or_create_pipeline("p")
    store.list_pipelines()
    assert seen == ["BEGIN IMMEDIATE", "BEGIN"]
    store.close()


def test_opening_an_existing_store_does_not_import_alembic(store_url: str) -> None:
    SQLMetadataStore(store_url).list_pipelines()
    code = (
        "import sys\n"
        "from zenml_airflow.metadata import SQLMetadataStore\n"
        f"store = SQLMetadataStore({store_url!r})\n"
        "assert store.list_pipelines() == []\n"
        "assert 'alembic' not in sys.modules, 'alembic imported on open'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_store_reopens_lazily_after_close(store: SQLMetadataStore) -> None:
    store.get_or_create_pipeline("p")
    store.close()
    assert [p.name for p in store.list_pipelines()] == ["p"]


def test_transactions_are_retried_on_database_is_locked() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return "done"

    assert run_with_retry(flaky, what="write", masked_url="sqlite://") == "done"
    assert len(calls) == 3


def test_non_transient_database_errors_become_metadata_store_errors() -> None:
    def broken() -> None:
        raise sa.exc.OperationalError("SELECT", {}, Exception("disk I/O error"))

    assert not is_retryable(sa.exc.OperationalError("x", {}, Exception("disk I/O error")))
    with pytest.raises(MetadataStoreError, match=r"'sqlite:///x.db' failed to list.*disk I/O"):
        run_with_retry(broken, what="list things", masked_url="sqlite:///x.db")


def _wrapped(orig: Exception, statement: str = "INSERT") -> sa.exc.DBAPIError:
    return sa.exc.OperationalError(statement, {}, orig)


def test_server_lock_conflicts_are_retryable_by_error_code() -> None:
    import psycopg
    import pymysql

    assert is_retryable(_wrapped(pymysql.err.OperationalError(1213, "Deadlock found")))
    assert is_retryable(_wrapped(pymysql.err.OperationalError(1205, "Lock wait timeout")))
    assert is_retryable(_wrapped(psycopg.errors.SerializationFailure("conflict")))
    assert is_retryable(_wrapped(psycopg.errors.DeadlockDetected("cycle")))
    assert not is_retryable(_wrapped(pymysql.err.OperationalError(1146, "no such table")))
    assert not is_retryable(_wrapped(psycopg.errors.UndefinedTable("no such table")))


def test_a_deadlock_hidden_behind_a_failed_savepoint_rollback_is_retryable() -> None:
    # MySQL rolls the whole transaction back on a deadlock, so SQLAlchemy's ROLLBACK TO
    # SAVEPOINT fails next; the deadlock is only in that error's context.
    import pymysql

    deadlock = _wrapped(pymysql.err.OperationalError(1213, "Deadlock found"))
    savepoint = _wrapped(
        pymysql.err.OperationalError(1305, "SAVEPOINT sa_savepoint_1 does not exist"),
        "ROLLBACK TO SAVEPOINT sa_savepoint_1",
    )
    savepoint.__context__ = deadlock
    assert is_retryable(savepoint)
    assert not is_retryable(
        _wrapped(pymysql.err.OperationalError(1305, "SAVEPOINT sa_savepoint_1 does not exist"))
    )


def test_database_messages_in_errors_are_one_line() -> None:
    def unique_violation() -> None:
        raise sa.exc.IntegrityError(
            "INSERT", {}, Exception("duplicate key\nDETAIL:  Key (uri)=(/a) already exists.")
        )

    with pytest.raises(MetadataStoreError, match=r"duplicate key DETAIL: Key \(uri\)") as err:
        run_with_retry(unique_violation, what="insert", masked_url="postgresql://h/db")
    assert "\n" not in str(err.value)


def test_stores_on_one_database_share_an_engine_but_a_replaced_sqlite_file_gets_its_own(
    tmp_path: Path,
) -> None:
    from zenml_airflow.metadata.engine import parse_url, shared_engine
    from zenml_airflow.metadata.sqlite_files import marker_path

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    one, two = SQLMetadataStore(url), SQLMetadataStore(url)
    one.create_run("p", "first", num_steps=0)
    assert one._engines()[0] is two._engines()[0]  # one pool, one compiled-statement cache
    engine = one._engines()[0]
    # The stores stay open, as in a long-lived process (a notebook) whose user deletes the file
    # to start again: the pooled connection keeps the old file's inode alive, so the new file
    # is a new (device, inode) and gets an engine of its own. (Once every connection is closed,
    # the inode number may be reused - and then no connection to the old file is left to reuse.)
    (tmp_path / "shared.db").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"shared.db{suffix}").unlink(missing_ok=True)
    marker_path(tmp_path / "shared.db").unlink()  # starting over on purpose (issue 14)
    fresh = SQLMetadataStore(url)
    assert fresh.get_run("first") is None  # a new, empty database: not the deleted file
    fresh.create_run("p", "second", num_steps=0)
    assert fresh._engines()[0] is not engine
    with sa.create_engine(url).connect() as conn:  # what is on disk now
        names = conn.exec_driver_sql("SELECT name FROM pipeline_runs").scalars().all()
    assert names == ["second"]
    assert shared_engine(parse_url(url)) is fresh._engines()[0]
    for store in (one, two, fresh):
        store.close()


def test_a_forked_child_builds_its_own_engine(tmp_path: Path) -> None:
    import multiprocessing

    from zenml_airflow.metadata.engine import parse_url, shared_engine

    url = parse_url(f"sqlite:///{tmp_path / 'fork.db'}")
    SQLMetadataStore(str(url)).create_run("p", "parent", num_steps=0)
    parent = shared_engine(url)

    def child(queue: Any) -> None:
        engine = shared_engine(url)
        queue.put((engine is not parent, SQLMetadataStore(str(url)).get_run("parent") is not None))

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    process.join(30)
    assert queue.get(timeout=5) == (True, True)
    assert shared_engine(url) is parent  # the parent's own engine is untouched


def test_opening_a_sqlite_store_leaves_its_file_untouched(tmp_path: Path) -> None:
    import os

    path = tmp_path / "kept.db"
    url = f"sqlite:///{path}"
    with SQLMetadataStore(url) as store:
        store.create_run("p", "r", num_steps=0)
    os.utime(path, ns=(10**18, 10**18))
    with SQLMetadataStore(url) as store:
        assert store.get_run("r") is not None
    assert path.stat().st_mtime_ns == 10**18


def test_a_sqlite_file_locked_by_another_program_fails_after_one_more_wait_saying_why(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A lock held by another program (here a `sqlite3`-style exclusive transaction) used to be
    waited for busy_timeout x 8 retries (four minutes) without a word."""
    import logging
    import sqlite3

    from zenml_airflow.metadata import engine

    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    store = SQLMetadataStore(sqlite_url)
    store.get_or_create_pipeline("p")
    store.close()
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        fresh = SQLMetadataStore(sqlite_url)
        with (
            caplog.at_level(logging.WARNING, logger="zenml_airflow.metadata.engine"),
            pytest.raises(
                MetadataStoreError,
                match=r"is locked by another process \(waited about 2 s\)\. Another program holds a write "
                r"lock on the file - a `sqlite3` shell, or a long transaction",
            ),
        ):
            fresh.create_run("p", "blocked", num_steps=1)
        assert [
            r.getMessage() for r in caplog.records if "locked by another process" in r.getMessage()
        ] == [
            f"Metadata store {fresh.masked_url} is locked by another process; waited 1 s to "
            "create run 'blocked', waiting once more."
        ]
    finally:
        holder.rollback()
        holder.close()
    assert SQLMetadataStore(sqlite_url).create_run("p", "after", num_steps=1).name == "after"
