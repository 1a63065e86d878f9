"""The SQL metadata store: pipelines, runs, step runs, artifacts, lineage and the step cache.

One :class:`SQLMetadataStore` per process and store URL. Every public method is one database
transaction, retried as a whole on transient lock errors, and returns detached records
(``zenml_airflow.metadata.records``), never ORM objects.

Example::

    with SQLMetadataStore("sqlite:////tmp/zen/metadata.db") as store:
        run = store.create_run("training", "training-2024-01-01", num_steps=2)
        step = store.start_step_run(run.id, "trainer", entrypoint="my.mod:trainer",
                                    entrypoint_name="trainer", docstring=None,
                                    parameters={"lr": 0.1}, source_hash="ab12")
        store.finish_step_run(step.id, status=ExecutionStatus.COMPLETED, cache_key="k1",
                              inputs={}, outputs={"output": NewArtifact(...)})
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import SimpleNamespace, TracebackType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import DoesNotExistError, MetadataStoreError, RunNameExistsError
from zenml_airflow.metadata import liveness, schema_migrations
from zenml_airflow.metadata import queries as q
from zenml_airflow.metadata.engine import (
    WRITE_OPTION,
    mask_url,
    parse_url,
    run_with_retry,
    shared_engine,
)
from zenml_airflow.metadata.queries import CACHE, PIPELINES, RUNS
from zenml_airflow.metadata.reads import MetadataReads
from zenml_airflow.metadata.records import (
    NewArtifact,
    PipelineRecord,
    RunRecord,
    StepRunRecord,
)
from zenml_airflow.metadata.tables import HASH_LENGTH, NAME_LENGTH, REF_LENGTH, utcnow
from zenml_airflow.metadata.writes import (
    check_artifact,
    check_length,
    check_name,
    check_shared_uris,
    ensure_cache_entry,
    insert_artifacts_and_links,
    insert_if_absent,
    new_id,
    single_producer,
    update_step,
)

T = TypeVar("T")


class SQLMetadataStore(MetadataReads):
    """Metadata store on any SQLAlchemy database (sqlite, MySQL/MariaDB, PostgreSQL).

    Constructing it does not touch the database. The first call opens the engine and checks the
    schema revision: an empty database is initialised by running the migrations; an older one
    raises :class:`~zenml_airflow.exceptions.SchemaVersionError` asking for
    ``zenml-airflow metadata-store migrate`` (:meth:`migrate`); a newer one asks to upgrade
    zenml-airflow.

    Not fork-safe once used: build one in each process (the edges - CLI command, Airflow task -
    construct it and pass it down).
    """

    def __init__(self, url: str) -> None:
        self._url = parse_url(url)
        self._masked = mask_url(self._url)
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._write_engine: Engine | None = None
        self._schema_checked = False

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def masked_url(self) -> str:
        """The store URL with its password hidden, for messages and logs."""
        return self._masked

    def __repr__(self) -> str:
        return f"SQLMetadataStore({self._masked!r})"

    def __enter__(self) -> SQLMetadataStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Dispose of the engine and its pooled connections; a later call reopens lazily."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._write_engine = None
            self._schema_checked = False

    def _engines(self, *, check_schema: bool = True) -> tuple[Engine, Engine]:
        with self._lock:
            if self._engine is None:
                self._engine = shared_engine(self._url)
                # Same pool; transactions on this one BEGIN IMMEDIATE on sqlite.
                self._write_engine = self._engine.execution_options(**{WRITE_OPTION: True})
            assert self._write_engine is not None
            read, write = self._engine, self._write_engine
            if check_schema and not self._schema_checked:
                run_with_retry(
                    lambda: schema_migrations.ensure_schema(read, write, self._masked),
                    what="open its schema",
                    masked_url=self._masked,
                )
                self._schema_checked = True
            return read, write

    def schema_revision(self) -> str | None:
        """The database's current schema revision (None for an empty or base database)."""
        read, _ = self._engines(check_schema=False)

        def action() -> str | None:
            with read.connect() as conn, conn.begin():
                return schema_migrations.read_state(conn).revision

        return run_with_retry(action, what="read its schema revision", masked_url=self._masked)

    def migrate(self) -> str:
        """Upgrade the database schema to this version's head revision and return it."""
        _, write = self._engines(check_schema=False)
        revision = run_with_retry(
            lambda: schema_migrations.migrate(write, self._masked),
            what="migrate its schema",
            masked_url=self._masked,
        )
        with self._lock:
            self._schema_checked = False
        return revision

    def _transaction(self, fn: Callable[[Connection], T], *, write: bool, what: str) -> T:
        read_engine, write_engine = self._engines()
        engine = write_engine if write else read_engine

        def action() -> T:
            with engine.begin() as conn:
                return fn(conn)

        return run_with_retry(action, what=what, masked_url=self._masked)

    # --- helpers used inside transactions ----------------------------------------------------

    def _run_exists(self, run_name: str) -> RunNameExistsError:
        return RunNameExistsError(
            f"A pipeline run named '{run_name}' already exists in {self._masked}; pass a "
            "different run_name."
        )

    @staticmethod
    def _pipeline_in(conn: Connection, name: str) -> Any:
        """The pipeline row called ``name``, inserted if missing (safe under concurrency)."""
        found = conn.execute(q.PIPELINE_BY_NAME, {"pipeline_name": name}).first()
        if found is not None:
            return found
        insert_if_absent(conn, PIPELINES, {"name": name, "created_at": utcnow()})
        return conn.execute(q.PIPELINE_BY_NAME, {"pipeline_name": name}).one()

    @staticmethod
    def _lock_run(conn: Connection, run_id: int) -> Any:
        """The run row, locked until commit (a no-op on sqlite, whose writers are serial).

        Every write that touches a run's steps takes this lock before deciding anything from
        the run's other steps, so on the server databases those writes are serialised per
        run: two steps finishing at once cannot both miss that the run is now finished, and
        the foreign-key share lock a step insert takes cannot deadlock with another writer's
        update of the same run.
        """
        return conn.execute(q.LOCK_RUN, {"run_id": run_id}).first()

    @staticmethod
    def _set_finished_at(conn: Connection, run: Any, value: datetime | None) -> None:
        if value != run.finished_at:
            conn.execute(q.SET_RUN_FINISHED_AT, {"run_id": run.id, "new_finished_at": value})

    def _refresh_run_finished(
        self, conn: Connection, run_id: int, now: datetime, *, locked_run: Any = None
    ) -> None:
        # finished_at follows the derived status, so a retried step reopens its run. Under the
        # run lock the status query sees every other writer's committed steps (READ COMMITTED).
        # The status comes from one indexed scan of this run's step rows (its latest tries are
        # picked here), not from the two-subquery derivation list_runs uses for many runs; the
        # result is the same (q.run_status_of_steps).
        run = locked_run if locked_run is not None else self._lock_run(conn, run_id)
        assert run is not None  # guaranteed by the step run's foreign key
        finished = q.run_status_of_steps(conn, run.id, run.num_steps).is_finished
        self._set_finished_at(conn, run, now if finished else None)

    # --- pipelines and runs: writes ----------------------------------------------------------

    def get_or_create_pipeline(self, name: str) -> PipelineRecord:
        """Return the pipeline called ``name``, creating it if needed (safe under concurrency)."""
        check_name("pipeline name", name)
        return self._transaction(
            lambda c: q.pipeline_record(self._pipeline_in(c, name)),
            write=True,
            what=f"get or create pipeline '{name}'",
        )

    def create_run(
        self,
        pipeline_name: str,
        run_name: str,
        *,
        num_steps: int,
        orchestrator: str = "local",
        orchestrator_run_id: str | None = None,
        stack_name: str | None = None,
        zenml_version: str = "",
        git_sha: str | None = None,
        runtime_configuration: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        """Create a new run; raise :class:`RunNameExistsError` if ``run_name`` is taken."""
        values = self._run_values(
            pipeline_name, run_name, num_steps, orchestrator, orchestrator_run_id,
            stack_name, zenml_version, git_sha, runtime_configuration,
        )  # fmt: skip

        def tx(conn: Connection) -> RunRecord:
            pipeline = self._pipeline_in(conn, pipeline_name)
            if self._find_run(conn, run_name) is not None:
                raise self._run_exists(run_name)
            self._check_orchestrator_run_free(conn, pipeline, orchestrator_run_id, run_name)
            try:
                return self._insert_run(conn, pipeline, values)
            except IntegrityError as exc:
                raise self._run_exists(run_name) from exc

        return self._transaction(tx, write=True, what=f"create run '{run_name}'")

    @staticmethod
    def _insert_run(conn: Connection, pipeline: Any, values: dict[str, Any]) -> RunRecord:
        with conn.begin_nested():  # a savepoint, so a conflict leaves the transaction usable
            result = conn.execute(q.INSERT_RUN, {"pipeline_id": pipeline.id, **values})
        row = {**values, "id": new_id(result)}
        status = q.derive_run_status(0, 0, values["num_steps"])  # no step has run yet
        return q.run_record(SimpleNamespace(**row), pipeline.name, status)

    def get_or_create_run(
        self,
        pipeline_name: str,
        run_name: str,
        *,
        orchestrator_run_id: str | None,
        num_steps: int,
        orchestrator: str = "local",
        stack_name: str | None = None,
        zenml_version: str = "",
        git_sha: str | None = None,
        runtime_configuration: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        """Return run ``run_name`` of this orchestrator run, creating it on first call.

        Idempotent across concurrent processes: every Airflow task of one DAG run calls it with
        the same arguments and all get the same run. A run of that name belonging to another
        pipeline or orchestrator run raises :class:`RunNameExistsError`; a run of this
        orchestrator run under another name raises :class:`MetadataStoreError`.
        """
        values = self._run_values(
            pipeline_name, run_name, num_steps, orchestrator, orchestrator_run_id,
            stack_name, zenml_version, git_sha, runtime_configuration,
        )  # fmt: skip

        def tx(conn: Connection) -> RunRecord:
            pipeline = self._pipeline_in(conn, pipeline_name)
            run = self._find_run(conn, run_name)
            if run is None:
                # Insert-if-absent, then look again: checking first ("is the orchestrator run
                # free?") and inserting after left a window in which a racer saw the winner's
                # committed run by orchestrator id but not by name, and failed (issue 14).
                insert_if_absent(conn, RUNS, {"pipeline_id": pipeline.id, **values})
                run = self._find_run(conn, run_name)
                if run is None:  # not inserted: this orchestrator run has a run of another name
                    self._check_orchestrator_run_free(conn, pipeline, orchestrator_run_id, run_name)
                    raise MetadataStoreError(  # pragma: no cover - the check above raises
                        f"Could not create run '{run_name}' in {self._masked}: a run with a "
                        "conflicting unique key exists."
                    )
            if run.pipeline_id != pipeline.id or run.orchestrator_run_id != orchestrator_run_id:
                raise RunNameExistsError(
                    f"A pipeline run named '{run_name}' already exists in {self._masked} for "
                    f"another pipeline or orchestrator run (orchestrator_run_id "
                    f"{run.orchestrator_run_id!r}, not {orchestrator_run_id!r}); pass a "
                    "different run_name."
                )
            return q.one_run(conn, conn.execute(q.RUN_BY_ID, {"run_id": run.id}).one())

        return self._transaction(tx, write=True, what=f"get or create run '{run_name}'")

    @staticmethod
    def _run_values(
        pipeline_name: str,
        run_name: str,
        num_steps: int,
        orchestrator: str,
        orchestrator_run_id: str | None,
        stack_name: str | None,
        zenml_version: str,
        git_sha: str | None,
        runtime_configuration: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        check_name("pipeline name", pipeline_name)
        check_name("run name", run_name)
        check_name("orchestrator", orchestrator, 64)
        if orchestrator_run_id is not None:
            check_name("orchestrator run id", orchestrator_run_id, REF_LENGTH)
        check_length("stack name", stack_name, NAME_LENGTH)
        check_length("zenml version", zenml_version, 64)
        check_length("git sha", git_sha, 64)
        if not isinstance(num_steps, int) or num_steps < 0:
            raise MetadataStoreError(
                f"num_steps of run '{run_name}' must be a non-negative int, got {num_steps!r}."
            )
        return {
            "name": run_name,
            "num_steps": num_steps,
            "orchestrator": orchestrator,
            "orchestrator_run_id": orchestrator_run_id,
            "stack_name": stack_name,
            "zenml_version": zenml_version,
            "git_sha": git_sha,
            "runtime_configuration": dict(runtime_configuration or {}),
            "created_at": utcnow(),
            "finished_at": None,
        }

    @staticmethod
    def _find_run(conn: Connection, run_name: str) -> Any:
        return conn.execute(q.RUN_BY_NAME, {"run_name": run_name}).first()

    def _check_orchestrator_run_free(
        self,
        conn: Connection,
        pipeline: Any,
        orchestrator_run_id: str | None,
        run_name: str,
    ) -> None:
        if orchestrator_run_id is None:
            return
        other = conn.scalars(
            sa.select(RUNS.c.name).where(
                RUNS.c.pipeline_id == pipeline.id,
                RUNS.c.orchestrator_run_id == orchestrator_run_id,
            )
        ).first()
        if other is not None:
            raise MetadataStoreError(
                f"Orchestrator run '{orchestrator_run_id}' of pipeline '{pipeline.name}' is "
                f"already recorded as run '{other}' in {self._masked}, so it cannot also be "
                f"run '{run_name}'. Use get_or_create_run with run name '{other}'."
            )

    # --- step runs: writes -------------------------------------------------------------------

    def start_step_run(
        self,
        run_id: int,
        name: str,
        *,
        entrypoint: str,
        entrypoint_name: str,
        docstring: str | None,
        parameters: Mapping[str, Any],
        source_hash: str,
        try_number: int = 1,
        step_operator: str | None = None,
    ) -> StepRunRecord:
        """Record that try ``try_number`` of step ``name`` of run ``run_id`` started."""
        values = self._step_values(
            name, entrypoint, entrypoint_name, docstring, parameters, source_hash, try_number,
            step_operator,
        )  # fmt: skip

        runner = liveness.current_runner()  # the calling process runs the step

        def tx(conn: Connection) -> StepRunRecord:
            fields = {
                "status": ExecutionStatus.RUNNING.value, "started_at": utcnow(),
                "runner_host": runner.host, "runner_pid": runner.pid,
                "runner_started": runner.started,
            }  # fmt: skip
            step, _ = self._insert_step(conn, run_id, {**values, **fields}, reopen=True)
            return q.step_run_record(step)

        return self._transaction(tx, write=True, what=f"start step run '{name}'")

    @staticmethod
    def _step_values(
        name: str,
        entrypoint: str,
        entrypoint_name: str,
        docstring: str | None,
        parameters: Mapping[str, Any],
        source_hash: str,
        try_number: int,
        step_operator: str | None,
    ) -> dict[str, Any]:
        check_name("step name", name)
        check_name("step entrypoint", entrypoint, REF_LENGTH)
        check_length("step entrypoint name", entrypoint_name, NAME_LENGTH)
        check_length("step source hash", source_hash, HASH_LENGTH)
        check_length("step operator", step_operator, NAME_LENGTH)
        if not isinstance(try_number, int) or try_number < 1:
            raise MetadataStoreError(
                f"try_number of step '{name}' must be >= 1, got {try_number!r}."
            )
        return {
            "name": name,
            "try_number": try_number,
            "entrypoint": entrypoint,
            "entrypoint_name": entrypoint_name,
            "docstring": docstring,
            "parameters": dict(parameters),
            "source_hash": source_hash,
            "step_operator": step_operator,
        }

    def _insert_step(
        self, conn: Connection, run_id: int, values: dict[str, Any], *, reopen: bool
    ) -> tuple[SimpleNamespace, Any]:
        """Insert a try of a step under the run lock; ``reopen``: mark the run unfinished.

        Returns the step row as inserted and the locked run row. No savepoint around the
        insert: a duplicate try raises, which rolls back the whole transaction, so there is
        nothing to continue with.
        """
        run = self._lock_run(conn, run_id)
        if run is None:
            raise DoesNotExistError(f"No pipeline run with id {run_id} in {self._masked}.")
        row = {
            "run_id": run_id, "cache_key": None, "cached_from_step_run_id": None, "error": None,
            "finished_at": None, "runner_host": None, "runner_pid": None, "runner_started": None,
            "image": None,
            **values,
        }  # fmt: skip
        try:
            result = conn.execute(q.INSERT_STEP, row)
        except IntegrityError as exc:
            raise MetadataStoreError(
                f"Try {values['try_number']} of step '{values['name']}' of run '{run.name}' was "
                "already started; pass the next try_number for a retry."
            ) from exc
        if values["try_number"] > 1:
            # Tries of a step run one after another, so an earlier try still RUNNING ended
            # without recording its result: its process was killed or its machine lost.
            conn.execute(
                q.FAIL_EARLIER_TRIES,
                {"of_run_id": run_id, "of_name": values["name"], "before_try": values["try_number"],
                 "new_finished_at": utcnow(),
                 "new_error": f"This try ended without recording a result (its process was "
                              f"killed or lost): try {values['try_number']} started after it."},
            )  # fmt: skip
        if reopen:
            self._set_finished_at(conn, run, None)  # a running step means a running run
        return SimpleNamespace(id=new_id(result), **row), run

    def finish_step_run(
        self,
        step_run_id: int,
        *,
        status: ExecutionStatus,
        cache_key: str | None,
        inputs: Mapping[str, str],
        outputs: Mapping[str, NewArtifact | str],
        cached_from_step_run_id: int | None = None,
    ) -> StepRunRecord:
        """Finish a running step run and register its artifacts and lineage atomically.

        ``inputs`` maps input names to existing artifact ids. ``outputs`` maps output names to a
        :class:`NewArtifact` to register now (its producer becomes this step run) or, for a
        CACHED step, to the id of the artifact originally produced. For a cached step without
        ``cached_from_step_run_id`` the producer of those artifacts is recorded. A COMPLETED
        step with a ``cache_key`` becomes the cache entry for that key unless one exists.
        """
        status = ExecutionStatus(status)
        if not status.is_successful:
            raise MetadataStoreError(
                f"finish_step_run takes status completed or cached, not {status.value!r}; "
                f"record failures of step run {step_run_id} with fail_step_run."
            )
        self._check_links(cache_key, inputs, outputs)

        def tx(conn: Connection) -> StepRunRecord:
            step = q.step_row(conn, step_run_id)
            if step.status != ExecutionStatus.RUNNING.value:
                raise MetadataStoreError(
                    f"Step run {step_run_id} ('{step.name}' try {step.try_number}) already "
                    f"finished with status {step.status}; start a new try instead."
                )
            final = self._finish_step(
                conn, step, status, cache_key, inputs, outputs, cached_from_step_run_id
            )
            return q.step_run_record(SimpleNamespace(**{**step._mapping, **final}))

        return self._transaction(tx, write=True, what=f"finish step run {step_run_id}")

    def record_cached_step(
        self,
        run_id: int,
        name: str,
        *,
        entrypoint: str,
        entrypoint_name: str,
        docstring: str | None,
        parameters: Mapping[str, Any],
        source_hash: str,
        cache_key: str,
        inputs: Mapping[str, str],
        outputs: Mapping[str, str],
        cached_from_step_run_id: int | None = None,
        try_number: int = 1,
        step_operator: str | None = None,
        started_at: datetime | None = None,
    ) -> StepRunRecord:
        """Start try ``try_number`` of step ``name`` and finish it as CACHED, in one transaction.

        Exactly :meth:`start_step_run` followed by ``finish_step_run(status=CACHED, ...)`` (same
        rows, same checks, same errors), in one write transaction instead of two: ``outputs``
        maps output names to the ids of the reused artifacts. ``started_at`` (aware, default
        now): when the executor began the step, before it looked the cache up.
        """
        values = self._step_values(
            name, entrypoint, entrypoint_name, docstring, parameters, source_hash, try_number,
            step_operator,
        )  # fmt: skip
        self._check_links(cache_key, inputs, outputs)

        def tx(conn: Connection) -> StepRunRecord:
            # Inserted with the values _finish_step sets, so the row is written once.
            now = utcnow()
            final = {"status": ExecutionStatus.CACHED.value, "cache_key": cache_key,
                     "cached_from_step_run_id": cached_from_step_run_id,
                     "started_at": started_at or now, "finished_at": now}  # fmt: skip
            step, run = self._insert_step(conn, run_id, {**values, **final}, reopen=False)
            final = self._finish_step(
                conn, step, ExecutionStatus.CACHED, cache_key, inputs, outputs,
                cached_from_step_run_id, locked_run=run, now=now, written=final,
            )  # fmt: skip
            return q.step_run_record(SimpleNamespace(**{**vars(step), **final}))

        return self._transaction(tx, write=True, what=f"record cached step run '{name}'")

    @staticmethod
    def _check_links(
        cache_key: str | None, inputs: Mapping[str, str], outputs: Mapping[str, NewArtifact | str]
    ) -> None:
        check_length("cache key", cache_key, HASH_LENGTH)
        for name in (*inputs, *outputs):
            check_name("input/output name", name)
        for artifact in outputs.values():
            if isinstance(artifact, NewArtifact):
                check_artifact(artifact)

    def _finish_step(
        self,
        conn: Connection,
        step: Any,
        status: ExecutionStatus,
        cache_key: str | None,
        inputs: Mapping[str, str],
        outputs: Mapping[str, NewArtifact | str],
        cached_from_step_run_id: int | None,
        *,
        locked_run: Any = None,
        now: datetime | None = None,
        written: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Register artifacts and lineage of a RUNNING step, finish it and refresh its run.

        No savepoint around the inserts: a conflict raises, which rolls back the whole
        transaction. ``locked_run``: the step's run when this transaction already holds its lock.
        ``written``: the final column values the step row was inserted with (no update needed
        when they are the ones computed here). Returns the step's final column values.
        """
        output_ids = {n: v.id if isinstance(v, NewArtifact) else v for n, v in outputs.items()}
        new = [v for v in outputs.values() if isinstance(v, NewArtifact)]
        existing = set(inputs.values()) | (set(output_ids.values()) - {a.id for a in new})
        found = set(conn.scalars(q.ARTIFACT_IDS_IN, {"ids": list(existing)})) if existing else set()
        if existing - found:
            raise DoesNotExistError(
                f"Step run {step.id} ('{step.name}') refers to artifacts "
                f"{sorted(existing - found)} that are not registered in {self._masked}."
            )
        if new:
            check_shared_uris(conn, step, new)
        now = now or utcnow()
        insert_artifacts_and_links(conn, step, inputs, output_ids, new, now)
        if status is ExecutionStatus.CACHED and cached_from_step_run_id is None:
            cached_from = single_producer(conn, set(output_ids.values()))
        else:
            cached_from = cached_from_step_run_id
        final = {
            "status": status.value, "cache_key": cache_key, "cached_from_step_run_id": cached_from,
            "finished_at": now,
        }  # fmt: skip
        if written is None or any(written.get(k) != v for k, v in final.items()):
            update_step(conn, step.id, {**final, "error": None})
        if status is ExecutionStatus.COMPLETED and cache_key is not None:
            ensure_cache_entry(conn, cache_key, step.id, now)
        self._refresh_run_finished(conn, step.run_id, now, locked_run=locked_run)
        return final

    def fail_step_run(self, step_run_id: int, error: str) -> StepRunRecord:
        """Mark a running step run as failed with ``error`` (a message or traceback)."""

        def tx(conn: Connection) -> StepRunRecord:
            step = q.step_row(conn, step_run_id)
            if step.status != ExecutionStatus.RUNNING.value:
                raise MetadataStoreError(
                    f"Step run {step_run_id} ('{step.name}' try {step.try_number}) already "
                    f"finished with status {step.status}; it cannot fail now."
                )
            now = utcnow()
            final = {"status": ExecutionStatus.FAILED.value, "error": error, "finished_at": now}
            update_step(conn, step_run_id, {**final, "cache_key": step.cache_key,
                                            "cached_from_step_run_id": step.cached_from_step_run_id})  # fmt: skip
            self._refresh_run_finished(conn, step.run_id, now)
            return q.step_run_record(SimpleNamespace(**{**step._mapping, **final}))

        return self._transaction(tx, write=True, what=f"fail step run {step_run_id}")

    def set_step_run_image(self, step_run_id: int, image: str) -> None:
        """Record the container image (``repository@sha256:...``) a running step run runs in."""
        check_length("step run image", image, REF_LENGTH)
        params = {"step_run_id": step_run_id, "new_image": image}
        what = f"record the image of step run {step_run_id}"
        if not self._transaction(lambda c: c.execute(q.SET_STEP_IMAGE, params).rowcount, write=True, what=what):  # fmt: skip
            raise MetadataStoreError(f"Step run {step_run_id} is not running: no image recorded.")

    # --- step runs whose process is gone ----------------------------------------------------

    def fail_orphaned_step_runs(self) -> list[StepRunRecord]:
        """Mark failed the RUNNING step runs of this host whose process has ended; return them.

        Only this host's step runs can be checked (``metadata/liveness.py``); a step run of a
        live process, or of another machine, is left alone. Cheap when there is nothing to do:
        one indexed read.
        """
        me = liveness.current_runner()
        rows = self._transaction(
            lambda conn: conn.execute(q.RUNNING_STEPS_ON_HOST, {"host": me.host}).all(),
            write=False,
            what="find the running step runs of this host",
        )
        gone: dict[int, str] = {}
        for row in rows:
            runner = liveness.Runner(row.runner_host, row.runner_pid, row.runner_started)
            if runner != me and liveness.is_gone(runner):
                gone[row.id] = (
                    f"The process running this step ({liveness.describe(runner)}) ended without "
                    "recording a result: it was killed (e.g. kill -9 or out of memory) or "
                    "crashed. Its partial artifacts, if any, are removed by `zenml-airflow "
                    "artifact-store gc --delete`."
                )
        return self._fail_running(rows, gone)

    def fail_unfinished_step_runs(self, run_id: int, reason: str) -> list[StepRunRecord]:
        """Mark failed every step run of run ``run_id`` still RUNNING, with ``reason``.

        For an orchestrator that knows the run is over (an Airflow DAG run that ended): no step
        of it can still be running, whichever machine ran it.
        """
        rows = self._transaction(
            lambda conn: conn.execute(q.RUNNING_STEPS_OF_RUN, {"run_id": run_id}).all(),
            write=False,
            what=f"find the running step runs of run {run_id}",
        )
        return self._fail_running(rows, {row.id: reason for row in rows})

    def _fail_running(self, rows: Sequence[Any], errors: Mapping[int, str]) -> list[StepRunRecord]:
        """Fail the step runs ``errors`` names (``rows`` holds their run ids) that are still
        RUNNING when the write happens - one that finished meanwhile keeps its result."""
        if not errors:
            return []

        def tx(conn: Connection) -> list[StepRunRecord]:
            now, failed = utcnow(), []
            for run_id in sorted({row.run_id for row in rows if row.id in errors}):
                run = self._lock_run(conn, run_id)  # the lock order of every step write
                for row in rows:
                    if row.run_id != run_id or row.id not in errors:
                        continue
                    params = {"step_run_id": row.id, "new_error": errors[row.id],
                              "new_finished_at": now}  # fmt: skip
                    if conn.execute(q.FAIL_IF_RUNNING, params).rowcount:
                        failed.append(q.step_run_record(q.step_row(conn, row.id)))
                self._refresh_run_finished(conn, run_id, now, locked_run=run)
            return failed

        return self._transaction(tx, write=True, what="record step runs whose process is gone")

    def delete_cache_entry(self, cache_key: str) -> bool:
        """Forget ``cache_key`` (e.g. its artifacts are gone); return whether it existed."""

        def tx(conn: Connection) -> bool:
            result = conn.execute(sa.delete(CACHE).where(CACHE.c.cache_key == cache_key))
            return bool(result.rowcount)

        return self._transaction(tx, write=True, what=f"delete cache entry {cache_key}")


__all__ = ["SQLMetadataStore"]
