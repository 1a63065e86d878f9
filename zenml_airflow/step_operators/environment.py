"""What the environment a step operator runs a step in needs, shared by the flavors (and the
compiler, which builds the pipeline image): the drivers of the stack's stores, and the inputs of
the pipeline's image."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from zenml_airflow.core.spec import PipelineSpec

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.images import ImageInputs

# zenml-airflow's extra for each store flavor whose driver the launched process needs.
_STORE_EXTRAS = {"postgresql": "postgres", "mysql": "mysql", "s3": "s3", "gcs": "gcs"}


def store_extras(spec: PipelineSpec) -> list[str]:
    """The zenml-airflow extras the stores of ``spec``'s stack snapshot need."""
    if spec.stack is None:
        return []
    flavors = {component.flavor for component in spec.stack.components.values()}
    return sorted({_STORE_EXTRAS[f] for f in flavors if f in _STORE_EXTRAS})


def store_requirements(spec: PipelineSpec) -> tuple[str, ...]:
    """The drivers the stores of ``spec``'s stack need in the image (zenml-airflow's ``postgres``,
    ``mysql``, ``s3``, ``gcs`` extras' requirements): the container talks to them itself."""
    import importlib.metadata

    from packaging.requirements import Requirement

    extras = store_extras(spec)
    if not extras:
        return ()
    found: set[str] = set()
    for line in importlib.metadata.requires("zenml-airflow") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and any(marker.evaluate({"extra": extra}) for extra in extras):
            requirement.marker = None
            found.add(str(requirement))
    return tuple(sorted(found))


def image_inputs(spec: PipelineSpec) -> ImageInputs:
    """The :class:`~zenml_airflow.images.ImageInputs` of ``spec``'s image: its source roots,
    integrations, the user's requirements (``spec.requirements``) and ``dockerignore_file``,
    plus the drivers of its stack's stores."""
    from zenml_airflow.images import ImageInputs

    inputs = ImageInputs.from_spec(spec)
    drivers = store_requirements(spec)
    return dataclasses.replace(
        inputs,
        requirements=(*inputs.requirements, *spec.requirements, *drivers),
        dockerignore_file=inputs.dockerignore_file or spec.dockerignore_file,
    )


__all__ = ["image_inputs", "store_extras", "store_requirements"]
