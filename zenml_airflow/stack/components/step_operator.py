"""Step operators: the component type that runs chosen steps elsewhere than the orchestrator.

The built-in flavors (``docker``, ``kubernetes``, ``virtualenv``) exist as configs only so far
(``NOT_IMPLEMENTED``). A new flavor is a subclass of :class:`StepOperatorComponent` defined in
this module (registered as a built-in flavor by being here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack.components.common import MILESTONE_LATER
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack


class StepOperatorComponent(StackComponent):
    """Base of step operator flavors: runs chosen steps somewhere else than the orchestrator does."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.STEP_OPERATOR
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True


class DockerStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a Docker container (an Airflow ``DockerOperator`` task)."""

    FLAVOR: ClassVar[str] = "docker"
    NOT_IMPLEMENTED: ClassVar[str | None] = MILESTONE_LATER
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.step_operators.docker:DockerStepOperator"

    image: str | None = None
    docker_url: str | None = None


class KubernetesStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a Kubernetes pod (an Airflow ``KubernetesPodOperator`` task)."""

    FLAVOR: ClassVar[str] = "kubernetes"
    NOT_IMPLEMENTED: ClassVar[str | None] = MILESTONE_LATER
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.step_operators.kubernetes:KubernetesStepOperator"
    )

    namespace: str = "default"
    image: str | None = None
    kubernetes_context: str | None = None

    def check_in_stack(self, stack: Stack) -> list[str]:
        problems = [
            f"step operator '{self.name}' runs steps in Kubernetes pods, which cannot reach "
            f"{c.TYPE.label} '{c.name}' on this machine; use s3/gcs and mysql/postgresql stores"
            for c in (stack.artifact_store, stack.metadata_store)
            if c.is_local
        ]
        if self.image is None and stack.container_registry is None:
            problems.append(
                f"step operator '{self.name}' needs an image its pods can pull: set its `image` "
                "or add a container registry to the stack (-c)"
            )
        return problems


class VirtualenvStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a separate virtual environment on the worker."""

    FLAVOR: ClassVar[str] = "virtualenv"
    NOT_IMPLEMENTED: ClassVar[str | None] = MILESTONE_LATER
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.step_operators.virtualenv:VirtualenvStepOperator"
    )

    python: str | None = None
    requirements: list[str] = []
