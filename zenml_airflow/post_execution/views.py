"""Read-only views of past runs: the seed's post-execution API.

    run = Repository().get_pipeline("training").runs[-1]
    model = run.get_step("trainer").output.read()

Views are thin wrappers over metadata-store records; lists are read when asked for, never cached on
the ``PipelineView`` (new runs appear without re-fetching the pipeline).
"""

from __future__ import annotations

import builtins
import contextlib
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

from zenml_airflow.artifact_io import read_artifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import DoesNotExistError, ZenMLAirflowError, did_you_mean
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.metadata.records import ArtifactRecord, PipelineRecord, RunRecord, StepRunRecord

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.store import SQLMetadataStore

logger = logging.getLogger(__name__)


class _Stores:
    """The stores a view reads from (the artifact store is needed only to read artifact data)."""

    def __init__(self, metadata: SQLMetadataStore, artifacts: ArtifactStore | None) -> None:
        self.metadata = metadata
        self.artifacts = artifacts

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        if self.artifacts is None:
            yield
        else:
            with self.artifacts:
                yield


class ArtifactView:
    """One stored artifact: where it is, what it holds, who produced it."""

    def __init__(self, record: ArtifactRecord, stores: _Stores, *, cached: bool = False) -> None:
        self._record = record
        self._stores = stores
        self._cached = cached

    @property
    def id(self) -> str:
        return self._record.id

    @property
    def uri(self) -> str:
        return self._record.uri

    @property
    def type(self) -> str:
        """The artifact type's name, e.g. ``DataArtifact``."""
        return self._record.artifact_type

    @property
    def data_type(self) -> str:
        """Import path of the Python type that was stored, e.g. ``builtins:int``."""
        return self._record.data_type

    @property
    def materializer(self) -> str:
        return self._record.materializer

    @property
    def content_hash(self) -> str:
        return self._record.content_hash

    @property
    def size_bytes(self) -> int | None:
        return self._record.size_bytes

    @property
    def metadata(self) -> dict[str, Any]:
        """Facts its materializer recorded about the value (shape, schema, model class...),
        readable without loading it; ``{}`` when none were recorded."""
        return dict(self._record.metadata)

    @property
    def created_at(self) -> datetime:
        return self._record.created_at

    @property
    def parent_step_id(self) -> int:
        return self._record.producer_step_run_id

    @property
    def producer_step(self) -> StepView:
        """The step run that wrote this artifact (for a cached step: the original producer)."""
        producer = self._stores.metadata.get_step_run(self._record.producer_step_run_id)
        return StepView(producer, self._stores)

    @property
    def is_cached(self) -> bool:
        """True when the step this view was reached from reused the artifact from an earlier run."""
        return self._cached

    def read(
        self,
        output_data_type: builtins.type | None = None,
        materializer_class: builtins.type[BaseMaterializer] | None = None,
    ) -> Any:
        """Load the artifact's data with its materializer.

        Args:
            output_data_type: the type to read it as (default: the type that was stored).
            materializer_class: use this materializer instead of the one recorded (needed when the
                recorded one cannot be imported in this process).

        Raises:
            MaterializerError: the materializer failed (chained), saying which artifact, where
                and with which materializer.
        """
        with self._stores.reading():
            return read_artifact(self._record, output_data_type, materializer=materializer_class)

    def __repr__(self) -> str:
        return f"ArtifactView(id={self.id!r}, type={self.type!r}, uri={self.uri!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArtifactView) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


class StepView:
    """One step of a pipeline run (its latest try)."""

    def __init__(self, record: StepRunRecord, stores: _Stores) -> None:
        self._record = record
        self._stores = stores

    @property
    def id(self) -> int:
        return self._record.id

    @property
    def name(self) -> str:
        """The step's name in the pipeline (the pipeline function's parameter name)."""
        return self._record.name

    @property
    def entrypoint_name(self) -> str:
        """The step function's (or class's) name."""
        return self._record.entrypoint_name

    @property
    def docstring(self) -> str | None:
        return self._record.docstring

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._record.parameters)

    @property
    def status(self) -> ExecutionStatus:
        return self._record.status

    @property
    def is_cached(self) -> bool:
        return self._record.status is ExecutionStatus.CACHED

    @property
    def is_completed(self) -> bool:
        """True when the step ran and completed (a cached step is not "completed")."""
        return self._record.status is ExecutionStatus.COMPLETED

    @property
    def cache_key(self) -> str | None:
        return self._record.cache_key

    @property
    def source_hash(self) -> str:
        return self._record.source_hash

    @property
    def error(self) -> str | None:
        return self._record.error

    @property
    def try_number(self) -> int:
        return self._record.try_number

    @property
    def image(self) -> str | None:
        """The container image this step ran in (``repository@sha256:...``) when a container
        step operator ran it; ``None`` otherwise."""
        return self._record.image

    @property
    def started_at(self) -> datetime:
        return self._record.started_at

    @property
    def finished_at(self) -> datetime | None:
        return self._record.finished_at

    @property
    def duration(self) -> float | None:
        if self._record.finished_at is None:
            return None
        return (self._record.finished_at - self._record.started_at).total_seconds()

    @cached_property
    def _io(self) -> tuple[dict[str, ArtifactRecord], dict[str, ArtifactRecord]]:
        return self._stores.metadata.get_step_io(self._record.id)

    @property
    def inputs(self) -> dict[str, ArtifactView]:
        return {name: ArtifactView(r, self._stores) for name, r in self._io[0].items()}

    @property
    def outputs(self) -> dict[str, ArtifactView]:
        return {
            name: ArtifactView(r, self._stores, cached=self.is_cached)
            for name, r in self._io[1].items()
        }

    @property
    def input(self) -> ArtifactView:
        """The only input (``ValueError`` when the step has zero or several)."""
        return _only(self.inputs, "input", self.name)

    @property
    def output(self) -> ArtifactView:
        """The only output (``ValueError`` when the step has zero or several)."""
        return _only(self.outputs, "output", self.name)

    @property
    def parent_steps(self) -> list[StepView]:
        return [
            StepView(r, self._stores) for r in self._stores.metadata.get_parent_step_runs(self.id)
        ]

    @property
    def parents_step_ids(self) -> list[int]:
        return [step.id for step in self.parent_steps]

    def __repr__(self) -> str:
        return f"StepView(name={self.name!r}, status={self.status.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StepView) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("step", self.id))


def _only(items: dict[str, ArtifactView], kind: str, step_name: str) -> ArtifactView:
    if len(items) != 1:
        raise ValueError(
            f"Step '{step_name}' has {len(items)} {kind}s {sorted(items)}; use .{kind}s[name]."
        )
    return next(iter(items.values()))


class PipelineRunView:
    """One run of a pipeline."""

    def __init__(self, record: RunRecord, stores: _Stores) -> None:
        self._record = record
        self._stores = stores

    @property
    def id(self) -> int:
        return self._record.id

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def pipeline_name(self) -> str:
        return self._record.pipeline_name

    @property
    def status(self) -> ExecutionStatus:
        """``running`` until every step finished; ``failed`` once any step failed."""
        fresh = self._stores.metadata.get_run_by_id(self._record.id)
        return fresh.status if fresh is not None else self._record.status

    @property
    def zenml_version(self) -> str:
        return self._record.zenml_version

    @property
    def git_sha(self) -> str | None:
        return self._record.git_sha

    @property
    def runtime_configuration(self) -> dict[str, Any]:
        return dict(self._record.runtime_configuration or {})

    @property
    def orchestrator(self) -> str:
        return self._record.orchestrator

    @property
    def orchestrator_run_id(self) -> str | None:
        return self._record.orchestrator_run_id

    @property
    def stack_name(self) -> str | None:
        return self._record.stack_name

    @property
    def created_at(self) -> datetime:
        return self._record.created_at

    @property
    def finished_at(self) -> datetime | None:
        fresh = self._stores.metadata.get_run_by_id(self._record.id)
        return fresh.finished_at if fresh is not None else self._record.finished_at

    @property
    def steps(self) -> list[StepView]:
        """The steps that have started, in execution order (latest try of each)."""
        return [StepView(r, self._stores) for r in self._stores.metadata.list_step_runs(self.id)]

    def get_step_names(self) -> list[str]:
        return [step.name for step in self.steps]

    def get_step(self, name: str) -> StepView:
        """The step called ``name`` (``KeyError`` naming the known steps otherwise)."""
        steps = self.steps
        for step in steps:
            if step.name == name:
                return step
        names = [s.name for s in steps]
        raise DoesNotExistError(
            f"Run '{self.name}' has no step named '{name}' (steps: {names}).{did_you_mean(name, names)}"
        )

    def __repr__(self) -> str:
        return f"PipelineRunView(name={self.name!r}, status={self.status.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PipelineRunView) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("run", self.id))


class RunsView(Sequence[PipelineRunView]):
    """The runs of one pipeline, oldest first, read from the store as they are accessed.

    Behaves like the list the seed returned - ``runs[i]``, ``runs[-1]`` (the latest run),
    ``runs[a:b]`` (a list), ``len(runs)``, iteration (oldest first), ``reversed(runs)``,
    ``run in runs``, ``runs == list_of_runs`` - without reading every run: an index or a slice
    reads one page through the store's ``(pipeline, created_at, id)`` index, ``len`` counts,
    iteration reads pages of :attr:`PAGE_SIZE`. Nothing is cached: each access sees the store
    as it is then (a run added meanwhile appears).
    """

    PAGE_SIZE = 500

    def __init__(self, pipeline_name: str, stores: _Stores) -> None:
        self._pipeline = pipeline_name
        self._stores = stores

    def _page(
        self, offset: int, limit: int, *, newest_first: bool = False
    ) -> list[PipelineRunView]:
        records = self._stores.metadata.list_runs(
            self._pipeline, offset=offset, limit=limit, newest_first=newest_first
        )
        return [PipelineRunView(r, self._stores) for r in records]

    def __len__(self) -> int:
        return self._stores.metadata.count_runs(self._pipeline)

    def __bool__(self) -> bool:
        return bool(self._page(0, 1))

    @overload
    def __getitem__(self, index: int) -> PipelineRunView: ...

    @overload
    def __getitem__(self, index: slice) -> list[PipelineRunView]: ...

    def __getitem__(self, index: int | slice) -> PipelineRunView | list[PipelineRunView]:
        if isinstance(index, slice):
            total = len(self)
            start, stop, step = index.indices(total)
            if step == 1:
                if stop <= start:
                    return []
                if total - stop < start:  # nearer the end (runs[-50:]): walk the index from there
                    return self._page(total - stop, stop - start, newest_first=True)[::-1]
                return self._page(start, stop - start)
            if step == -1:
                if start <= stop:
                    return []
                # start..stop+1 counted from the end: positions start, start-1, ..., stop+1
                return self._page(stop + 1, start - stop)[::-1]
            low, high = (start, stop) if step > 0 else (stop + 1, start + 1)
            if high <= low:
                return []
            page = self._page(low, high - low)
            return [page[i - low] for i in range(start, stop, step)]
        if not isinstance(index, int):
            raise TypeError(f"run indices must be integers or slices, not {type(index).__name__}")
        found = self._page(index, 1) if index >= 0 else self._page(-index - 1, 1, newest_first=True)
        if not found:
            raise IndexError(f"pipeline '{self._pipeline}' has no run at index {index}")
        return found[0]

    def __iter__(self) -> Iterator[PipelineRunView]:
        yield from self._paged(newest_first=False)

    def __reversed__(self) -> Iterator[PipelineRunView]:
        yield from self._paged(newest_first=True)

    def _paged(self, *, newest_first: bool) -> Iterator[PipelineRunView]:
        offset = 0
        while True:
            page = self._page(offset, self.PAGE_SIZE, newest_first=newest_first)
            yield from page
            if len(page) < self.PAGE_SIZE:
                return
            offset += len(page)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, PipelineRunView):
            return False
        record = self._stores.metadata.get_run_by_id(item.id)
        return record is not None and record.pipeline_name == self._pipeline

    def __eq__(self, other: object) -> bool:
        # Like the seed's list: equal to a list (or another RunsView) of the same runs in order.
        if isinstance(other, RunsView):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable view, like a list

    def __repr__(self) -> str:
        return f"RunsView(pipeline={self._pipeline!r})"


class PipelineView:
    """A pipeline and its runs."""

    def __init__(self, record: PipelineRecord, stores: _Stores) -> None:
        self._record = record
        self._stores = stores

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def runs(self) -> RunsView:
        """All runs, oldest first: ``runs[-1]`` is the latest. Read afresh on each access.

        A lazy, read-only sequence (:class:`RunsView`): ``len(runs)``, ``runs[-1]`` and slices
        read only what they need, so they stay cheap with many runs; ``list(runs)`` reads all.
        """
        return RunsView(self.name, self._stores)

    def get_run_names(self) -> list[str]:
        return [run.name for run in self.runs]

    def get_run(self, name: str | None = None, *, run_name: str | None = None) -> PipelineRunView:
        """The run called ``name`` (the seed's docs also spell it ``get_run(run_name=...)``)."""
        if (name is None) == (run_name is None):
            raise TypeError(
                "get_run() takes the run's name once: get_run(name) or get_run(run_name=name)."
            )
        name = name if name is not None else run_name
        assert name is not None
        record = self._stores.metadata.get_run(name)
        if record is None or record.pipeline_name != self.name:
            names = self.get_run_names()
            raise DoesNotExistError(
                f"Pipeline '{self.name}' has no run named '{name}'.{did_you_mean(name, names)}"
            )
        return PipelineRunView(record, self._stores)

    def get_run_for_completed_step(self, step_name: str) -> PipelineRunView | None:
        """The latest run in which ``step_name`` actually ran (was not taken from the cache)."""
        for run in reversed(self.runs):
            for step in run.steps:
                if step.name == step_name and step.is_completed:
                    return run
        return None

    def __repr__(self) -> str:
        return f"PipelineView(name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PipelineView) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("pipeline", self.name))


def fail_orphaned_step_runs(metadata_store: SQLMetadataStore) -> None:
    """Record as failed the RUNNING steps of this host whose process is gone (killed with
    kill -9, out of memory), so that what is read next shows their runs as failed rather than
    running forever. A store this user may only read is read as it is."""
    try:
        metadata_store.fail_orphaned_step_runs()
    except ZenMLAirflowError as error:
        logger.debug("Could not record step runs of ended processes as failed: %s", error)


def get_pipelines(
    metadata_store: SQLMetadataStore, artifact_store: ArtifactStore | None = None
) -> list[PipelineView]:
    """Every pipeline recorded in ``metadata_store``, by name."""
    fail_orphaned_step_runs(metadata_store)
    stores = _Stores(metadata_store, artifact_store)
    return [PipelineView(record, stores) for record in metadata_store.list_pipelines()]


def get_pipeline(
    metadata_store: SQLMetadataStore, name: str, artifact_store: ArtifactStore | None = None
) -> PipelineView | None:
    """The pipeline called ``name``, or ``None`` (the seed's behaviour)."""
    fail_orphaned_step_runs(metadata_store)
    record = metadata_store.get_pipeline(name)
    return PipelineView(record, _Stores(metadata_store, artifact_store)) if record else None


def get_run(
    metadata_store: SQLMetadataStore, run_id: int, artifact_store: ArtifactStore | None = None
) -> PipelineRunView:
    fail_orphaned_step_runs(metadata_store)
    record = metadata_store.get_run_by_id(run_id)
    if record is None:
        raise DoesNotExistError(f"No pipeline run with id {run_id} in the metadata store.")
    return PipelineRunView(record, _Stores(metadata_store, artifact_store))
