"""Container registries: the component type that says where pipeline images are pushed and pulled.

``uri`` is ``HOST[:PORT][/PREFIX]`` as ``docker push`` takes it (no scheme, no tag); a pipeline's
image is ``<uri>/zenml-<pipeline>:<content hash>`` (:mod:`zenml_airflow.images`). Credentials are
the Docker engine's own login (``docker login HOST``, kept in ``~/.docker/config.json``), which the
engine uses for every push and pull.

A new flavor is a subclass of :class:`ContainerRegistryComponent` defined in this module
(registered as a built-in flavor by being here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import field_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack.components.common import LOCAL_HOSTS
from zenml_airflow.stack.stack_component import StackComponent

# host (a name or an IPv4 address), optional port, optional lower-case path prefix.
_URI = re.compile(
    r"^(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<prefix>(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)$"
)


class ContainerRegistryComponent(StackComponent):
    """Base of container registry flavors: ``uri`` is where images are pushed and pulled from."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.CONTAINER_REGISTRY

    uri: str

    @field_validator("uri")
    @classmethod
    def _check_uri(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        match = _URI.match(value)
        port = match["port"] if match else None
        if match is None or (port is not None and not 1 <= int(port) <= 65535):
            raise ValueError(
                f"{value!r} is not a registry address; give HOST[:PORT][/PREFIX] without a scheme "
                "or tag, e.g. '127.0.0.1:5000' or 'registry.example.com/team'"
            )
        return value

    @property
    def host(self) -> str:
        """``HOST[:PORT]`` of :attr:`uri` (what ``docker login`` takes)."""
        return self.uri.split("/", 1)[0]

    @property
    def is_local(self) -> bool:
        return self.host.split(":", 1)[0] in LOCAL_HOSTS


class DefaultContainerRegistryComponent(ContainerRegistryComponent):
    """Any registry reachable with ``docker push``: a local ``registry:2``/distribution server,
    Docker Hub, GHCR, ECR, GCR/Artifact Registry, ..."""

    FLAVOR: ClassVar[str] = "default"
