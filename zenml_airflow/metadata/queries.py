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

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import DoesNotExistError
from zenml_airflow.metadata.models import (
    ArtifactModel,
    PipelineModel,
    PipelineRunModel,
    StepRunInputModel,
    StepRunModel,
    StepRunOutputModel,
)
from zenml_airflow.metadata.records import (
    ArtifactRecord,
    PipelineRecord,
    RunRecord,
    StepRunRecord,
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

    ``conditions`` may reference :class:`PipelineRunModel` and :class:`PipelineModel`. Uses the
    ``(run_id, name, try_number)`` unique index. A MAX/GROUP BY join rather than a window
    function keeps this portable to every backend version we support.
    """
    return (
        sa.select(
            StepRunModel.run_id,
            StepRunModel.name,
            sa.func.max(StepRunModel.try_number).label("try_number"),
        )
        .join(PipelineRunModel, PipelineRunModel.id == StepRunModel.run_id)
        .join(PipelineModel, PipelineModel.id == PipelineRunModel.pipeline_id)
        .where(*conditions)
        .group_by(StepRunModel.run_id, StepRunModel.name)
        .subquery("latest")
    )


def select_runs(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Runs matching ``conditions`` with their pipeline name and status counts, in one query.

    Rows are ``(PipelineRunModel, pipeline_name, n_failed, n_done)``; the counts are NULL for a
    run without step runs. Ordered chronologically by ``(created_at, id)``.
    """
    latest = latest_tries(*conditions)
    step = aliased(StepRunModel, name="latest_step")
    counts = (
        sa.select(
            step.run_id.label("run_id"),
            sa.func.count(sa.case((step.status == ExecutionStatus.FAILED.value, 1))).label(
                "n_failed"
            ),
            sa.func.count(sa.case((step.status.in_(_DONE), 1))).label("n_done"),
        )
        .join(
            latest,
            sa.and_(
                step.run_id == latest.c.run_id,
                step.name == latest.c.name,
                step.try_number == latest.c.try_number,
            ),
        )
        .group_by(step.run_id)
        .subquery("counts")
    )
    return (
        sa.select(PipelineRunModel, PipelineModel.name, counts.c.n_failed, counts.c.n_done)
        .join(PipelineModel, PipelineModel.id == PipelineRunModel.pipeline_id)
        .outerjoin(counts, counts.c.run_id == PipelineRunModel.id)
        .where(*conditions)
        .order_by(PipelineRunModel.created_at, PipelineRunModel.id)
    )


def select_latest_step_runs(run_id: int) -> Select[StepRunModel]:
    """The latest try of each step of run ``run_id``, ordered by ``(started_at, id)``."""
    latest = latest_tries(PipelineRunModel.id == run_id)
    return (
        sa.select(StepRunModel)
        .join(
            latest,
            sa.and_(
                StepRunModel.run_id == latest.c.run_id,
                StepRunModel.name == latest.c.name,
                StepRunModel.try_number == latest.c.try_number,
            ),
        )
        .order_by(StepRunModel.started_at, StepRunModel.id)
    )


def run_status(session: Session, run: PipelineRunModel) -> ExecutionStatus:
    """Derive the status of one run inside ``session`` (sees its uncommitted writes)."""
    row = session.execute(select_runs(PipelineRunModel.id == run.id)).one()
    return derive_run_status(row.n_failed or 0, row.n_done or 0, run.num_steps)


def run_status_of_steps(session: Session, run: PipelineRunModel) -> ExecutionStatus:
    """The same status as :func:`run_status`, from one indexed scan of the run's step rows.

    Reads ``(name, try_number, status)`` of every try of this run only (the ``(run_id, name,
    try_number)`` index), picks each step's latest try here and counts. A run has a handful of
    steps and tries, so this is cheaper than the grouped subqueries the many-run listing needs.
    """
    latest: dict[str, tuple[int, str]] = {}
    rows = session.execute(
        sa.select(StepRunModel.name, StepRunModel.try_number, StepRunModel.status).where(
            StepRunModel.run_id == run.id
        )
    )
    for name, try_number, status in rows:
        seen = latest.get(name)
        if seen is None or try_number > seen[0]:
            latest[name] = (try_number, status)
    statuses = [status for _, status in latest.values()]
    n_failed = sum(status == ExecutionStatus.FAILED.value for status in statuses)
    n_done = sum(status in _DONE for status in statuses)
    return derive_run_status(n_failed, n_done, run.num_steps)


def step_or_raise(session: Session, step_run_id: int) -> StepRunModel:
    """The step run row with this id, or :class:`DoesNotExistError`."""
    step = session.get(StepRunModel, step_run_id)
    if step is None:
        raise DoesNotExistError(f"No step run with id {step_run_id} in the metadata store.")
    return step


def linked_artifacts(
    session: Session,
    link: type[StepRunInputModel] | type[StepRunOutputModel],
    step_run_id: int,
) -> dict[str, ArtifactRecord]:
    """The artifacts linked to a step run as inputs or outputs, by input/output name."""
    rows = session.execute(
        sa.select(link.name, ArtifactModel)
        .join(ArtifactModel, ArtifactModel.id == link.artifact_id)
        .where(link.step_run_id == step_run_id)
        .order_by(link.name)
    )
    return {name: artifact_record(artifact) for name, artifact in rows}


def pipeline_record(model: PipelineModel) -> PipelineRecord:
    """Detach a pipeline row into a record."""
    return PipelineRecord(id=model.id, name=model.name, created_at=model.created_at)


def run_record(
    model: PipelineRunModel, pipeline_name: str, n_failed: int | None, n_done: int | None
) -> RunRecord:
    """Detach a run row into a record, deriving its status from the counts."""
    return RunRecord(
        id=model.id,
        pipeline_name=pipeline_name,
        name=model.name,
        status=derive_run_status(n_failed or 0, n_done or 0, model.num_steps),
        num_steps=model.num_steps,
        orchestrator=model.orchestrator,
        orchestrator_run_id=model.orchestrator_run_id,
        stack_name=model.stack_name,
        zenml_version=model.zenml_version,
        git_sha=model.git_sha,
        runtime_configuration=dict(model.runtime_configuration or {}),
        created_at=model.created_at,
        finished_at=model.finished_at,
    )


def step_run_record(model: StepRunModel) -> StepRunRecord:
    """Detach a step run row into a record."""
    return StepRunRecord(
        id=model.id,
        run_id=model.run_id,
        name=model.name,
        try_number=model.try_number,
        entrypoint=model.entrypoint,
        entrypoint_name=model.entrypoint_name,
        docstring=model.docstring,
        status=ExecutionStatus(model.status),
        parameters=dict(model.parameters or {}),
        cache_key=model.cache_key,
        source_hash=model.source_hash,
        step_operator=model.step_operator,
        cached_from_step_run_id=model.cached_from_step_run_id,
        error=model.error,
        started_at=model.started_at,
        finished_at=model.finished_at,
    )


def artifact_record(model: ArtifactModel) -> ArtifactRecord:
    """Detach an artifact row into a record."""
    return ArtifactRecord(
        id=model.id,
        uri=model.uri,
        artifact_type=model.artifact_type,
        data_type=model.data_type,
        materializer=model.materializer,
        content_hash=model.content_hash,
        size_bytes=model.size_bytes,
        producer_step_run_id=model.producer_step_run_id,
        created_at=model.created_at,
    )


__all__ = [
    "artifact_record",
    "linked_artifacts",
    "derive_run_status",
    "latest_tries",
    "pipeline_record",
    "run_record",
    "run_status",
    "run_status_of_steps",
    "select_latest_step_runs",
    "select_runs",
    "step_or_raise",
    "step_run_record",
]
