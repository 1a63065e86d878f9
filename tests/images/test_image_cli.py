"""``zenml-airflow image build|push|list`` against the real engine and registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.cli.cli_helpers import ok
from zenml_airflow.cli.image import image

pytestmark = pytest.mark.slow


def _image(*args: str) -> Any:
    result = CliRunner().invoke(image, list(args))
    return result


def _use_registry_stack(registry: Any) -> None:
    ok("container-registry", "register", "reg", "-f", "default", f"--uri={registry.uri}")
    ok("stack", "register", "s", "-o", "default", "-m", "default", "-a", "default", "-c", "reg")
    ok("stack", "set", "s")


def test_image_build_finds_the_unchanged_image_in_the_stacks_registry(
    built_image: Any, registry: Any, project: Path
) -> None:
    _use_registry_stack(registry)
    result = _image("build", f"{project}/tiny_steps.py:p", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["built"], data["pushed"]) == (False, False)
    assert (data["image"], data["digest"]) == (built_image.image, built_image.digest)
    assert data["source_roots"] == {str(project): "/app/0"}

    people = _image("push", f"{project}/tiny_steps.py")
    assert people.exit_code == 0, people.output
    assert f"Unchanged: {built_image.image}" in people.stdout
    assert f"In the registry as {built_image.digest}" in people.stdout


def test_image_push_without_a_container_registry_says_what_to_register(
    docker_engine: Any, project: Path
) -> None:
    result = _image("push", f"{project}/tiny_steps.py:p")
    assert result.exit_code != 0
    assert "has no container registry to push to" in str(result.exception)
    assert "container-registry register NAME --flavor default" in str(result.exception)


def test_image_list_shows_the_pipeline_images(built_image: Any) -> None:
    result = _image("list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    mine = [row for row in rows if built_image.image in row["tags"]]
    assert len(mine) == 1 and mine[0]["id"] == built_image.image_id
    assert built_image.digest in mine[0]["digests"]
    assert not any("local/python" in tag for row in rows for tag in row["tags"])
