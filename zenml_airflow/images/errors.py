"""The errors of image builds: each says what failed, for which image or registry, and the fix."""

from __future__ import annotations

from zenml_airflow.exceptions import ZenMLAirflowError


class ImageError(ZenMLAirflowError):
    """Root of the image build, push and look-up errors."""


class DockerUnavailableError(ImageError):
    """The docker SDK is not installed, or the Docker engine cannot be reached."""


class ImageBuildError(ImageError):
    """``docker build`` failed; the message ends with the tail of the build log."""


class ContainerRegistryError(ImageError):
    """The container registry cannot be reached, refused a push, or lacks an image."""
