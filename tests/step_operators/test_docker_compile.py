"""``pipeline compile`` of a pipeline with a docker step: the image is built (or found) and pushed
at compile time and recorded in the spec; ``--no-build`` requires an existing image. Real Docker
engine and registry (``containers`` tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.images.conftest import docker_engine, registry  # noqa: F401 - session fixtures
from tests.step_operators.test_docker import use_docker
from zenml_airflow.cli.airflow_commands import compile_command
from zenml_airflow.compiler import spec_from_dag_file
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.exceptions import PipelineConfigurationError
from zenml_airflow.step_operators.docker import DockerStepOperator
from zenml_airflow.step_operators.environment import image_inputs

PIPELINE = textwrap.dedent(
    """
    from zenml_airflow import pipeline, step

    @step(custom_step_operator="box")
    def boxed_step() -> int:
        return {value}

    @pipeline(requirements=["six"])
    def compiled_boxed(s):
        s()

    p = compiled_boxed(s=boxed_step())
    """
)


def _compile(project: Path, *extra: str) -> PipelineSpec:
    # The DAG folder is outside the source root: a DAG file written into it would be code of
    # the next image.
    dags = project.parent / "dags"
    compile_command.main(
        [f"{project / 'pipe.py'}:p", "-o", str(dags), *extra], standalone_mode=False
    )
    return PipelineSpec.from_dict(spec_from_dag_file(dags / "compiled_boxed.py"))


def test_compile_builds_pushes_and_records_the_image_and_no_build_requires_it(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from zenml_airflow.images import plan_image

    stack = use_docker(registry)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pipe.py").write_text(PIPELINE.format(value=1), encoding="utf-8")

    spec = _compile(project)
    image = spec.image
    assert image is not None
    assert image.digest is not None
    assert image.digest.startswith(f"{registry.uri}/zenml-compiled_boxed@sha256:")
    assert image.reference == f"{registry.uri}/zenml-compiled_boxed:{image.tag}"
    assert image.source_roots == {str(project): "/app/0"}
    # The user's requirements are in the spec and in the image the tag names.
    assert spec.requirements == ["six"]
    plan = plan_image(image_inputs(spec), registry=registry)
    assert plan.tag == image.tag
    assert any(line.startswith("six==") for line in plan.requirements)
    # The step operator of a task runs exactly the recorded image and keys the cache on its tag.
    box = DockerStepOperator(stack.step_operator)  # type: ignore[arg-type]
    box.bind(stack, spec)
    assert box.cache_identity() == f'{{"image_tag": "{image.tag}"}}'
    assert box.resolve_image(spec).run == image.digest

    # Unchanged code: --no-build finds the image (in the engine or the registry).
    docker_engine.images.remove(image.reference, force=True)
    assert _compile(project, "--no-build").image == image

    # Changed code: there is no image of it yet, and --no-build says so.
    (project / "pipe.py").write_text(PIPELINE.format(value=2), encoding="utf-8")
    with pytest.raises(
        PipelineConfigurationError,
        match=r"Pipeline 'compiled_boxed': the image of its steps in step operator 'box' is not "
        r"available: No image .*zenml-compiled_boxed:\w+ .* exists locally or in "
        rf"{registry.uri}.*drop --no-build",
    ):
        _compile(project, "--no-build")
