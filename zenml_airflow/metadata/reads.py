"""The read side of the metadata store: pipelines, runs, step runs, artifacts, lineage, cache.

Kept apart from the write side (``store.py``) so each module stays one idea; the two are joined
in :class:`~zenml_airflow.metadata.store.SQLMetadataStore`. Every method here is one read
transaction (a deferred BEGIN on sqlite, so it never waits for the write lock).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zenml_airflow.exceptions import DoesNotExistError
from zenml_airflow.metadata import queries as q
from zenml_airflow.metadata.queries import ARTIFACTS, INPUTS, OUTPUTS, PIPELINES, RUNS, STEPS
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
    def _transaction(self, fn: Callable[[Connection], T], *, write: bool, what: str) -> T:
        """Run ``fn`` in one (retried) transaction on a connection and return its result."""

    def list_pipelines(self) -> list[PipelineRecord]:
        """All pipelines, ordered by name."""
        return self._transaction(
            lambda c: [
                q.pipeline_record(p)
                for p in c.execute(sa.select(*PIPELINES.c).order_by(PIPELINES.c.name))
            ],
            write=False,
            what="list pipelines",
        )

    def get_pipeline(self, name: str) -> PipelineRecord | None:
        """The pipeline called ``name``, or None."""

        def tx(conn: Connection) -> PipelineRecord | None:
            found = conn.execute(sa.select(*PIPELINES.c).where(PIPELINES.c.name == name)).first()
            return None if found is None else q.pipeline_record(found)

        return self._transaction(tx, write=False, what=f"get pipeline '{name}'")

    def _runs(self, *conditions: sa.ColumnElement[bool], what: str) -> list[RunRecord]:
        return self._transaction(
            lambda c: [q.listed_run(row) for row in c.execute(q.select_runs(*conditions))],
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
        airflow_dag_ids: Collection[str] | None = None,
    ) -> list[RunRecord]:
        """Runs of a pipeline in chronological order, statuses derived in the same read.

        Without ``offset``/``limit`` every run. With them one page: the ``(pipeline_id,
        created_at, id)`` index picks the page's run ids and the status counts are computed for
        those runs only, so a page costs the same at 100 runs and at 100,000. ``newest_first``
        counts ``offset`` from the newest run and returns the page newest first
        (``list_runs(p, limit=1, newest_first=True)`` is the latest run). ``airflow_dag_ids``
        keeps only the runs made by those Airflow DAGs (orchestrator ``airflow``, orchestrator
        run id ``<dag_id>/<run_id>``): what a user allowed to read only those DAGs may see.
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError(f"offset and limit must be >= 0, got {offset} and {limit}.")
        what = f"list runs of '{pipeline_name}'"
        if offset == 0 and limit is None and not newest_first and airflow_dag_ids is None:
            return self._transaction(
                lambda c: [
                    q.listed_run(row)
                    for row in c.execute(q.RUNS_OF_PIPELINE, {"pipeline_name": pipeline_name})
                ],
                write=False,
                what=what,
            )
        conditions = _run_conditions(pipeline_name, airflow_dag_ids)

        def tx(conn: Connection) -> list[RunRecord]:
            order = (RUNS.c.created_at, RUNS.c.id)
            page = (
                sa.select(RUNS.c.id)
                .join(PIPELINES, PIPELINES.c.id == RUNS.c.pipeline_id)
                .where(*conditions)
                .order_by(*(c.desc() for c in order) if newest_first else order)
                .offset(offset)
            )
            if limit is not None:
                page = page.limit(limit)
            ids = list(conn.scalars(page))
            if not ids:
                return []
            records = [q.listed_run(row) for row in conn.execute(q.RUNS_WITH_IDS, {"run_ids": ids})]
            return records[::-1] if newest_first else records

        return self._transaction(tx, write=False, what=what)

    def count_runs(
        self, pipeline_name: str, *, airflow_dag_ids: Collection[str] | None = None
    ) -> int:
        """The number of runs of a pipeline (0 for an unknown pipeline); ``airflow_dag_ids`` as
        in :meth:`list_runs`."""
        conditions = _run_conditions(pipeline_name, airflow_dag_ids)
        return self._transaction(
            lambda c: (
                c.scalar(
                    sa.select(sa.func.count(RUNS.c.id))
                    .join(PIPELINES, PIPELINES.c.id == RUNS.c.pipeline_id)
                    .where(*conditions)
                )
                or 0
            ),
            write=False,
            what=f"count runs of '{pipeline_name}'",
        )

    def get_run(self, run_name: str) -> RunRecord | None:
        """The run called ``run_name``, or None."""
        return self._one_run(q.RUN_BY_NAME, {"run_name": run_name}, what=f"get run '{run_name}'")

    def get_run_by_id(self, run_id: int) -> RunRecord | None:
        """The run with id ``run_id``, or None."""
        return self._one_run(q.RUN_BY_ID, {"run_id": run_id}, what=f"get run {run_id}")

    def _one_run(self, statement: Any, params: dict[str, Any], *, what: str) -> RunRecord | None:
        def tx(conn: Connection) -> RunRecord | None:
            row = conn.execute(statement, params).first()
            return None if row is None else q.one_run(conn, row)

        return self._transaction(tx, write=False, what=what)

    def get_run_by_orchestrator_id(
        self, pipeline_name: str, orchestrator_run_id: str
    ) -> RunRecord | None:
        """The run of ``pipeline_name`` recorded for an orchestrator run (e.g. ``dag/run``)."""
        runs = self._runs(
            PIPELINES.c.name == pipeline_name,
            RUNS.c.orchestrator_run_id == orchestrator_run_id,
            what=f"get run '{orchestrator_run_id}' of '{pipeline_name}'",
        )
        return runs[0] if runs else None

    def list_step_runs(self, run_id: int) -> list[StepRunRecord]:
        """The latest try of each step of a run, ordered by ``(started_at, id)``."""
        return self._transaction(
            lambda c: [
                q.step_run_record(row) for row in c.execute(q.select_latest_step_runs(run_id))
            ],
            write=False,
            what=f"list step runs of run {run_id}",
        )

    def get_step_run(self, step_run_id: int) -> StepRunRecord:
        """The step run with this id; :class:`DoesNotExistError` if there is none."""
        return self._transaction(
            lambda c: q.step_run_record(q.step_row(c, step_run_id)),
            write=False,
            what=f"get step run {step_run_id}",
        )

    def get_step_io(
        self, step_run_id: int
    ) -> tuple[dict[str, ArtifactRecord], dict[str, ArtifactRecord]]:
        """``(inputs, outputs)`` of a step run by name; a cached step shows the reused outputs."""

        def tx(conn: Connection) -> tuple[dict[str, ArtifactRecord], dict[str, ArtifactRecord]]:
            q.step_row(conn, step_run_id)
            return (
                q.linked_artifacts(conn, INPUTS, [step_run_id])[step_run_id],
                q.linked_artifacts(conn, OUTPUTS, [step_run_id])[step_run_id],
            )

        return self._transaction(tx, write=False, what=f"get inputs/outputs of {step_run_id}")

    def get_step_outputs_in_run(
        self, run_id: int, step_names: list[str]
    ) -> dict[str, tuple[StepRunRecord, dict[str, ArtifactRecord]]]:
        """For each named step of a run: its latest try and that try's outputs, in one read.

        What the executor needs to resolve a step's inputs; steps that have not started are absent.
        """
        return self._transaction(
            lambda c: self._step_outputs_in_run(c, run_id, step_names),
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

        def tx(conn: Connection) -> tuple[UpstreamOutputs, str | None, CacheHit | None]:
            upstream = self._step_outputs_in_run(conn, run_id, step_names) if step_names else {}
            key = cache_key(upstream)
            return upstream, key, None if key is None else self._cache_hit(conn, key)

        return self._transaction(tx, write=False, what=f"resolve a step of run {run_id}")

    @staticmethod
    def _step_outputs_in_run(
        conn: Connection, run_id: int, step_names: list[str]
    ) -> UpstreamOutputs:
        rows = conn.execute(q.STEP_TRIES_NAMED, {"run_id": run_id, "names": step_names})
        steps = {name: q.step_run_record(row) for name, row in q.latest_of_each_step(rows).items()}
        outputs = q.linked_artifacts(conn, OUTPUTS, [step.id for step in steps.values()])
        return {name: (step, outputs[step.id]) for name, step in steps.items()}

    def list_run_outputs(
        self, run_ids: Collection[int]
    ) -> dict[int, dict[tuple[str, str], ArtifactRecord]]:
        """The outputs of the latest try of every step of each run, in one read:
        ``{run id: {(step name, output name): artifact}}`` (cached steps' shared artifacts
        included). For charts of values across runs."""
        ids = sorted(set(run_ids))
        found: dict[int, dict[tuple[str, str], ArtifactRecord]] = {i: {} for i in ids}
        if not ids:
            return found
        latest = q.latest_tries(RUNS.c.id.in_(ids))
        statement = (
            sa.select(
                STEPS.c.run_id.label("output_run_id"),
                STEPS.c.name.label("output_step"),
                OUTPUTS.c.name.label("output_name"),
                *ARTIFACTS.c,
            )
            .join(
                latest,
                sa.and_(
                    STEPS.c.run_id == latest.c.run_id,
                    STEPS.c.name == latest.c.name,
                    STEPS.c.try_number == latest.c.try_number,
                ),
            )
            .join(OUTPUTS, OUTPUTS.c.step_run_id == STEPS.c.id)
            .join(ARTIFACTS, ARTIFACTS.c.id == OUTPUTS.c.artifact_id)
        )

        def tx(conn: Connection) -> dict[int, dict[tuple[str, str], ArtifactRecord]]:
            for row in conn.execute(statement):
                key = (row.output_step, row.output_name)
                found[row.output_run_id][key] = q.artifact_record(row)
            return found

        return self._transaction(tx, write=False, what=f"list the outputs of {len(ids)} runs")

    def get_artifact(self, artifact_id: str) -> ArtifactRecord:
        """The artifact with this id; :class:`DoesNotExistError` if there is none."""
        return self._transaction(
            lambda c: q.artifact_record(self._artifact_row(c, artifact_id)),
            write=False,
            what=f"get artifact {artifact_id}",
        )

    def _artifact_row(self, conn: Connection, artifact_id: str) -> Any:
        row = conn.execute(sa.select(*ARTIFACTS.c).where(ARTIFACTS.c.id == artifact_id)).first()
        if row is None:
            raise DoesNotExistError(f"No artifact with id {artifact_id!r} in {self._masked}.")
        return row

    def find_identical_artifact(
        self,
        *,
        content_hash: str,
        materializer: str,
        data_type: str,
        artifact_type: str,
        under: str,
    ) -> ArtifactRecord | None:
        """An artifact with this content, written the same way, stored under the uri prefix
        ``under`` (an artifact store's root); the newest such one (the likeliest to still be
        there), or None.

        The executor asks this after writing an output: if one exists, the new artifact shares
        its stored copy instead of keeping a second one (ADR 0011).
        """
        prefix = under.rstrip("/") + "/"

        def tx(conn: Connection) -> ArtifactRecord | None:
            row = conn.execute(
                sa.select(*ARTIFACTS.c)
                .where(
                    ARTIFACTS.c.content_hash == content_hash,
                    ARTIFACTS.c.materializer == materializer,
                    ARTIFACTS.c.data_type == data_type,
                    ARTIFACTS.c.artifact_type == artifact_type,
                    ARTIFACTS.c.uri.startswith(prefix, autoescape=True),
                )
                .order_by(ARTIFACTS.c.created_at.desc(), ARTIFACTS.c.id.desc())
                .limit(1)
            ).first()
            return None if row is None else q.artifact_record(row)

        return self._transaction(tx, write=False, what=f"look up artifacts of hash {content_hash}")

    def artifact_uris_under(self, under: str) -> set[str]:
        """The uris of every registered artifact stored under the uri prefix ``under`` (an
        artifact store's root): what ``artifact-store gc`` must never remove."""
        prefix = under.rstrip("/") + "/"

        def tx(conn: Connection) -> set[str]:
            rows = conn.execute(
                sa.select(ARTIFACTS.c.uri).where(
                    ARTIFACTS.c.uri.startswith(prefix, autoescape=True)
                )
            )
            return {str(row[0]).rstrip("/") for row in rows}

        return self._transaction(tx, write=False, what=f"list the artifacts under {under}")

    def get_artifact_producer(self, artifact_id: str) -> StepRunRecord:
        """The step run that wrote the artifact (never a cached step that reused it)."""

        def tx(conn: Connection) -> StepRunRecord:
            artifact = self._artifact_row(conn, artifact_id)
            return q.step_run_record(q.step_row(conn, artifact.producer_step_run_id))

        return self._transaction(tx, write=False, what=f"get producer of {artifact_id}")

    def list_artifact_links(self, artifact_id: str) -> list[tuple[str, str, StepRunRecord]]:
        """Every step run that used the artifact: ``(kind, name, step run)`` with ``kind`` "input"
        (it consumed the artifact under input ``name``) or "output" (it produced it, or reused it
        from the cache, as output ``name``); ordered by ``(started_at, id)``. For the UI's lineage.
        """

        def tx(conn: Connection) -> list[tuple[str, str, StepRunRecord]]:
            links: list[tuple[str, str, StepRunRecord]] = []
            for kind, link in (("input", INPUTS), ("output", OUTPUTS)):
                rows = conn.execute(
                    sa.select(link.c.name.label("link_name"), *STEPS.c)
                    .join(STEPS, STEPS.c.id == link.c.step_run_id)
                    .where(link.c.artifact_id == artifact_id)
                )
                links.extend((kind, row.link_name, q.step_run_record(row)) for row in rows)
            links.sort(key=lambda link: (link[2].started_at, link[2].id, link[0]))
            return links

        return self._transaction(tx, write=False, what=f"list links of artifact {artifact_id}")

    def lookup_cache(self, cache_key: str) -> CacheHit | None:
        """The step run and outputs recorded for ``cache_key``, or None on a miss."""

        return self._transaction(
            lambda c: self._cache_hit(c, cache_key),
            write=False,
            what=f"look up cache key {cache_key}",
        )

    @staticmethod
    def _cache_hit(conn: Connection, cache_key: str) -> CacheHit | None:
        step = conn.execute(q.CACHE_HIT, {"cache_key": cache_key}).first()
        if step is None:  # no entry (its step run cannot be missing: foreign key)
            return None
        outputs = q.linked_artifacts(conn, OUTPUTS, [step.id])[step.id]
        return CacheHit(step_run=q.step_run_record(step), outputs=outputs)

    def get_parent_step_runs(self, step_run_id: int) -> list[StepRunRecord]:
        """The step runs whose outputs this step run consumed, ordered by ``(started_at, id)``.

        For each input the parent is the step run *of the same pipeline run* that output the
        artifact - which is the cached step itself when the upstream step was cached - and
        otherwise the artifact's producer.
        """

        def tx(conn: Connection) -> list[StepRunRecord]:
            step = q.step_row(conn, step_run_id)
            inputs = sa.select(INPUTS.c.artifact_id).where(INPUTS.c.step_run_id == step_run_id)
            same_run = conn.execute(
                sa.select(OUTPUTS.c.artifact_id.label("output_artifact_id"), *STEPS.c)
                .join(STEPS, STEPS.c.id == OUTPUTS.c.step_run_id)
                .where(OUTPUTS.c.artifact_id.in_(inputs), STEPS.c.run_id == step.run_id)
            ).all()
            parents = {row.id: row for row in same_run}
            covered = {row.output_artifact_id for row in same_run}
            producers = conn.execute(
                sa.select(*STEPS.c)
                .join(ARTIFACTS, ARTIFACTS.c.producer_step_run_id == STEPS.c.id)
                .where(ARTIFACTS.c.id.in_(inputs), ARTIFACTS.c.id.not_in(covered))
            )
            parents.update((row.id, row) for row in producers)
            ordered = sorted(parents.values(), key=lambda row: (row.started_at, row.id))
            return [q.step_run_record(row) for row in ordered]

        return self._transaction(tx, write=False, what=f"get parents of step run {step_run_id}")


def _run_conditions(
    pipeline_name: str, airflow_dag_ids: Collection[str] | None
) -> list[sa.ColumnElement[bool]]:
    conditions = [PIPELINES.c.name == pipeline_name]
    if airflow_dag_ids is not None:
        conditions.append(RUNS.c.orchestrator == "airflow")
        conditions.append(
            sa.or_(
                sa.false(),
                *(
                    RUNS.c.orchestrator_run_id.startswith(f"{dag_id}/", autoescape=True)
                    for dag_id in sorted(airflow_dag_ids)
                ),
            )
        )
    return conditions


__all__ = ["MetadataReads", "UpstreamOutputs"]
