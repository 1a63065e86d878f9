"""Query builders and row-to-record conversion shared by the store's methods.

The run status is derived here, in SQL, from the latest try of every step - never read from a
column a crashed writer could have left stale:

* FAILED if the latest try of any step failed;
* COMPLETED once the number of distinct steps whose latest try completed or was cached reaches
  the run's ``num_steps``;
* RUNNING otherwise - including a run whose remaining steps have not started yet (ZenML 0.7
  reported those as COMPLETED).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import DoesNotExistError
from zenml_airflow.metadata.records import (
    ArtifactRecord,
    PipelineRecord,
    RunRecord,
    StepRunRecord,
)
from zenml_airflow.metadata.tables import (
    ARTIFACTS,
    CACHE,
    INPUTS,
    OUTPUTS,
    PIPELINES,
    RUNS,
    STEPS,
)

_DONE = (ExecutionStatus.COMPLETED.value, ExecutionStatus.CACHED.value)


def derive_run_status(n_failed: int, n_done: int, num_steps: int) -> ExecutionStatus:
    """The status of a run from the counts of its steps' latest tries (see module docstring)."""
    if n_failed:
        return ExecutionStatus.FAILED
    if n_done >= num_steps:
        return ExecutionStatus.COMPLETED
    return ExecutionStatus.RUNNING


def latest_tries(*conditions: ColumnElement[bool]) -> sa.Subquery:
    """``(run_id, name, try_number)`` of the latest try of each step of the matching runs.

    ``conditions`` may reference the runs and pipelines tables. Uses the
    ``(run_id, name, try_number)`` unique index. A MAX/GROUP BY join rather than a window
    function keeps this portable to every backend version we support.
    """
    return (
        sa.select(STEPS.c.run_id, STEPS.c.name, sa.func.max(STEPS.c.try_number).label("try_number"))
        .select_from(STEPS)
        .join(RUNS, RUNS.c.id == STEPS.c.run_id)
        .join(PIPELINES, PIPELINES.c.id == RUNS.c.pipeline_id)
        .where(*conditions)
        .group_by(STEPS.c.run_id, STEPS.c.name)
        .subquery("latest")
    )


def select_runs(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Runs matching ``conditions`` with their pipeline name and status counts, in one query.

    Rows have the run columns plus ``pipeline_name``, ``n_failed`` and ``n_done`` (the counts are
    NULL for a run without step runs); :func:`run_record` turns one into a record. Ordered
    chronologically by ``(created_at, id)``.
    """
    latest = latest_tries(*conditions)
    step = STEPS.alias("latest_step")
    counts = (
        sa.select(
            step.c.run_id.label("run_id"),
            sa.func.count(sa.case((step.c.status == ExecutionStatus.FAILED.value, 1))).label(
                "n_failed"
            ),
            sa.func.count(sa.case((step.c.status.in_(_DONE), 1))).label("n_done"),
        )
        .join(
            latest,
            sa.and_(
                step.c.run_id == latest.c.run_id,
                step.c.name == latest.c.name,
                step.c.try_number == latest.c.try_number,
            ),
        )
        .group_by(step.c.run_id)
        .subquery("counts")
    )
    return (
        sa.select(
            *RUNS.c, PIPELINES.c.name.label("pipeline_name"), counts.c.n_failed, counts.c.n_done
        )
        .select_from(RUNS)
        .join(PIPELINES, PIPELINES.c.id == RUNS.c.pipeline_id)
        .outerjoin(counts, counts.c.run_id == RUNS.c.id)
        .where(*conditions)
        .order_by(RUNS.c.created_at, RUNS.c.id)
    )


def select_latest_step_runs(run_id: int) -> Select[Any]:
    """The latest try of each step of run ``run_id`` (step columns), ordered by ``(started_at, id)``."""
    latest = latest_tries(RUNS.c.id == run_id)
    return (
        sa.select(*STEPS.c)
        .join(
            latest,
            sa.and_(
                STEPS.c.run_id == latest.c.run_id,
                STEPS.c.name == latest.c.name,
                STEPS.c.try_number == latest.c.try_number,
            ),
        )
        .order_by(STEPS.c.started_at, STEPS.c.id)
    )


# --- prebuilt statements -------------------------------------------------------------------------
# Built once, executed with parameters. Building a statement costs about three times as much as
# executing a built one (SQLAlchemy reuses the compiled SQL either way), and a step's reads and
# writes are a dozen small statements: the executor's per-step cost is mostly this.


def _param(name: str, *, expanding: bool = False) -> Any:
    return sa.bindparam(name, expanding=expanding)


PIPELINE_BY_NAME = sa.select(*PIPELINES.c).where(PIPELINES.c.name == _param("pipeline_name"))
INSERT_PIPELINE = sa.insert(PIPELINES)
INSERT_RUN = sa.insert(RUNS)
#: The run (and its pipeline's name) by ``run_id``; by ``run_name``.
RUN_BY_ID = (
    sa.select(*RUNS.c, PIPELINES.c.name.label("pipeline_name"))
    .join(PIPELINES, PIPELINES.c.id == RUNS.c.pipeline_id)
    .where(RUNS.c.id == _param("run_id"))
)
RUN_BY_NAME = (
    sa.select(*RUNS.c, PIPELINES.c.name.label("pipeline_name"))
    .join(PIPELINES, PIPELINES.c.id == RUNS.c.pipeline_id)
    .where(RUNS.c.name == _param("run_name"))
)
#: Every run of ``pipeline_name`` with its status counts; the runs ``run_ids`` likewise.
RUNS_OF_PIPELINE = select_runs(PIPELINES.c.name == _param("pipeline_name"))
RUNS_WITH_IDS = select_runs(RUNS.c.id.in_(_param("run_ids", expanding=True)))
#: The run row by ``run_id``, locked for update (see the store's ``_lock_run``).
LOCK_RUN = (
    sa.select(RUNS.c.id, RUNS.c.name, RUNS.c.num_steps, RUNS.c.finished_at)
    .where(RUNS.c.id == _param("run_id"))
    .with_for_update()
)
SET_RUN_FINISHED_AT = (
    sa.update(RUNS)
    .where(RUNS.c.id == _param("run_id"))
    .values(finished_at=_param("new_finished_at"))
)
STEP_BY_ID = sa.select(*STEPS.c).where(STEPS.c.id == _param("step_run_id"))
#: Every try of the steps ``names`` of run ``run_id``.
STEP_TRIES_NAMED = sa.select(*STEPS.c).where(
    STEPS.c.run_id == _param("run_id"), STEPS.c.name.in_(_param("names", expanding=True))
)
#: ``(name, try_number, status)`` of every try of run ``run_id``.
STEP_STATUSES = sa.select(STEPS.c.name, STEPS.c.try_number, STEPS.c.status).where(
    STEPS.c.run_id == _param("run_id")
)
INSERT_STEP = sa.insert(STEPS)
#: Record the image of a running step run (container step operators).
SET_STEP_IMAGE = (
    sa.update(STEPS)
    .where(STEPS.c.id == _param("step_run_id"), STEPS.c.status == ExecutionStatus.RUNNING.value)
    .values(image=_param("new_image"))
)
FINISH_STEP = (
    sa.update(STEPS)
    .where(STEPS.c.id == _param("step_run_id"))
    .values(
        status=_param("new_status"),
        cache_key=_param("new_cache_key"),
        cached_from_step_run_id=_param("new_cached_from"),
        error=_param("new_error"),
        finished_at=_param("new_finished_at"),
    )
)
_RUNNING = ExecutionStatus.RUNNING.value
_FAILED = ExecutionStatus.FAILED.value
#: The RUNNING step runs recorded by processes of ``host`` (see ``metadata/liveness.py``).
RUNNING_STEPS_ON_HOST = sa.select(
    STEPS.c.id, STEPS.c.run_id, STEPS.c.runner_host, STEPS.c.runner_pid, STEPS.c.runner_started
).where(STEPS.c.status == _RUNNING, STEPS.c.runner_host == _param("host"))
#: The RUNNING step runs of run ``run_id``.
RUNNING_STEPS_OF_RUN = sa.select(STEPS.c.id, STEPS.c.run_id).where(
    STEPS.c.status == _RUNNING, STEPS.c.run_id == _param("run_id")
)
#: Fail step run ``step_run_id`` if it is still RUNNING.
FAIL_IF_RUNNING = (
    sa.update(STEPS)
    .where(STEPS.c.id == _param("step_run_id"), STEPS.c.status == _RUNNING)
    .values(status=_FAILED, error=_param("new_error"), finished_at=_param("new_finished_at"))
)
#: Fail the tries of step ``name`` of run ``run_id`` before ``try_number`` still RUNNING.
FAIL_EARLIER_TRIES = (
    sa.update(STEPS)
    .where(
        STEPS.c.run_id == _param("of_run_id"),
        STEPS.c.name == _param("of_name"),
        STEPS.c.try_number < _param("before_try"),
        STEPS.c.status == _RUNNING,
    )
    .values(status=_FAILED, error=_param("new_error"), finished_at=_param("new_finished_at"))
)
#: The artifacts (with input/output name and step run id) linked to the step runs ``ids``.
LINKED_ARTIFACTS = {
    link.name: sa.select(
        link.c.step_run_id.label("link_step_run_id"), link.c.name.label("link_name"), *ARTIFACTS.c
    )
    .join(ARTIFACTS, ARTIFACTS.c.id == link.c.artifact_id)
    .where(link.c.step_run_id.in_(_param("ids", expanding=True)))
    .order_by(link.c.step_run_id, link.c.name)
    for link in (INPUTS, OUTPUTS)
}
ARTIFACT_IDS_IN = sa.select(ARTIFACTS.c.id).where(ARTIFACTS.c.id.in_(_param("ids", expanding=True)))
INSERT_ARTIFACT = sa.insert(ARTIFACTS)
#: ``(uri, content_hash)`` of the artifacts registered at the ``uris``.
ARTIFACT_HASHES_AT = sa.select(ARTIFACTS.c.uri, ARTIFACTS.c.content_hash).where(
    ARTIFACTS.c.uri.in_(_param("uris", expanding=True))
)
INSERT_INPUT = sa.insert(INPUTS)
INSERT_OUTPUT = sa.insert(OUTPUTS)
#: The step run whose outputs answer ``cache_key``.
CACHE_HIT = (
    sa.select(*STEPS.c)
    .join(CACHE, CACHE.c.step_run_id == STEPS.c.id)
    .where(CACHE.c.cache_key == _param("cache_key"))
)
CACHE_KEY_EXISTS = sa.select(CACHE.c.cache_key).where(CACHE.c.cache_key == _param("cache_key"))
INSERT_CACHE_ENTRY = sa.insert(CACHE)


def latest_of_each_step(rows: Iterable[Any]) -> dict[str, Any]:
    """The row of the highest ``try_number`` per step ``name`` among ``rows`` of one run."""
    latest: dict[str, Any] = {}
    for row in rows:
        seen = latest.get(row.name)
        if seen is None or row.try_number > seen.try_number:
            latest[row.name] = row
    return latest


def run_status(conn: Connection, run_id: int) -> ExecutionStatus:
    """Derive the status of one run as :func:`select_runs` does (sees uncommitted writes)."""
    row = conn.execute(select_runs(RUNS.c.id == run_id)).one()
    return derive_run_status(row.n_failed or 0, row.n_done or 0, row.num_steps)


def run_status_of_steps(conn: Connection, run_id: int, num_steps: int) -> ExecutionStatus:
    """The same status as :func:`run_status`, from one indexed scan of the run's step rows.

    Reads ``(name, try_number, status)`` of every try of this run only (the ``(run_id, name,
    try_number)`` index), picks each step's latest try here and counts. A run has a handful of
    steps and tries, so this is cheaper than the grouped subqueries the many-run listing needs.
    """
    rows = conn.execute(STEP_STATUSES, {"run_id": run_id})
    statuses = [row.status for row in latest_of_each_step(rows).values()]
    n_failed = sum(status == ExecutionStatus.FAILED.value for status in statuses)
    n_done = sum(status in _DONE for status in statuses)
    return derive_run_status(n_failed, n_done, num_steps)


def step_row(conn: Connection, step_run_id: int) -> Any:
    """The step run row with this id, or :class:`DoesNotExistError`."""
    row = conn.execute(STEP_BY_ID, {"step_run_id": step_run_id}).first()
    if row is None:
        raise DoesNotExistError(f"No step run with id {step_run_id} in the metadata store.")
    return row


def linked_artifacts(
    conn: Connection, link: sa.Table, step_run_ids: list[int]
) -> dict[int, dict[str, ArtifactRecord]]:
    """The artifacts linked to step runs as inputs or outputs (``link`` is :data:`INPUTS` or
    :data:`OUTPUTS`): by step run id, then by input/output name (in name order)."""
    found: dict[int, dict[str, ArtifactRecord]] = {i: {} for i in step_run_ids}
    if not step_run_ids:
        return found
    rows = conn.execute(LINKED_ARTIFACTS[link.name], {"ids": step_run_ids})
    for row in rows:
        found[row.link_step_run_id][row.link_name] = artifact_record(row)
    return found


def pipeline_record(row: Any) -> PipelineRecord:
    """Detach a pipeline row into a record."""
    return PipelineRecord(id=row.id, name=row.name, created_at=row.created_at)


def run_record(row: Any, pipeline_name: str, status: ExecutionStatus) -> RunRecord:
    """Detach a run row (or anything with its column attributes) into a record."""
    return RunRecord(
        id=row.id,
        pipeline_name=pipeline_name,
        name=row.name,
        status=status,
        num_steps=row.num_steps,
        orchestrator=row.orchestrator,
        orchestrator_run_id=row.orchestrator_run_id,
        stack_name=row.stack_name,
        zenml_version=row.zenml_version,
        git_sha=row.git_sha,
        runtime_configuration=dict(row.runtime_configuration or {}),
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def step_run_record(row: Any) -> StepRunRecord:
    """Detach a step run row (or anything with its column attributes) into a record."""
    return StepRunRecord(
        id=row.id,
        run_id=row.run_id,
        name=row.name,
        try_number=row.try_number,
        entrypoint=row.entrypoint,
        entrypoint_name=row.entrypoint_name,
        docstring=row.docstring,
        status=ExecutionStatus(row.status),
        parameters=dict(row.parameters or {}),
        cache_key=row.cache_key,
        source_hash=row.source_hash,
        step_operator=row.step_operator,
        cached_from_step_run_id=row.cached_from_step_run_id,
        error=row.error,
        started_at=row.started_at,
        finished_at=row.finished_at,
        image=getattr(row, "image", None),
    )


def artifact_record(row: Any) -> ArtifactRecord:
    """Detach an artifact row into a record."""
    return ArtifactRecord(
        id=row.id,
        uri=row.uri,
        artifact_type=row.artifact_type,
        data_type=row.data_type,
        materializer=row.materializer,
        content_hash=row.content_hash,
        size_bytes=row.size_bytes,
        producer_step_run_id=row.producer_step_run_id,
        created_at=row.created_at,
        metadata=dict(row.metadata or {}),
    )


def listed_run(row: Any) -> RunRecord:
    """The record of one row of :func:`select_runs`."""
    status = derive_run_status(row.n_failed or 0, row.n_done or 0, row.num_steps)
    return run_record(row, row.pipeline_name, status)


def one_run(conn: Connection, row: Any) -> RunRecord:
    """The record of a row of :data:`RUN_BY_ID`/:data:`RUN_BY_NAME`: its status comes from one
    indexed scan of its step rows (:func:`run_status_of_steps`, the status :func:`select_runs`
    derives)."""
    return run_record(row, row.pipeline_name, run_status_of_steps(conn, row.id, row.num_steps))


__all__ = [
    "ARTIFACTS",
    "CACHE",
    "INPUTS",
    "OUTPUTS",
    "PIPELINES",
    "RUNS",
    "STEPS",
    "artifact_record",
    "derive_run_status",
    "latest_of_each_step",
    "latest_tries",
    "linked_artifacts",
    "listed_run",
    "one_run",
    "pipeline_record",
    "run_record",
    "run_status",
    "run_status_of_steps",
    "select_latest_step_runs",
    "select_runs",
    "step_row",
    "step_run_record",
]
