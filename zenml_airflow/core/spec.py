"""``PipelineSpec``: a pipeline as plain, versioned, JSON-serializable data.

Both backends run from a spec: the local orchestrator builds one in-process, the Airflow compiler
embeds one in the DAG file. Everything a worker needs to run a step is here, by import path, so a
spec crosses process boundaries losslessly (``PipelineSpec.from_json(spec.to_json()) == spec``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zenml_airflow.core.spec_format import SPEC_VERSION, canonical_json
from zenml_airflow.exceptions import ZenMLAirflowError

# DAG run conf keys zenml-airflow reads (besides "<step>.<field>" parameter overrides).
CONF_RUN_NAME = "zenml_run_name"
CONF_ENABLE_CACHE = "zenml_enable_cache"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSpec(_Frozen):
    """Where an input comes from: an output of an upstream step of the same run."""

    step: str
    output: str


class OutputSpec(_Frozen):
    """One output: its declared type, the materializer that writes it and its artifact type."""

    data_type: str  # "module.QualName" (or "int" for builtins)
    materializer: str  # "module:QualName"
    # Code hash of the materializer: its class, base classes, the user modules they reach and the
    # versions of the libraries those import (ADR 0015). Part of the cache key.
    materializer_hash: str
    artifact_type: str = "DataArtifact"


class ComponentSnapshot(_Frozen):
    """A stack component's flavor and config as they were at compile time.

    Configs hold secret *references* (``{{secret.key}}``), never resolved secret values.
    """

    name: str
    flavor: str
    config: dict[str, Any] = Field(default_factory=dict)


class StackSnapshot(_Frozen):
    """The stack components a compiled pipeline needs at run time, keyed by component type."""

    name: str
    components: dict[str, ComponentSnapshot]


class ScheduleSpec(_Frozen):
    """A validated schedule, ready to become an Airflow timetable (times as ISO-8601 strings)."""

    cron_expression: str | None = None
    interval_seconds: float | None = None
    start_time: str | None = None
    end_time: str | None = None
    catchup: bool = False
    timezone: str = "UTC"


class ResourceSpec(_Frozen):
    """What one try of a step needs: CPU cores, memory in MiB, GPUs (``None``: unspecified).

    Compiled into the Airflow task's ``resources``; container step operators turn it into
    container or pod limits.
    """

    cpu: float | None = None
    memory_mb: int | None = None
    gpu: int | None = None


class StepSpec(_Frozen):
    """One step of a pipeline, ready to be executed by any process that can import its code."""

    name: str  # the step's name in the pipeline (the pipeline function's parameter)
    entrypoint: str  # "module:QualName" of the step class
    entrypoint_name: str  # the function or class name
    docstring: str | None = None
    # Code hash of the step and of the materializers that read its inputs (ADR 0015): what the
    # cache key knows of the code. Computed at compile time.
    source_hash: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    input_types: dict[str, str] = Field(default_factory=dict)  # input name -> declared type name
    outputs: dict[str, OutputSpec] = Field(default_factory=dict)
    upstream: list[str] = Field(default_factory=list)
    enable_cache: bool = True
    uses_context: bool = False
    step_operator: str | None = None
    retries: int = 0
    retry_delay_seconds: float | None = None
    timeout_seconds: float | None = None
    queue: str | None = None  # the Airflow queue of the step's task (version 4)
    resources: ResourceSpec | None = None  # (version 4)


class ImageSpec(_Frozen):
    """The pipeline's image, built (or found) and pushed at compile time (version 5).

    The docker and kubernetes step operators run it as recorded: a task never plans or hashes
    the code again, and the cache key of their steps is ``tag`` (content-addressed, so the same
    image whether it was built by ``pipeline compile`` or by ``p.run()``).

    Attributes:
        reference: ``[REGISTRY/]zenml-<pipeline>:<tag>``.
        tag: the content-addressed tag (a hash of parent image, Python, zenml-airflow,
            requirements and code).
        digest: ``repository@sha256:...`` as the registry stores it; ``None`` when the image
            is only in the local Docker engine.
        source_roots: the compiling machine's source roots -> their directories in the image.
    """

    reference: str
    tag: str
    digest: str | None = None
    source_roots: dict[str, str] = Field(default_factory=dict)

    @property
    def run_reference(self) -> str:
        """What a container or pod is created from: the digest when pushed, else the tag."""
        return self.digest or self.reference


class BundleSpec(_Frozen):
    """The git DAG bundle a compiled DAG file was deployed into (version 6; ADR 0019).

    Attributes:
        name: the bundle's name in Airflow's ``dag_bundle_config_list``.
        root: the bundle's directory (the repository's bundle subdirectory) on the compiling
            machine; source roots under it are imported from the run's checkout of the bundle
            (``ti.bundle_instance.path``) instead.
    """

    name: str
    root: str


class PipelineSpec(_Frozen):
    """A whole pipeline; ``steps`` are in a valid execution (topological) order."""

    version: int = SPEC_VERSION
    name: str
    enable_cache: bool = True
    steps: list[StepSpec]
    # Integration names whose packages each task checks before running its step (version 2).
    required_integrations: list[str] = Field(default_factory=list)
    # Directories to put on sys.path so a worker can import the steps' and materializers' modules.
    source_roots: list[str] = Field(default_factory=list)
    dag_id: str | None = None
    source: str | None = None  # what the spec was compiled from, e.g. "pipelines/train.py:p"
    stack: StackSnapshot | None = None
    schedule: ScheduleSpec | None = None
    zenml_version: str = ""
    # The user's pip requirements (``requirements=`` and the lines of ``requirements_file``),
    # installed in the pipeline's image (version 5).
    requirements: list[str] = Field(default_factory=list)
    dockerignore_file: str | None = None  # patterns of code not copied into the image (5)
    image: ImageSpec | None = None  # the pipeline's image for docker/kubernetes steps (5)
    bundle: BundleSpec | None = None  # the git DAG bundle the DAG file was deployed into (6)

    def step(self, name: str) -> StepSpec:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def to_json(self) -> str:
        """Canonical JSON: same spec, same bytes."""
        return canonical_json(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, text: str | bytes) -> PipelineSpec:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineSpec:
        """Load a spec, refusing one written by a newer zenml-airflow."""
        version = data.get("version")
        if not isinstance(version, int):
            raise ZenMLAirflowError(
                "This pipeline spec has no integer 'version'; it is not a spec."
            )
        if version > SPEC_VERSION:
            raise ZenMLAirflowError(
                f"This pipeline spec has version {version}, but this zenml-airflow reads specs up to "
                f"version {SPEC_VERSION}. Upgrade zenml-airflow where the pipeline runs, or compile "
                "it with the same version."
            )
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise ZenMLAirflowError(
                f"This pipeline spec is invalid ({problems}). Recompile the pipeline with "
                "zenml-airflow instead of editing the DAG file."
            ) from error
