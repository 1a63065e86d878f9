"""Container images of pipelines: a generated Dockerfile, a content-addressed tag, build and push.

The docker SDK is an optional extra (``pip install 'zenml-airflow[docker]'``) imported only when
an image is built or looked up; importing this package imports neither it nor the builder.

Example::

    from zenml_airflow.images import ImageInputs, build_image
    image = build_image(ImageInputs.from_spec(spec, pipeline), registry=stack.container_registry)
    image.digest, image.source_roots
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zenml_airflow.images.errors import (
    ContainerRegistryError,
    DockerUnavailableError,
    ImageBuildError,
    ImageError,
)
from zenml_airflow.images.inputs import ImageInputs

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.images.builder import (
        BuiltImage,
        ImagePlan,
        build_image,
        default_parent_image,
        docker_client,
        plan_image,
    )

__all__ = [
    "BuiltImage",
    "ContainerRegistryError",
    "DockerUnavailableError",
    "ImageBuildError",
    "ImageError",
    "ImageInputs",
    "ImagePlan",
    "build_image",
    "default_parent_image",
    "docker_client",
    "plan_image",
]

_BUILDER_NAMES = frozenset(
    {
        "BuiltImage",
        "ImagePlan",
        "build_image",
        "default_parent_image",
        "docker_client",
        "plan_image",
    }
)


def __getattr__(name: str) -> Any:
    if name in _BUILDER_NAMES:
        from zenml_airflow.images import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
