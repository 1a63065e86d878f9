"""``zenml-airflow image build|push|list``: the container images of pipelines.

``build`` makes sure the image of a pipeline exists (skipped when its content-addressed tag is
already in the local engine or the active stack's container registry) and pushes it when the stack
has a container registry; ``push`` does the same but requires the registry; ``list`` shows the
pipeline images the local Docker engine holds. The docker SDK is imported only when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zenml_airflow.cli.utils import json_option, print_json, print_table
from zenml_airflow.exceptions import StackError


@click.group(help="Container images of pipelines: build and push them, list them.")
def image() -> None:
    """The ``image`` command group."""


def _image_options(function: Any) -> Any:
    function = click.option(
        "--parent-image",
        help="The FROM image (default: $ZENML_AIRFLOW_PARENT_IMAGE, else python:3.X-slim-bookworm).",
    )(function)
    function = click.option(
        "--constraints",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A pip constraints file the requirements follow (default: "
        "$ZENML_AIRFLOW_IMAGE_CONSTRAINTS, else the versions installed here).",
    )(function)
    return function


def _build(
    source: str, parent_image: str | None, constraints: Path | None, *, push: str
) -> dict[str, Any]:
    from zenml_airflow.compiler.compile import make_portable
    from zenml_airflow.compiler.plan import build_plan
    from zenml_airflow.compiler.source import load_source
    from zenml_airflow.images import ImageInputs, build_image
    from zenml_airflow.repository import Repository
    from zenml_airflow.stack.components.container_registry import ContainerRegistryComponent

    pipeline = load_source(source).pipeline
    spec = make_portable(build_plan(pipeline).spec)
    stack = Repository().active_stack
    registry = stack.container_registry
    if not isinstance(registry, ContainerRegistryComponent):
        registry = None
    if registry is None and push == "required":
        raise StackError(
            f"Stack '{stack.name}' has no container registry to push to; register one "
            "(zenml-airflow container-registry register NAME --flavor default --uri=HOST:PORT) "
            f"and add it to the stack (zenml-airflow stack update {stack.name} -c NAME)."
        )
    result = build_image(
        ImageInputs.from_spec(spec, pipeline),
        registry=registry,
        parent_image=parent_image,
        constraints=constraints,
        push=push != "no",
    )
    return {
        "image": result.image,
        "digest": result.digest,
        "image_id": result.image_id,
        "built": result.built,
        "pushed": result.pushed,
        "source_roots": dict(result.source_roots),
        "seconds": round(result.seconds, 3),
    }


def _report(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    action = "Built" if data["built"] else "Unchanged:"
    click.echo(f"{action} {data['image']} ({data['seconds']:.2f}s)")
    if data["pushed"]:
        click.echo(f"Pushed {data['digest']}")
    elif data["digest"]:
        click.echo(f"In the registry as {data['digest']}")
    for host, in_image in data["source_roots"].items():
        click.echo(f"  {host} -> {in_image}")


@image.command("build")
@click.argument("source")
@_image_options
@click.option("--no-push", is_flag=True, help="Keep the image in the local engine only.")
@json_option
def build(
    source: str, parent_image: str | None, constraints: Path | None, no_push: bool, as_json: bool
) -> None:
    """Build the image of pipeline SOURCE (as for `pipeline compile`) unless its tag exists, and
    push it to the active stack's container registry, if it has one."""
    _report(_build(source, parent_image, constraints, push="no" if no_push else "auto"), as_json)


@image.command("push")
@click.argument("source")
@_image_options
@json_option
def push(source: str, parent_image: str | None, constraints: Path | None, as_json: bool) -> None:
    """Build (unless its tag exists) and push the image of pipeline SOURCE to the active stack's
    container registry; the stack must have one."""
    _report(_build(source, parent_image, constraints, push="required"), as_json)


@image.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List the pipeline images in the local Docker engine, newest first."""
    from zenml_airflow.images import docker_client
    from zenml_airflow.images.dockerfile import RECIPE_LABEL

    images = docker_client().images.list(filters={"label": RECIPE_LABEL})
    rows = []
    for found in sorted(images, key=lambda i: str(i.attrs.get("Created", "")), reverse=True):
        rows.append(
            {
                "tags": list(found.tags),
                "id": str(found.id),
                "digests": list(found.attrs.get("RepoDigests") or []),
                "created": found.attrs.get("Created"),
                "size_mb": round(int(found.attrs.get("Size", 0)) / 2**20, 1),
            }
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        "Pipeline images",
        ["tags", "id", "size (MB)", "created"],
        [
            (", ".join(r["tags"]) or "<none>", r["id"][7:19], r["size_mb"], r["created"])
            for r in rows
        ],
        empty="No pipeline images in the local Docker engine.",
    )
