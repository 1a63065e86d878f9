"""Model deployers: the component type that serves models, and its built-in flavors.

The ``local`` flavor exists as a config only so far (``NOT_IMPLEMENTED``). A new flavor is a
subclass of :class:`ModelDeployerComponent` defined in this module (registered as a built-in
flavor by being here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack.components.common import MILESTONE_LATER
from zenml_airflow.stack.stack_component import StackComponent


class ModelDeployerComponent(StackComponent):
    """Base of model deployer flavors."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.MODEL_DEPLOYER
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True


class LocalModelDeployerComponent(ModelDeployerComponent):
    """Serves models from a long-running local HTTP prediction service."""

    FLAVOR: ClassVar[str] = "local"
    NOT_IMPLEMENTED: ClassVar[str | None] = MILESTONE_LATER

    host: str = "127.0.0.1"
    port_range: str = "8000-8999"
