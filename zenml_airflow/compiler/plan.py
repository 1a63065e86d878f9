"""Turning a pipeline instance into a ``PipelineSpec`` (and the live objects to run it in-process).

Compile-time work, shared by both backends: the Airflow compiler embeds the spec in a DAG file,
the local orchestrator runs it at once (with the live classes of :class:`LivePlan`). Everything
that can be checked before a step runs is checked here: every output has a materializer, every
required parameter is set, the graph has no cycle. So a misconfigured pipeline fails before its
first step, with the step and output named.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass, field
from typing import Any

from zenml_airflow.core.graph import topological_order
from zenml_airflow.core.pipeline import BasePipeline
from zenml_airflow.core.spec import InputSpec, OutputSpec, PipelineSpec, StepSpec
from zenml_airflow.core.step import BaseStep
from zenml_airflow.exceptions import (
    MaterializerNotFoundError,
    PipelineConfigurationError,
    StepInterfaceError,
)
from zenml_airflow.execution.code_hashes import materializer_hash, step_source_hash
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import default_materializer_registry
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


def resolve_output_materializer(
    step: BaseStep, output: str, annotation: Any
) -> type[BaseMaterializer]:
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
                queue=step.QUEUE,
                resources=step.RESOURCES,
            )
        )
        plan.step_classes[name] = type(step)
        plan.materializers[name] = materializers
    launched = any(spec.step_operator for spec in specs)
    plan.spec = PipelineSpec(
        name=pipeline.name,
        enable_cache=pipeline_cache,
        steps=specs,
        required_integrations=list(pipeline.required_integrations),
        source_roots=list(source_roots or []),
        requirements=user_requirements(pipeline) if launched else [],
        dockerignore_file=_absolute(pipeline.dockerignore_file) if launched else None,
    )
    return plan


def _absolute(path: str | None) -> str | None:
    # Relative to the compiling process's directory (as the seed read it); the spec must not
    # depend on where a task process starts.
    return None if path is None else os.path.abspath(path)


def user_requirements(pipeline: BasePipeline) -> list[str]:
    """The user's pip requirements of ``pipeline``: its ``requirements`` then the lines of its
    ``requirements_file``, for the images of its launched steps. Recorded in the spec only when
    a step has a step operator (other pipelines install nothing, as in the seed).

    Raises:
        PipelineConfigurationError: the requirements file is missing, unreadable or uses pip
            options an image build cannot follow.
    """
    wanted = list(getattr(pipeline, "REQUIREMENTS", ()))
    path = pipeline.requirements_file
    if path:
        from zenml_airflow.images.errors import ImageBuildError
        from zenml_airflow.images.inputs import read_requirements_file

        try:
            wanted.extend(read_requirements_file(path))
        except ImageBuildError as error:
            raise PipelineConfigurationError(
                f"Pipeline '{pipeline.name}': {error} (its requirements_file is installed in the "
                "image of its steps that run in a step operator)."
            ) from error
    return wanted
