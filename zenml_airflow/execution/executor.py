"""The step executor: runs one step of one pipeline run, the same way on every backend.

The local orchestrator calls it in-process; each Airflow task calls it from the DAG's runtime.
For one step it:

1. opens the step run row (run, step, try number);
2. resolves the inputs from the upstream steps' output artifacts *in the same run*;
3. computes the cache key, and on a hit whose artifacts still exist links them and finishes as
   ``cached``;
4. calls the step with its inputs, config and (if asked) a ``StepContext``;
5. writes each output through its materializer into a fresh directory (an
   :class:`~zenml_airflow.artifact_io.OutputWriter`), then registers all
   artifacts, their content hashes and the lineage in one transaction. On any failure it removes
   what it wrote and records the failure, so nothing half-written ever looks valid.

With a *launcher* (a step operator), steps 4-5 run in another process: this side checks the cache
and opens the step run, the launched entrypoint runs the body through :meth:`StepExecutor.
execute_started` and finishes it, and a failure there is recorded here (ADR 0018).
"""

from __future__ import annotations

import logging
import time
import traceback
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zenml_airflow.artifact_io import OutputWriter, artifact_of, read_artifact
from zenml_airflow.artifacts import BaseArtifact
from zenml_airflow.core.context import RunInfo, StepContext
from zenml_airflow.core.spec import PipelineSpec, StepSpec
from zenml_airflow.core.step import BaseStep, StepSignature
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.environment import StepEnvironment
from zenml_airflow.exceptions import StepExecutionError, StepInterfaceError, ZenMLAirflowError
from zenml_airflow.execution.cache_key import compute_cache_key
from zenml_airflow.execution.code_hashes import live_code_hashes
from zenml_airflow.execution.launch import RemoteStepError, StepLaunch, StepLauncher
from zenml_airflow.execution.output_types import check_output_types
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import load_materializer
from zenml_airflow.metadata.reads import UpstreamOutputs
from zenml_airflow.metadata.records import (
    ArtifactRecord,
    CacheHit,
    RunRecord,
    StepRunRecord,
)
from zenml_airflow.metadata.tables import utcnow
from zenml_airflow.utils.source_utils import import_object, object_path

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.store import SQLMetadataStore
    from zenml_airflow.stack.stack import Stack

logger = logging.getLogger(__name__)


def _is_import_failure(error: BaseException) -> bool:
    """Whether ``error`` comes from an import that failed (a missing package or module)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ImportError):
            return True
        cause = cause.__cause__
    return False


@dataclass
class StepResult:
    """What happened to one step: its status, timing and output artifacts."""

    step_name: str
    status: ExecutionStatus
    step_run_id: int
    duration: float
    outputs: dict[str, ArtifactRecord] = field(default_factory=dict)
    cache_key: str | None = None


@dataclass
class _Inputs:
    records: dict[str, ArtifactRecord]
    content_hashes: dict[str, str]


@dataclass
class _Prepared:
    """What the executor knows about a step before it records anything."""

    step_class: type[BaseStep] | None  # None: not importable here, the step is launched
    materializers: dict[str, type[BaseMaterializer]]
    inputs: _Inputs
    cache_key: str
    hit: tuple[int, dict[str, ArtifactRecord]] | None  # usable: (producer step run id, outputs)
    source_hash: str  # of the code this process runs (the spec's may be older: ADR 0015)

    @property
    def input_ids(self) -> dict[str, str]:
        return {name: record.id for name, record in self.inputs.records.items()}


class StepExecutor:
    """Executes steps of pipeline runs against one stack's metadata and artifact stores.

    Args:
        stack: the stack whose stores the run uses.
        step_classes / materializers: in-process objects by step name (the local orchestrator's
            ``LivePlan``); anything missing is imported from the spec's import paths.
    """

    def __init__(
        self,
        stack: Stack,
        *,
        step_classes: Mapping[str, type[BaseStep]] | None = None,
        materializers: Mapping[str, Mapping[str, type[BaseMaterializer]]] | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.stack = stack
        # Applied to a failed step's error before the metadata store records it: under Airflow,
        # the secrets masker, so a secret in an exception message is not stored in plain text.
        self._redact = redact
        self._step_classes = dict(step_classes or {})
        self._materializers = {k: dict(v) for k, v in (materializers or {}).items()}

    @property
    def metadata_store(self) -> SQLMetadataStore:
        return self.stack.metadata_store.open_store()

    @property
    def artifact_store(self) -> ArtifactStore:
        return self.stack.artifact_store.open_store()

    # --- resolution ----------------------------------------------------------------------------

    def step_class(self, step: StepSpec) -> type[BaseStep]:
        """The class of ``step``: the live one this executor was given, else imported from the
        spec's entrypoint (and kept for the next call).

        Raises:
            StepInterfaceError: the entrypoint is not a step class.
        """
        cls = self._step_classes.get(step.name)
        if cls is None:
            cls = import_object(step.entrypoint)
            if not (isinstance(cls, type) and issubclass(cls, BaseStep)):
                raise StepInterfaceError(
                    f"'{step.entrypoint}' (step '{step.name}') is not a step class; was the "
                    "module changed since the pipeline was compiled?"
                )
            self._step_classes[step.name] = cls
        return cls

    def _output_materializer(self, step: StepSpec, output: str) -> type[BaseMaterializer]:
        live = self._materializers.get(step.name, {}).get(output)
        if live is not None:
            return live
        return load_materializer(step.outputs[output].materializer)

    def _resolve_inputs(self, run: RunRecord, step: StepSpec, upstream: UpstreamOutputs) -> _Inputs:
        records: dict[str, ArtifactRecord] = {}
        for input_name, source in step.inputs.items():
            step_run, outputs = upstream.get(source.step, (None, {}))
            if step_run is None or step_run.status not in (
                ExecutionStatus.COMPLETED,
                ExecutionStatus.CACHED,
            ):
                state = "has not run" if step_run is None else f"is {step_run.status.value}"
                raise ZenMLAirflowError(
                    f"Input '{input_name}' of step '{step.name}' comes from step '{source.step}', "
                    f"which {state} in run '{run.name}'. Run the upstream step first."
                )
            artifact = outputs.get(source.output)
            if artifact is None:
                raise ZenMLAirflowError(
                    f"Step '{source.step}' of run '{run.name}' recorded no output "
                    f"'{source.output}' (needed by input '{input_name}' of step '{step.name}')."
                )
            records[input_name] = artifact
        return _Inputs(records, {name: r.content_hash for name, r in records.items()})

    @staticmethod
    def _read_input(step: StepSpec, name: str, record: ArtifactRecord, annotation: Any) -> Any:
        if isinstance(annotation, type) and issubclass(annotation, BaseArtifact):
            return artifact_of(record)  # "skip materialization": the step gets the artifact itself
        # `Any` is a class on Python 3.11+, and `object` says nothing either: read what was stored.
        specific = isinstance(annotation, type) and annotation not in (typing.Any, object)
        return read_artifact(
            record, annotation if specific else None, what=f"input '{name}' of step '{step.name}'"
        )

    # --- execution -----------------------------------------------------------------------------

    def execute(
        self,
        spec: PipelineSpec,
        step: StepSpec,
        run: RunRecord,
        run_info: RunInfo,
        *,
        try_number: int = 1,
        launcher: StepLauncher | None = None,
    ) -> StepResult:
        """Run one step of ``run`` and return its result.

        ``launcher``: runs the step's body elsewhere (a step operator) when the cache misses; a
        cache hit never launches anything.

        Raises:
            StepExecutionError: the step's own code raised (chained).
            ZenMLAirflowError: inputs, materializers or stores failed; the step run is recorded
                as failed and nothing it wrote is left behind.
        """
        store = self.metadata_store
        started, started_at = time.perf_counter(), utcnow()
        start: dict[str, Any] = {
            "entrypoint": step.entrypoint,
            "entrypoint_name": step.entrypoint_name,
            "docstring": step.docstring,
            "parameters": step.parameters,
            "source_hash": step.source_hash,
            "try_number": try_number,
            "step_operator": step.step_operator,
        }
        step_run: StepRunRecord | None = None
        try:
            # One read resolves the inputs from the store (never from memory: ADR 0003), computes
            # the cache key and looks it up; a usable hit is then recorded in one write.
            prepared = self._prepare(spec, step, run, launcher)
            start["source_hash"] = prepared.source_hash
            if prepared.hit is not None:
                producer, outputs = prepared.hit
                finished = store.record_cached_step(
                    run.id,
                    step.name,
                    cache_key=prepared.cache_key,
                    inputs=prepared.input_ids,
                    outputs={name: record.id for name, record in outputs.items()},
                    cached_from_step_run_id=producer,
                    started_at=started_at,
                    **start,
                )
                logger.info("Using cached version of step '%s'.", step.name)
                result = StepResult(
                    step.name, ExecutionStatus.CACHED, finished.id, 0.0, outputs, prepared.cache_key
                )
            else:
                step_run = store.start_step_run(run.id, step.name, **start)
                if launcher is None:
                    result = self._run_step(spec, step, run, run_info, prepared, step_run)
                else:
                    result = self._launch(launcher, spec, step, run, run_info, prepared, step_run)
        except BaseException as error:
            if step_run is None:
                # Failed before the step run row existed (inputs, cache, recording the hit):
                # open it now so the failure is recorded like any other. If even that fails
                # (e.g. this try was already started), that is the error to report.
                try:
                    step_run = store.start_step_run(run.id, step.name, **start)
                except Exception as start_error:
                    raise start_error from error
            message = (
                str(error)
                if isinstance(error, ZenMLAirflowError)
                else f"{type(error).__name__}: {error}"
            )
            # A launched body's own traceback says where it failed; ours would only show the wait.
            detail = (
                error.detail
                if isinstance(error, RemoteStepError)
                else "".join(traceback.format_exception(error))
            )
            recorded = f"{message}\n\n{detail}"
            if self._redact is not None:
                recorded = str(self._redact(recorded))
            try:
                store.fail_step_run(step_run.id, recorded)
            except Exception:  # the store itself may be what failed; keep the original error
                logger.exception("Could not record the failure of step '%s'", step.name)
            raise
        result.duration = time.perf_counter() - started
        return result

    def _launch(
        self,
        launcher: StepLauncher,
        spec: PipelineSpec,
        step: StepSpec,
        run: RunRecord,
        run_info: RunInfo,
        prepared: _Prepared,
        step_run: StepRunRecord,
    ) -> StepResult:
        """Hand the body of the started ``step_run`` to ``launcher``; read back what it recorded.

        The store, not the launched process's word, says whether the step completed: a process
        that finished the step run and then died still completed it, and one that reported
        success without finishing it did not.
        """
        launcher.launch(
            StepLaunch(
                spec=spec,
                step=step,
                run_id=run.id,
                step_run_id=step_run.id,
                try_number=step_run.try_number,
                cache_key=prepared.cache_key,
                input_ids=prepared.input_ids,
                run_info=run_info,
            )
        )
        store = self.metadata_store
        finished = store.get_step_run(step_run.id)
        if finished.status is not ExecutionStatus.COMPLETED:
            raise RemoteStepError(
                f"Step '{step.name}' of run '{run.name}' reported success from step operator "
                f"'{step.step_operator}', but its step run is {finished.status.value}.",
                step_name=step.name,
                detail="The launched process exited without finishing the step run.",
            )
        _, outputs = store.get_step_io(step_run.id)
        return StepResult(
            step.name, ExecutionStatus.COMPLETED, finished.id, 0.0, outputs, prepared.cache_key
        )

    def execute_started(self, launch: StepLaunch) -> StepResult:
        """Run the body of a step run another process started and finish it (the launched side).

        Uses the inputs and cache key the starting side resolved, so the lineage is exactly that
        of an in-process run. A failure is raised, not recorded: the starting side records it.

        Raises:
            StepExecutionError: the step's own code raised (chained).
            ZenMLAirflowError: the step run is not running, or inputs, materializers or stores
                failed; nothing written is left behind.
        """
        store = self.metadata_store
        step = launch.step
        step_run = store.get_step_run(launch.step_run_id)
        if (
            step_run.run_id != launch.run_id
            or step_run.name != step.name
            or step_run.status is not ExecutionStatus.RUNNING
        ):
            raise ZenMLAirflowError(
                f"Step run {launch.step_run_id} is step '{step_run.name}' (run id "
                f"{step_run.run_id}, {step_run.status.value}), not a running try of step "
                f"'{step.name}' of run id {launch.run_id}: it was launched twice, or settled "
                "as failed meanwhile."
            )
        run = store.get_run_by_id(launch.run_id)
        if run is None:  # the step run exists, so its run does: a store without it is another one
            raise ZenMLAirflowError(
                f"Pipeline run id {launch.run_id} is not in {store.masked_url}: the step "
                "operator's environment uses another metadata store than the orchestrator."
            )
        records = {name: store.get_artifact(id_) for name, id_ in launch.input_ids.items()}
        inputs = _Inputs(records, {name: r.content_hash for name, r in records.items()})
        materializers = {name: self._output_materializer(step, name) for name in step.outputs}
        prepared = _Prepared(
            self.step_class(step),
            materializers,
            inputs,
            launch.cache_key,
            None,
            step_run.source_hash,
        )
        return self._run_step(launch.spec, step, run, launch.run_info, prepared, step_run)

    def _prepare(
        self,
        spec: PipelineSpec,
        step: StepSpec,
        run: RunRecord,
        launcher: StepLauncher | None = None,
    ) -> _Prepared:
        store = self.metadata_store
        step_class: type[BaseStep] | None
        try:
            step_class = self.step_class(step)
            materializers = {name: self._output_materializer(step, name) for name in step.outputs}
            # Key on the code this process will run, not on the hashes taken when the spec was
            # compiled: a deployed DAG's tasks import the code as it is now (ADR 0015).
            source_hash, materializer_hashes = live_code_hashes(
                spec, step, step_class, materializers, load=self._live_materializer
            )
        except ZenMLAirflowError as error:
            if launcher is None or not _is_import_failure(error):
                raise
            # The step's code needs packages only its step operator's environment has (the
            # point of one): key on the hashes compiled into the spec; it runs there (ADR 0018).
            logger.info(
                "Step '%s' cannot be imported in this environment (%s); its cache key uses the "
                "code hashes of the compiled spec, and step operator '%s' runs it.",
                step.name,
                error,
                step.step_operator,
            )
            step_class, materializers = None, {}
            source_hash = step.source_hash
            materializer_hashes = {
                name: out.materializer_hash for name, out in step.outputs.items()
            }
        resolved: list[tuple[_Inputs, str]] = []

        def cache_key(upstream: UpstreamOutputs) -> str | None:
            inputs = self._resolve_inputs(run, step, upstream)
            key = compute_cache_key(
                pipeline_name=spec.name,
                step_name=step.name,
                source_hash=source_hash,
                parameters=step.parameters,
                materializer_hashes=materializer_hashes,
                input_content_hashes=inputs.content_hashes,
                # A launched step's outputs also depend on the environment it runs in (ADR 0018).
                step_operator=step.step_operator
                if launcher is None
                else f"{step.step_operator}:{launcher.cache_identity()}",
                # Entries belong to the store holding their artifacts: two stacks sharing a
                # metadata store must not hit each other's (issue 14).
                artifact_store=self.artifact_store.path,
            )
            resolved.append((inputs, key))
            return key if step.enable_cache else None  # None: no cache lookup

        upstream_steps = sorted({s.step for s in step.inputs.values()})
        _, _, hit = store.resolve_step(run.id, upstream_steps, cache_key)
        inputs, key = resolved[-1]  # the read may have been retried; the last call is the one used
        usable = self._usable_cache_hit(store, key, step, hit) if step.enable_cache else None
        return _Prepared(step_class, materializers, inputs, key, usable, source_hash)

    def _live_materializer(self, path: str) -> type[BaseMaterializer]:
        """The materializer class at ``path``: the live one this executor was given (a class
        defined in a script), else imported."""
        for by_output in self._materializers.values():
            for cls in by_output.values():
                if object_path(cls) == path:
                    return cls
        return load_materializer(path)

    def _run_step(
        self,
        spec: PipelineSpec,
        step: StepSpec,
        run: RunRecord,
        run_info: RunInfo,
        prepared: _Prepared,
        step_run: StepRunRecord,
    ) -> StepResult:
        store = self.metadata_store
        step_class, inputs = prepared.step_class or self.step_class(step), prepared.inputs
        input_ids, cache_key = prepared.input_ids, prepared.cache_key
        artifact_store = self.artifact_store
        # The writer removes what it wrote if anything up to the registration fails.
        with OutputWriter(
            artifact_store,
            store,
            pipeline_name=spec.name,
            step_name=step.name,
            outputs=step.outputs,
            materializers=prepared.materializers,
        ) as writer:
            with artifact_store:
                signature = step_class.SIGNATURE
                kwargs: dict[str, Any] = {
                    name: self._read_input(step, name, inputs.records[name], signature.inputs[name])
                    for name in step.inputs
                }
                if signature.config_arg is not None:
                    assert signature.config_class is not None
                    kwargs[signature.config_arg] = signature.config_class(**step.parameters)
                if signature.context_arg is not None:
                    kwargs[signature.context_arg] = StepContext(
                        step_name=step.name, run_info=run_info, outputs=writer, stack=self.stack
                    )

                try:
                    with StepEnvironment(spec.name, run.name, step.name):
                        returned = step_class().entrypoint(**kwargs)
                except Exception as error:
                    raise StepExecutionError(
                        f"Step '{step.name}' of run '{run.name}' failed: "
                        f"{type(error).__name__}: {error}",
                        step_name=step.name,
                    ) from error
                values = self._split_outputs(step, signature, returned)
                new_artifacts = {name: writer.write(name, value) for name, value in values.items()}

            finished = store.finish_step_run(
                step_run.id,
                status=ExecutionStatus.COMPLETED,
                cache_key=cache_key if step.enable_cache else None,
                inputs=input_ids,
                outputs=dict(new_artifacts),
            )
        registered = {
            name: ArtifactRecord(
                id=new.id,
                uri=new.uri,
                artifact_type=new.artifact_type,
                data_type=new.data_type,
                materializer=new.materializer,
                content_hash=new.content_hash,
                size_bytes=new.size_bytes,
                producer_step_run_id=finished.id,
                created_at=finished.finished_at or finished.started_at,
                metadata=dict(new.metadata or {}),
            )
            for name, new in new_artifacts.items()
        }
        return StepResult(
            step.name, ExecutionStatus.COMPLETED, finished.id, 0.0, registered, cache_key
        )

    def _usable_cache_hit(
        self, store: SQLMetadataStore, cache_key: str, step: StepSpec, hit: CacheHit | None
    ) -> tuple[int, dict[str, ArtifactRecord]] | None:
        if hit is None:
            return None
        root = self.artifact_store.path.rstrip("/") + "/"
        if not all(record.uri.startswith(root) for record in hit.outputs.values()):
            # Keys name the artifact store, so only a root spelled differently gets here: the
            # artifacts are in another store, a miss here but valid there, so the entry stays.
            logger.info(
                "Cached outputs of step '%s' are in another artifact store; running it again.",
                step.name,
            )
            return None
        if set(hit.outputs) != set(step.outputs) or not all(
            self.artifact_store.exists(record.uri) for record in hit.outputs.values()
        ):
            # The artifacts were deleted (or the entry is from an incompatible step): forget it and
            # run the step again.
            logger.warning("Cached outputs of step '%s' are gone; running it again.", step.name)
            store.delete_cache_entry(cache_key)
            return None
        producer = hit.step_run.cached_from_step_run_id or hit.step_run.id
        return producer, dict(hit.outputs)

    @staticmethod
    def _split_outputs(step: StepSpec, signature: StepSignature, returned: Any) -> dict[str, Any]:
        # The declared order comes from the code, never from the spec: specs are serialized with
        # sorted keys, and a tuple return maps to outputs by position.
        names = list(signature.outputs)
        single_output = signature.single_output
        if set(names) != set(step.outputs):
            raise StepInterfaceError(
                f"Step '{step.name}' now declares the outputs {names}, but the pipeline was "
                f"compiled with {sorted(step.outputs)}. Recompile the pipeline."
            )
        if not names:
            if returned is not None:
                # Storing nothing silently would lose the value; guessing an output would give
                # the step an output its pipeline never wired.
                raise StepInterfaceError(
                    f"Step '{step.name}' declares no outputs (its return annotation is missing "
                    f"or '-> None') but returned a {type(returned).__name__}. Annotate the return "
                    f"type, e.g. '-> {type(returned).__name__}', to store it as an artifact, or "
                    "return None."
                )
            return {}
        if single_output or len(names) == 1:
            values = {names[0]: returned}
        else:
            if not isinstance(returned, (tuple, list)) or len(returned) != len(names):
                got = (
                    f"{len(returned)} values"
                    if isinstance(returned, (tuple, list))
                    else type(returned).__name__
                )
                raise StepInterfaceError(
                    f"Step '{step.name}' declares {len(names)} outputs {names} but returned {got}. "
                    "Return a tuple in the declared order."
                )
            values = dict(zip(names, returned, strict=True))
        # Before anything is written: a wrong value stored and cached would fail the consumer
        # (and every later cache hit) instead of the step that produced it.
        check_output_types(step.name, signature.outputs, values)
        return values
