"""Container registries: the component type that says where images are pushed and pulled from.

Configuration only so far (nothing builds images until a docker or kubernetes step operator does).
A new flavor is a subclass of :class:`ContainerRegistryComponent` defined in this module
(registered as a built-in flavor by being here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack.components.common import LOCAL_HOSTS
from zenml_airflow.stack.stack_component import StackComponent


class ContainerRegistryComponent(StackComponent):
    """Base of container registry flavors: ``uri`` is where images are pushed and pulled from."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.CONTAINER_REGISTRY

    uri: str

    @property
    def is_local(self) -> bool:
        return self.uri.split("/", 1)[0].split(":", 1)[0] in LOCAL_HOSTS


class DefaultContainerRegistryComponent(ContainerRegistryComponent):
    """Any registry reachable with ``docker push`` (configuration only: nothing runs until a
    docker or kubernetes step operator builds images)."""

    FLAVOR: ClassVar[str] = "default"
