"""Turning a pipeline instance into a ``PipelineSpec`` (and the live objects to run it in-process).

Everything that can be checked before a step runs is checked here: every output has a
materializer, every required parameter is set, the graph has no cycle. So a misconfigured pipeline
fails before its first step, with the step and output named.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zenml_airflow.core.graph import topological_order
from zenml_airflow.core.pipeline import BasePipeline
from zenml_airflow.core.spec import InputSpec, OutputSpec, PipelineSpec, StepSpec
from zenml_airflow.core.step import BaseStep
from zenml_airflow.exceptions import MaterializerNotFoundError, StepInterfaceError
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
    load_materializer,
)
from zenml_airflow.utils.code_hash import code_hash
from zenml_airflow.utils.source_utils import object_path


@dataclass
class LivePlan:
    """A spec plus the in-process objects it was built from.

    The local orchestrator hands these to the executor so steps and materializers defined in a
    script (``__main__``) run without being re-imported; other processes import by path instead.
    """

    spec: PipelineSpec
    step_classes: dict[str, type[BaseStep]] = field(default_factory=dict)
    materializers: dict[str, dict[str, type[BaseMaterializer]]] = field(default_factory=dict)


def type_for_registry(annotation: Any) -> Any:
    """``list[int]`` -> ``list``; plain classes unchanged."""
    origin = typing.get_origin(annotation)
    return origin if isinstance(origin, type) else annotation


def resolve_output_materializer(step: BaseStep, output: str, annotation: Any) -> type[BaseMaterializer]:
    override = step.materializer_overrides.get(output)
    if override is not None:
        return override
    tp = type_for_registry(annotation)
    if not isinstance(tp, type):
        raise MaterializerNotFoundError(
            f"Output '{output}' of step '{step.name}' is annotated {annotation!r}, which is not a "
            "class, so no materializer can be chosen for it. Annotate it with a concrete type, or "
            "pass one with .with_return_materializers(...)."
        )
    try:
        return default_materializer_registry.get(tp)
    except MaterializerNotFoundError as error:
        raise MaterializerNotFoundError(
            f"Output '{output}' of step '{step.name}': {error}"
        ) from error


def materializer_hash(materializer: type[BaseMaterializer]) -> str:
    """The materializer's code hash: the class, its base classes and the user modules they reach."""
    return code_hash(materializer)


def step_source_hash(step_class: type[BaseStep], readers: Mapping[str, str]) -> str:
    """``StepSpec.source_hash``: the step's code hash combined with the hashes of the
    materializers that read its inputs (``readers``: input name -> materializer hash).

    A reader decides what the step receives, so a change to it (say, only ``handle_input``) must
    re-run the step even when the upstream data - and so the input's content hash - is unchanged.
    """
    if not readers:
        return step_class.source_hash()
    payload = {"step": step_class.source_hash(), "readers": dict(readers)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def live_code_hashes(
    spec: PipelineSpec,
    step: StepSpec,
    step_class: type[BaseStep],
    output_materializers: Mapping[str, type[BaseMaterializer]],
    load: Callable[[str], type[BaseMaterializer]] = load_materializer,
) -> tuple[str, dict[str, str]]:
    """``(source_hash, {output: materializer_hash})`` of the code this process will run.

    A spec's hashes are those of the code when it was compiled. An Airflow task imports the code
    as it is when the task runs (ADR 0008), which may have changed since; a key built from the
    compile-time hashes would then reuse results of the old code. The executor can key on these
    instead. ``output_materializers`` are the step's live materializers; the materializers that
    read its inputs are ``load``-ed by the upstream outputs' import paths.
    """
    readers = {}
    for input_name, source in step.inputs.items():
        path = spec.step(source.step).outputs[source.output].materializer
        readers[input_name] = materializer_hash(load(path))
    outputs = {name: materializer_hash(m) for name, m in output_materializers.items()}
    return step_source_hash(step_class, readers), outputs


def effective_step_cache(pipeline_cache: bool, step: BaseStep) -> bool:
    """The seed's rules: pipeline off wins; else the step's own flag; else off with a context."""
    if not pipeline_cache:
        return False
    if step.enable_cache is not None:
        return step.enable_cache
    return step.SIGNATURE.context_arg is None


def _artifact_type_name(step: BaseStep, output: str, materializer: type[BaseMaterializer]) -> str:
    explicit = step.OUTPUT_ARTIFACT_TYPES.get(output)
    if explicit is not None:
        if explicit not in materializer.ASSOCIATED_ARTIFACT_TYPES and not any(
            issubclass(explicit, t) for t in materializer.ASSOCIATED_ARTIFACT_TYPES
        ):
            allowed = [t.__name__ for t in materializer.ASSOCIATED_ARTIFACT_TYPES]
            raise StepInterfaceError(
                f"output_types of step '{step.name}' asks for {explicit.__name__} for output "
                f"'{output}', but its materializer {materializer.__name__} writes {allowed}."
            )
        return explicit.__name__
    return materializer.ASSOCIATED_ARTIFACT_TYPES[0].__name__


def build_plan(
    pipeline: BasePipeline,
    *,
    enable_cache: bool | None = None,
    source_roots: list[str] | None = None,
) -> LivePlan:
    """Check the pipeline and describe it as a spec. ``enable_cache`` overrides the pipeline's."""
    pipeline_cache = pipeline.enable_cache if enable_cache is None else enable_cache
    order = topological_order(pipeline.steps, {n: pipeline.upstream(n) for n in pipeline.steps})
    plan = LivePlan(spec=PipelineSpec(name=pipeline.name, steps=[]))
    specs: list[StepSpec] = []
    for name in order:
        step = pipeline.steps[name]
        signature = step.SIGNATURE
        outputs: dict[str, OutputSpec] = {}
        materializers: dict[str, type[BaseMaterializer]] = {}
        for output, annotation in signature.outputs.items():
            materializer = resolve_output_materializer(step, output, annotation)
            materializers[output] = materializer
            outputs[output] = OutputSpec(
                data_type=object_path(type_for_registry(annotation)),
                materializer=object_path(materializer),
                materializer_hash=materializer_hash(materializer),
                artifact_type=_artifact_type_name(step, output, materializer),
            )
        inputs = {
            input_name: InputSpec(step=source.step.name, output=source.name)
            for input_name, source in step.input_wiring.items()
        }
        # Upstream steps come first (topological order), so their output specs exist.
        built = {s.name: s for s in specs}
        readers = {
            input_name: built[source.step].outputs[source.output].materializer_hash
            for input_name, source in inputs.items()
        }
        input_types = {
            input_name: object_path(type_for_registry(tp))
            if isinstance(type_for_registry(tp), type)
            else repr(tp)
            for input_name, tp in signature.inputs.items()
        }
        specs.append(
            StepSpec(
                name=name,
                entrypoint=type(step).entrypoint_path(),
                entrypoint_name=step.entrypoint_name,
                docstring=step.docstring,
                source_hash=step_source_hash(type(step), readers),
                parameters=step.parameters(),
                inputs=inputs,
                input_types=input_types,
                outputs=outputs,
                upstream=pipeline.upstream(name),
                enable_cache=effective_step_cache(pipeline_cache, step),
                uses_context=signature.context_arg is not None,
                step_operator=step.custom_step_operator,
                retries=step.RETRIES,
                retry_delay_seconds=step.RETRY_DELAY_SECONDS,
                timeout_seconds=step.TIMEOUT_SECONDS,
            )
        )
        plan.step_classes[name] = type(step)
        plan.materializers[name] = materializers
    plan.spec = PipelineSpec(
        name=pipeline.name,
        enable_cache=pipeline_cache,
        steps=specs,
        required_integrations=list(pipeline.required_integrations),
        source_roots=list(source_roots or []),
    )
    return plan
