"""The pipeline image of a compiled spec: built (or found) and pushed at compile time.

A pipeline whose steps run in the stack's ``docker`` or ``kubernetes`` step operator needs an
image of its code unless that component names a fixed ``image``. ``pipeline compile`` and
``pipeline deploy`` make sure it exists - building it only when no image with its
content-addressed tag is in the Docker engine or the registry - push it to the stack's container
registry and record it in the spec (:class:`~zenml_airflow.core.spec.ImageSpec`), so a task
runs what was compiled without planning or hashing the code again. ``--no-build`` only looks the
image up. ``p.run()`` on the local orchestrator records none and builds on the fly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from zenml_airflow.core.spec import ImageSpec, PipelineSpec
from zenml_airflow.exceptions import PipelineConfigurationError
from zenml_airflow.logger import get_logger

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack

logger = get_logger(__name__)

#: ``"build"``: build and push what is missing; ``"require"``: the image must exist already
#: (``--no-build``); ``"skip"``: record no image (a DAG built at parse time must not build).
ImagePolicy = Literal["build", "require", "skip"]

#: Step operator flavors whose steps run in the pipeline's image.
IMAGE_FLAVORS = frozenset({"docker", "kubernetes"})


def needs_pipeline_image(spec: PipelineSpec, stack: Stack) -> bool:
    """Whether a step of ``spec`` runs in ``stack``'s docker/kubernetes step operator and that
    component has no fixed ``image``."""
    operator = stack.step_operator
    if operator is None or operator.FLAVOR not in IMAGE_FLAVORS:
        return False
    if getattr(operator, "image", None):
        return False
    return any(step.step_operator == operator.name for step in spec.steps)


def pipeline_image(spec: PipelineSpec, stack: Stack, *, policy: ImagePolicy = "build") -> ImageSpec:
    """Make sure the image of ``spec``'s launched steps exists (and is in the stack's registry)
    and describe it.

    Raises:
        PipelineConfigurationError: the image could not be built, pushed or (``"require"``)
            found, naming the pipeline and what to do.
    """
    from zenml_airflow.images import ImageError, build_image
    from zenml_airflow.images.builder import repository_name
    from zenml_airflow.stack.components.container_registry import ContainerRegistryComponent
    from zenml_airflow.stack.components.step_operator import StepOperatorComponent
    from zenml_airflow.step_operators.docker import DockerStepOperator
    from zenml_airflow.step_operators.environment import image_inputs
    from zenml_airflow.step_operators.launching import load_step_operator

    component = stack.step_operator
    assert isinstance(component, StepOperatorComponent)  # needs_pipeline_image said so
    registry = stack.container_registry
    operator = load_step_operator(component)
    try:
        client = operator.client() if isinstance(operator, DockerStepOperator) else None
        built = build_image(
            image_inputs(spec),
            registry=registry if isinstance(registry, ContainerRegistryComponent) else None,
            parent_image=getattr(component, "parent_image", None),
            build=policy != "require",
            client=client,
        )
    except ImageError as error:
        raise PipelineConfigurationError(
            f"Pipeline '{spec.name}': the image of its steps in step operator "
            f"'{component.name}' is not available: {error}"
        ) from error
    repository, _, tag = built.image.rpartition(":")
    assert repository.endswith(repository_name(spec.name))
    if built.built or built.pushed:
        logger.info("Pipeline image %s (%s)", built.image, built.digest or built.image_id)
    return ImageSpec(
        reference=built.image,
        tag=tag,
        digest=built.digest,
        source_roots=dict(built.source_roots),
    )
