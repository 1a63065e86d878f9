"""Image builds against a real Docker engine and registry (scripts/docker.sh): build, run, skip by
tag (locally and from the registry), push and digest, code-only rebuilds, and the failure paths."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.images.image_projects import write_project
from zenml_airflow.images import (
    ContainerRegistryError,
    DockerUnavailableError,
    ImageBuildError,
    ImageInputs,
    build_image,
    plan_image,
)
from zenml_airflow.images.dockerfile import SOURCE_ROOTS_LABEL
from zenml_airflow.stack.components.container_registry import DefaultContainerRegistryComponent

pytestmark = pytest.mark.slow


def _run(client: Any, image: str, code: str) -> str:
    output = client.containers.run(image, ["python", "-c", code], network_mode="host", remove=True)
    return bytes(output).decode().strip()


def test_built_image_runs_zenml_airflow_and_the_users_step_module(
    docker_engine: Any, built_image: Any, project: Path
) -> None:
    assert built_image.built and built_image.pushed
    out = _run(
        docker_engine,
        built_image.image,
        "import zenml_airflow, tiny_steps; "
        "print(zenml_airflow.__file__, tiny_steps.MARKER, tiny_steps.p.name)",
    )
    assert out.startswith("/opt/zenml-venv/lib/python3")
    assert out.endswith("tiny-v1 tiny")


def test_the_source_roots_are_mapped_into_the_image(
    docker_engine: Any, built_image: Any, project: Path
) -> None:
    assert built_image.source_roots == {str(project): "/app/0"}
    labels = docker_engine.images.get(built_image.image).labels
    assert json.loads(labels[SOURCE_ROOTS_LABEL]) == {str(project): "/app/0"}
    listing = _run(
        docker_engine, built_image.image, "import os; print(sorted(os.listdir('/app/0')))"
    )
    # The step module only: the virtualenv and the byte code of the project are not copied.
    assert listing == "['tiny_steps.py']"


def test_an_unchanged_build_is_skipped_by_its_tag(
    built_image: Any, registry: Any, project: Path
) -> None:
    started = time.perf_counter()
    again = build_image(ImageInputs(name="tiny", source_roots=(str(project),)), registry=registry)
    elapsed = time.perf_counter() - started
    assert (again.built, again.pushed) == (False, False)
    assert (again.image, again.digest, again.image_id) == (
        built_image.image,
        built_image.digest,
        built_image.image_id,
    )
    assert elapsed < 2.0


def test_push_gives_the_registry_digest_and_a_removed_image_is_found_there(
    docker_engine: Any, registry: Any, tmp_path: Path
) -> None:
    # An image of its own: removing the session's image would take the build cache with it.
    inputs = ImageInputs(name="tiny", source_roots=(str(write_project(tmp_path / "p")),))
    pushed = build_image(inputs, registry=registry)
    repository = pushed.image.rsplit(":", 1)[0]
    assert pushed.digest is not None
    assert pushed.digest.startswith(f"{repository}@sha256:")
    registry_data = docker_engine.images.get_registry_data(pushed.image)
    assert pushed.digest.endswith(registry_data.id)

    docker_engine.images.remove(pushed.image, force=True)
    found = build_image(inputs, registry=registry)
    assert (found.built, found.pushed, found.image_id) == (False, False, None)
    assert found.digest == pushed.digest
    pulled = docker_engine.images.pull(pushed.digest)
    assert pulled.id == pushed.image_id


def test_a_code_only_change_rebuilds_only_the_code_layer_with_a_new_tag(
    docker_engine: Any, built_image: Any, registry: Any, tmp_path: Path
) -> None:
    copy = write_project(tmp_path / "copy")
    inputs = ImageInputs(name="tiny", source_roots=(str(copy),))
    first = build_image(inputs, registry=registry)
    write_project(copy, marker="tiny-v2")
    started = time.perf_counter()
    second = build_image(inputs, registry=registry)
    elapsed = time.perf_counter() - started

    assert second.built and second.pushed and second.image != first.image
    assert _run(docker_engine, second.image, "import tiny_steps; print(tiny_steps.MARKER)") == (
        "tiny-v2"
    )
    layers = [
        docker_engine.images.get(image.image).attrs["RootFS"]["Layers"]
        for image in (built_image, first, second)
    ]
    # Parent, venv and requirements layers are shared with the session's image (built from
    # another copy); between the two builds here everything but the code layer is.
    assert layers[0][:4] == layers[1][:4]
    assert layers[1][:-1] == layers[2][:-1]
    assert layers[1][-1] != layers[2][-1]
    assert elapsed < 15.0


def test_build_false_refuses_an_image_that_does_not_exist(
    docker_engine: Any, registry: Any, tmp_path: Path
) -> None:
    copy = write_project(tmp_path / "never-built", marker="never")
    with pytest.raises(ContainerRegistryError, match=r"No image .*zenml-tiny:.* exists locally or"):
        build_image(
            ImageInputs(name="tiny", source_roots=(str(copy),)), registry=registry, build=False
        )


def test_an_unreachable_registry_is_named_with_the_fix(docker_engine: Any, project: Path) -> None:
    from tests.conftest import free_port

    unreachable = DefaultContainerRegistryComponent.from_config(
        "gone", {"uri": f"127.0.0.1:{free_port()}"}
    )
    with pytest.raises(ContainerRegistryError, match=r"127\.0\.0\.1:\d+ cannot be reached.*--uri"):
        build_image(ImageInputs(name="tiny", source_roots=(str(project),)), registry=unreachable)


def test_a_failing_build_shows_the_tail_of_its_log_and_leaves_no_image(
    docker_engine: Any, tmp_path: Path
) -> None:
    copy = write_project(tmp_path / "bad")
    inputs = ImageInputs(
        name="tiny",
        source_roots=(str(copy),),
        # Sorts first, so pip fails before downloading anything else.
        requirements=("aaaa-zenml-airflow-no-such-package==1.0",),
    )
    plan = plan_image(inputs, client=docker_engine)
    with pytest.raises(
        ImageBuildError,
        match=r"(?s)pipeline 'tiny' failed.*Last lines of the build log:.*aaaa-zenml-airflow-no-such-package",
    ) as error:
        build_image(inputs, client=docker_engine)
    assert "No matching distribution" in str(error.value) or "Could not find" in str(error.value)
    assert docker_engine.images.list(name=plan.image) == []


def test_a_missing_parent_image_is_refused_with_the_fix(docker_engine: Any, project: Path) -> None:
    with pytest.raises(
        ImageBuildError, match=r"parent image 'local/no-such-parent:1' .*scripts/docker.sh up"
    ):
        build_image(
            ImageInputs(name="tiny", source_roots=(str(project),)),
            parent_image="local/no-such-parent:1",
        )


def test_an_unreachable_docker_engine_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("docker")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    with pytest.raises(
        DockerUnavailableError,
        match=r"Cannot reach the Docker engine at unix://.*scripts/docker.sh up",
    ):
        build_image(ImageInputs(name="tiny"))


def test_a_project_copy_with_the_same_files_gets_the_same_tag(
    docker_engine: Any, tmp_path: Path
) -> None:
    """The tag hashes contents and the image paths, not where the copy lives... except that the
    compiling machine's root path is part of the recorded mapping, so it must differ."""
    one = write_project(tmp_path / "one")
    two = tmp_path / "two"
    shutil.copytree(one, two)
    plans = [
        plan_image(ImageInputs(name="tiny", source_roots=(str(root),)), client=docker_engine)
        for root in (one, one, two)
    ]
    assert plans[0].tag == plans[1].tag
    assert plans[0].tag != plans[2].tag
