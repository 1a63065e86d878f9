"""The pipeline image in the compiled spec, without a Docker engine: spec version 5, the user's
requirements recorded, the step operators running the recorded image (nothing planned) and the
stack refusing a docker step operator with nowhere to push its image."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.step_operators.test_kubernetes import make_launch, operator
from zenml_airflow import pipeline, step
from zenml_airflow.compiler.image import needs_pipeline_image
from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.core.spec import ImageSpec, PipelineSpec, StepSpec
from zenml_airflow.core.spec_format import SPEC_VERSION
from zenml_airflow.exceptions import PipelineConfigurationError, StackError
from zenml_airflow.repository import Repository
from zenml_airflow.stack.components import (
    DockerStepOperatorComponent,
    KubernetesStepOperatorComponent,
    VirtualenvStepOperatorComponent,
)
from zenml_airflow.stack.components.container_registry import DefaultContainerRegistryComponent
from zenml_airflow.stack.stack import Stack
from zenml_airflow.step_operators.docker import DockerStepOperator
from zenml_airflow.step_operators.environment import image_inputs

IMAGE = ImageSpec(
    reference="127.0.0.1:5000/zenml-p:abc123",
    tag="abc123",
    digest="127.0.0.1:5000/zenml-p@sha256:" + "d" * 64,
    source_roots={"/home/me/project": "/app/0"},
)


def _step_spec(step_operator: str | None = "box") -> StepSpec:
    return StepSpec(
        name="s",
        entrypoint="m:S",
        entrypoint_name="S",
        source_hash="h",
        step_operator=step_operator,
    )


def test_a_version_4_spec_still_loads() -> None:
    assert SPEC_VERSION >= 5
    old = PipelineSpec(name="p", steps=[_step_spec()]).model_dump(mode="json")
    for key in ("requirements", "dockerignore_file", "image", "bundle"):
        del old[key]
    old["version"] = 4
    loaded = PipelineSpec.from_dict(old)
    assert loaded.image is None and loaded.requirements == [] and loaded.version == 4


def test_an_image_round_trips_and_runs_by_digest_else_by_tag() -> None:
    spec = PipelineSpec(name="p", steps=[_step_spec()], requirements=["six==1.16.0"], image=IMAGE)
    assert PipelineSpec.from_json(spec.to_json()) == spec
    assert IMAGE.run_reference == IMAGE.digest
    local = IMAGE.model_copy(update={"digest": None})
    assert local.run_reference == "127.0.0.1:5000/zenml-p:abc123"


@step(custom_step_operator="box")
def boxed_step() -> int:
    return 1


@step
def plain_step() -> int:
    return 1


@pipeline(requirements=["six==1.16.0"])
def launched(s):  # type: ignore[no-untyped-def]
    s()


@pipeline(requirements=["six==1.16.0"])
def in_process(s):  # type: ignore[no-untyped-def]
    s()


def test_the_users_requirements_and_file_are_recorded_for_a_pipeline_with_a_step_operator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text("# pinned\ntabulate>=0.9\n\n", encoding="utf-8")
    (tmp_path / ".dockerignore").write_text("data\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # relative paths are the compiling process's, as in the seed

    @pipeline(
        requirements="six==1.16.0",
        requirements_file="requirements.txt",
        dockerignore_file=".dockerignore",
    )
    def with_file(s):  # type: ignore[no-untyped-def]
        s()

    spec = build_plan(with_file(s=boxed_step())).spec
    assert spec.requirements == ["six==1.16.0", "tabulate>=0.9"]
    assert spec.dockerignore_file == str(tmp_path / ".dockerignore")
    # ... and they are the image's inputs.
    inputs = image_inputs(spec)
    assert {"six==1.16.0", "tabulate>=0.9"} <= set(inputs.requirements)
    assert inputs.dockerignore_file == str(tmp_path / ".dockerignore")


def test_a_pipeline_without_a_step_operator_records_no_requirements() -> None:
    spec = build_plan(in_process(s=plain_step())).spec
    assert spec.requirements == [] and spec.dockerignore_file is None


def test_a_missing_requirements_file_is_refused_naming_the_pipeline(tmp_path: Path) -> None:
    @pipeline(requirements_file=str(tmp_path / "nope.txt"))
    def missing(s):  # type: ignore[no-untyped-def]
        s()

    with pytest.raises(
        PipelineConfigurationError, match=r"Pipeline 'missing': Cannot read the requirements file"
    ):
        build_plan(missing(s=boxed_step()))


def _stack(step_operator: Any, registry: Any = None, name: str = "boxed") -> Stack:
    default = Repository().active_stack
    return Stack(
        name,
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=default.artifact_store,
        step_operator=step_operator,
        container_registry=registry,
    )


def test_a_docker_step_operator_without_registry_or_image_is_refused_saying_what_to_register() -> (
    None
):
    stack = _stack(DockerStepOperatorComponent.from_config("box", {}))
    with pytest.raises(StackError, match=r"container-registry register NAME --flavor default") as e:
        Repository().register_stack(stack)
    assert "--uri=127.0.0.1:PORT" in str(e.value)
    assert "stack update boxed -c NAME" in str(e.value)
    assert "boxed" not in [s.name for s in Repository().stacks]  # nothing half-registered


def test_a_docker_step_operator_with_a_registry_or_a_fixed_image_is_accepted() -> None:
    registry = DefaultContainerRegistryComponent.from_config("reg", {"uri": "127.0.0.1:5000"})
    Repository().register_stack(
        _stack(DockerStepOperatorComponent.from_config("box", {}), registry)
    )
    fixed = DockerStepOperatorComponent.from_config("fixed", {"image": "x/y:1"})
    Repository().register_stack(_stack(fixed, name="fixed-image"))


def test_only_docker_and_kubernetes_steps_without_a_fixed_image_need_the_pipeline_image() -> None:
    spec = PipelineSpec(name="p", steps=[_step_spec()])
    registry = DefaultContainerRegistryComponent.from_config("reg", {"uri": "127.0.0.1:5000"})
    docker = DockerStepOperatorComponent.from_config("box", {})
    assert needs_pipeline_image(spec, _stack(docker, registry))
    fixed = DockerStepOperatorComponent.from_config("box", {"image": "x/y:1"})
    assert not needs_pipeline_image(spec, _stack(fixed, registry))
    kubernetes = KubernetesStepOperatorComponent.from_config("box", {})
    assert needs_pipeline_image(spec, _stack(kubernetes, registry))
    venv = VirtualenvStepOperatorComponent.from_config("box", {})
    assert not needs_pipeline_image(spec, _stack(venv, registry))
    in_process_only = PipelineSpec(name="p", steps=[_step_spec(None)])
    assert not needs_pipeline_image(in_process_only, _stack(docker, registry))


def test_the_docker_step_operator_runs_the_recorded_image_without_planning_anything() -> None:
    spec = PipelineSpec(name="p", steps=[_step_spec()], image=IMAGE)
    box = DockerStepOperator(DockerStepOperatorComponent.from_config("box", {}))
    box.bind(_stack(box.component), spec)
    assert box.cache_identity() == '{"image_tag": "abc123"}'
    resolved = box.resolve_image(spec)
    assert resolved.run == IMAGE.digest and resolved.recorded == IMAGE.digest
    assert dict(resolved.source_roots) == IMAGE.source_roots
    assert box._client is None  # no Docker engine was asked anything


def test_the_kubernetes_pod_runs_the_recorded_image_and_its_tag_keys_the_cache(
    tmp_path: Path,
) -> None:
    launch = make_launch()
    launch = dataclasses.replace(launch, spec=launch.spec.model_copy(update={"image": IMAGE}))
    k8s = operator(tmp_path, image=None)
    before = k8s.cache_identity()
    k8s.bind(_stack(k8s.component), launch.spec)
    assert k8s.cache_identity() == before + ":image_tag=abc123"
    (container,) = k8s.render_pod(launch).spec.containers
    assert container.image == IMAGE.digest
    assert container.args[2:] == ["--map-root", "/home/me/project=/app/0"]
