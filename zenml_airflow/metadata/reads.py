"""The read side of the metadata store: pipelines, runs, step runs, artifacts, lineage, cache.

Kept apart from the write side (``store.py``) so each module stays one idea; the two are joined
in :class:`~zenml_airflow.metadata.store.SQLMetadataStore`. Every method here is one read
transaction (a deferred BEGIN on sqlite, so it never waits for the write lock).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zenml_airflow.exceptions import DoesNotExistError
from zenml_airflow.metadata import queries as q
from zenml_airflow.metadata.models import (
    ArtifactModel,
    CacheEntryModel,
    PipelineModel,
    PipelineRunModel,
    StepRunInputModel,
    StepRunModel,
    StepRunOutputModel,
)
from zenml_airflow.metadata.records import (
    ArtifactRecord,
    CacheHit,
    PipelineRecord,
    RunRecord,
    StepRunRecord,
)

T = TypeVar("T")

#: For each upstream step name: its latest try and that try's outputs by output name.
UpstreamOutputs = dict[str, tuple[StepRunRecord, dict[str, ArtifactRecord]]]


class MetadataReads(ABC):
    """Read API of the SQL metadata store; subclasses supply the transactions."""

    _masked: str

    @abstractmethod
    def _transaction(self, fn: Callable[[Session], T], *, write: bool, what: str) -> T:
        """Run ``fn`` in one (retried) transaction and return its result."""

    def list_pipelines(self) -> list[PipelineRecord]:
        """All pipelines, ordered by name."""
        return self._transaction(
            lambda s: [
                q.pipeline_record(p)
                for p in s.scalars(sa.select(PipelineModel).order_by(PipelineModel.name))
            ],
            write=False,
            what="list pipelines",
        )

    def get_pipeline(self, name: str) -> PipelineRecord | None:
        """The pipeline called ``name``, or None."""

        def tx(session: Session) -> PipelineRecord | None:
            found = session.scalars(
                sa.select(PipelineModel).where(PipelineModel.name == name)
            ).first()
            return None if found is None else q.pipeline_record(found)

        return self._transaction(tx, write=False, what=f"get pipeline '{name}'")

    def _runs(self, *conditions: sa.ColumnElement[bool], what: str) -> list[RunRecord]:
        return self._transaction(
            lambda s: [q.run_record(*row) for row in s.execute(q.select_runs(*conditions))],
            write=False,
            what=what,
        )

    def list_runs(
        self,
        pipeline_name: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[RunRecord]:
        """Runs of a pipeline in chronological order, statuses derived in the same read.

        Without ``offset``/``limit`` every run. With them one page: the ``(pipeline_id,
        created_at, id)`` index picks the page's run ids and the status counts are computed for
        those runs only, so a page costs the same at 100 runs and at 100,000. ``newest_first``
        counts ``offset`` from the newest run and returns the page newest first
        (``list_runs(p, limit=1, newest_first=True)`` is the latest run).
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError(f"offset and limit must be >= 0, got {offset} and {limit}.")
        what = f"list runs of '{pipeline_name}'"
        if offset == 0 and limit is None and not newest_first:
            return self._runs(PipelineModel.name == pipeline_name, what=what)

        def tx(session: Session) -> list[RunRecord]:
            order = (PipelineRunModel.created_at, PipelineRunModel.id)
            page = (
                sa.select(PipelineRunModel.id)
                .join(PipelineModel, PipelineModel.id == PipelineRunModel.pipeline_id)
                .where(PipelineModel.name == pipeline_name)
                .order_by(*(c.desc() for c in order) if newest_first else order)
                .offset(offset)
            )
            if limit is not None:
                page = page.limit(limit)
            ids = list(session.scalars(page))
            if not ids:
                return []
            records = [
                q.run_record(*row)
                for row in session.execute(q.select_runs(PipelineRunModel.id.in_(ids)))
            ]
            return records[::-1] if newest_first else records

        return self._transaction(tx, write=False, what=what)

    def count_runs(self, pipeline_name: str) -> int:
        """The number of runs of a pipeline (0 for an unknown pipeline)."""
        return self._transaction(
            lambda s: s.scalar(
                sa.select(sa.func.count(PipelineRunModel.id))
                .join(PipelineModel, PipelineModel.id == PipelineRunModel.pipeline_id)
                .where(PipelineModel.name == pipeline_name)
            )
            or 0,
            write=False,
            what=f"count runs of '{pipeline_name}'",
        )

    def get_run(self, run_name: str) -> RunRecord | None:
        """The run called ``run_name``, or None."""
        runs = self._runs(PipelineRunModel.name == run_name, what=f"get run '{run_name}'")
        return runs[0] if runs else None

    def get_run_by_id(self, run_id: int) -> RunRecord | None:
        """The run with id ``run_id``, or None."""
        runs = self._runs(PipelineRunModel.id == run_id, what=f"get run {run_id}")
        return runs[0] if runs else None

    def get_run_by_orchestrator_id(
        self, pipeline_name: str, orchestrator_run_id: str
    ) -> RunRecord | None:
        """The run of ``pipeline_name`` recorded for an orchestrator run (e.g. ``dag/run``)."""
        runs = self._runs(
            PipelineModel.name == pipeline_name,
            PipelineRunModel.orchestrator_run_id == orchestrator_run_id,
            what=f"get run '{orchestrator_run_id}' of '{pipeline_name}'",
        )
        return runs[0] if runs else None

    def list_step_runs(self, run_id: int) -> list[StepRunRecord]:
        """The latest try of each step of a run, ordered by ``(started_at, id)``."""
        return self._transaction(
            lambda s: [q.step_run_record(m) for m in s.scalars(q.select_latest_step_runs(run_id))],
            write=False,
            what=f"list step runs of run {run_id}",
        )

    def get_step_run(self, step_run_id: int) -> StepRunRecord:
        """The step run with this id; :class:`DoesNotExistError` if there is none."""
        return self._transaction(
            lambda s: q.step_run_record(q.step_or_raise(s, step_run_id)),
            write=False,
            what=f"get step run {step_run_id}",
        )

    def get_step_io(
        self, step_run_id: int
    ) -> tuple[dict[str, ArtifactRecord], dict[str, ArtifactRecord]]:
        """``(inputs, outputs)`` of a step run by name; a cached step shows the reused outputs."""

        def tx(session: Session) -> tuple[dict[str, ArtifactRecord], dict[str, ArtifactRecord]]:
            q.step_or_raise(session, step_run_id)
            return (
                q.linked_artifacts(session, StepRunInputModel, step_run_id),
                q.linked_artifacts(session, StepRunOutputModel, step_run_id),
            )

        return self._transaction(tx, write=False, what=f"get inputs/outputs of {step_run_id}")

    def get_step_outputs_in_run(
        self, run_id: int, step_names: list[str]
    ) -> dict[str, tuple[StepRunRecord, dict[str, ArtifactRecord]]]:
        """For each named step of a run: its latest try and that try's outputs, in one read.

        What the executor needs to resolve a step's inputs; steps that have not started are absent.
        """
        return self._transaction(
            lambda s: self._step_outputs_in_run(s, run_id, step_names),
            write=False,
            what=f"get upstream outputs in run {run_id}",
        )

    def resolve_step(
        self,
        run_id: int,
        step_names: list[str],
        cache_key: Callable[[UpstreamOutputs], str | None],
    ) -> tuple[UpstreamOutputs, str | None, CacheHit | None]:
        """The executor's one read before a step: upstream outputs, cache key, cache entry.

        Reads :meth:`get_step_outputs_in_run` for ``step_names`` (none are read when it is
        empty), calls ``cache_key`` with them (a pure function; what it raises propagates) and,
        when it returns a key, looks it up as :meth:`lookup_cache` does - all in one read
        transaction. Returns ``(upstream outputs, key, hit or None)``.
        """

        def tx(session: Session) -> tuple[UpstreamOutputs, str | None, CacheHit | None]:
            upstream = self._step_outputs_in_run(session, run_id, step_names) if step_names else {}
            key = cache_key(upstream)
            return upstream, key, None if key is None else self._cache_hit(session, key)

        return self._transaction(tx, write=False, what=f"resolve a step of run {run_id}")

    @staticmethod
    def _step_outputs_in_run(
        session: Session, run_id: int, step_names: list[str]
    ) -> UpstreamOutputs:
        latest = q.select_latest_step_runs(run_id).where(StepRunModel.name.in_(step_names))
        steps = {m.name: q.step_run_record(m) for m in session.scalars(latest)}
        result: dict[str, tuple[StepRunRecord, dict[str, ArtifactRecord]]] = {
            name: (step, {}) for name, step in steps.items()
        }
        if steps:
            by_id = {step.id: name for name, step in steps.items()}
            rows = session.execute(
                sa.select(StepRunOutputModel.step_run_id, StepRunOutputModel.name, ArtifactModel)
                .join(ArtifactModel, ArtifactModel.id == StepRunOutputModel.artifact_id)
                .where(StepRunOutputModel.step_run_id.in_(list(by_id)))
            )
            for step_run_id, output, artifact in rows:
                result[by_id[step_run_id]][1][output] = q.artifact_record(artifact)
        return result

    def get_artifact(self, artifact_id: str) -> ArtifactRecord:
        """The artifact with this id; :class:`DoesNotExistError` if there is none."""

        def tx(session: Session) -> ArtifactRecord:
            artifact = session.get(ArtifactModel, artifact_id)
            if artifact is None:
                raise DoesNotExistError(f"No artifact with id {artifact_id!r} in {self._masked}.")
            return q.artifact_record(artifact)

        return self._transaction(tx, write=False, what=f"get artifact {artifact_id}")

    def get_artifact_producer(self, artifact_id: str) -> StepRunRecord:
        """The step run that wrote the artifact (never a cached step that reused it)."""

        def tx(session: Session) -> StepRunRecord:
            artifact = session.get(ArtifactModel, artifact_id)
            if artifact is None:
                raise DoesNotExistError(f"No artifact with id {artifact_id!r} in {self._masked}.")
            return q.step_run_record(q.step_or_raise(session, artifact.producer_step_run_id))

        return self._transaction(tx, write=False, what=f"get producer of {artifact_id}")

    def list_artifact_links(self, artifact_id: str) -> list[tuple[str, str, StepRunRecord]]:
        """Every step run that used the artifact: ``(kind, name, step run)`` with ``kind`` "input"
        (it consumed the artifact under input ``name``) or "output" (it produced it, or reused it
        from the cache, as output ``name``); ordered by ``(started_at, id)``. For the UI's lineage.
        """

        def tx(session: Session) -> list[tuple[str, str, StepRunRecord]]:
            links: list[tuple[str, str, StepRunModel]] = []
            for kind, model in (("input", StepRunInputModel), ("output", StepRunOutputModel)):
                rows = session.execute(
                    sa.select(model.name, StepRunModel)
                    .join(StepRunModel, StepRunModel.id == model.step_run_id)
                    .where(model.artifact_id == artifact_id)
                ).all()
                links.extend((kind, name, step) for name, step in rows)
            links.sort(key=lambda link: (link[2].started_at, link[2].id, link[0]))
            return [(kind, name, q.step_run_record(step)) for kind, name, step in links]

        return self._transaction(tx, write=False, what=f"list links of artifact {artifact_id}")

    def lookup_cache(self, cache_key: str) -> CacheHit | None:
        """The step run and outputs recorded for ``cache_key``, or None on a miss."""

        return self._transaction(
            lambda s: self._cache_hit(s, cache_key),
            write=False,
            what=f"look up cache key {cache_key}",
        )

    @staticmethod
    def _cache_hit(session: Session, cache_key: str) -> CacheHit | None:
        step = session.scalars(
            sa.select(StepRunModel)
            .join(CacheEntryModel, CacheEntryModel.step_run_id == StepRunModel.id)
            .where(CacheEntryModel.cache_key == cache_key)
        ).first()
        if step is None:  # no entry (its step run cannot be missing: foreign key)
            return None
        outputs = q.linked_artifacts(session, StepRunOutputModel, step.id)
        return CacheHit(step_run=q.step_run_record(step), outputs=outputs)

    def get_parent_step_runs(self, step_run_id: int) -> list[StepRunRecord]:
        """The step runs whose outputs this step run consumed, ordered by ``(started_at, id)``.

        For each input the parent is the step run *of the same pipeline run* that output the
        artifact - which is the cached step itself when the upstream step was cached - and
        otherwise the artifact's producer.
        """

        def tx(session: Session) -> list[StepRunRecord]:
            step = q.step_or_raise(session, step_run_id)
            inputs = sa.select(StepRunInputModel.artifact_id).where(
                StepRunInputModel.step_run_id == step_run_id
            )
            same_run = session.execute(
                sa.select(StepRunOutputModel.artifact_id, StepRunModel)
                .join(StepRunModel, StepRunModel.id == StepRunOutputModel.step_run_id)
                .where(
                    StepRunOutputModel.artifact_id.in_(inputs),
                    StepRunModel.run_id == step.run_id,
                )
            ).all()
            parents = {s.id: s for _, s in same_run}
            covered = {artifact_id for artifact_id, _ in same_run}
            producers = session.scalars(
                sa.select(StepRunModel)
                .join(ArtifactModel, ArtifactModel.producer_step_run_id == StepRunModel.id)
                .where(ArtifactModel.id.in_(inputs), ArtifactModel.id.not_in(covered))
            )
            parents.update((s.id, s) for s in producers)
            ordered = sorted(parents.values(), key=lambda s: (s.started_at, s.id))
            return [q.step_run_record(s) for s in ordered]

        return self._transaction(tx, write=False, what=f"get parents of step run {step_run_id}")


__all__ = ["MetadataReads", "UpstreamOutputs"]
