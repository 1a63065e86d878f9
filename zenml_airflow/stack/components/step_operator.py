"""Step operators: the component type that runs chosen steps elsewhere than the orchestrator.

Flavors: ``virtualenv``, ``docker`` and ``kubernetes`` (implemented in
:mod:`zenml_airflow.step_operators`). A new flavor is a subclass of
:class:`StepOperatorComponent` defined in this module (registered as a built-in flavor by being
here, see :mod:`zenml_airflow.stack.components`) whose ``IMPLEMENTATION`` is a
:class:`~zenml_airflow.step_operators.base.BaseStepOperator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import field_validator, model_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack


class StepOperatorComponent(StackComponent):
    """Base of step operator flavors: runs chosen steps somewhere else than the orchestrator does."""

    TYPE: ClassVar[StackComponentType] = StackComponentType.STEP_OPERATOR
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = True


class DockerStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a Docker container on the machine (or engine) of the orchestrator.

    ``image``: the image to run (it must hold zenml-airflow and the step's code); unset, the
    pipeline's image is built with :mod:`zenml_airflow.images` (from ``parent_image``, default
    ``$ZENML_AIRFLOW_PARENT_IMAGE`` or ``python:3.X-slim-bookworm``) and pushed to the stack's
    container registry when it has one. ``docker_url``: the engine (default ``DOCKER_HOST`` or
    the local socket).
    """

    FLAVOR: ClassVar[str] = "docker"
    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.step_operators.docker:DockerStepOperator"

    image: str | None = None
    parent_image: str | None = None
    docker_url: str | None = None

    @model_validator(mode="after")
    def _image_or_parent(self) -> Self:
        if self.image is not None and self.parent_image is not None:
            raise ValueError(
                "set either 'image' (an existing image) or 'parent_image' (the base of the "
                "pipeline image built for the step operator), not both"
            )
        return self

    def check_in_stack(self, stack: Stack) -> list[str]:
        # The pipeline image is pushed to the stack's registry and recorded by digest in the
        # compiled spec (issue 17): without a registry there is nowhere to push it.
        if self.image is None and stack.container_registry is None:
            return [
                f"step operator '{self.name}' runs steps in the pipeline's image, which is "
                "pushed to the stack's container registry, and the stack has none: register one "
                "(zenml-airflow container-registry register NAME --flavor default "
                "--uri=127.0.0.1:PORT) and add it to the stack (zenml-airflow stack update "
                f"{stack.name} -c NAME), or give the step operator a fixed image "
                f"(zenml-airflow step-operator update {self.name} --image=REPOSITORY:TAG)"
            ]
        return []


class KubernetesStepOperatorComponent(StepOperatorComponent):
    """Runs a step in a Kubernetes pod, one pod per try (Airflow's ``KubernetesPodOperator``).

    ``image``: the image the pods run (it must hold zenml-airflow and the user's code under the
    image layout of :mod:`zenml_airflow.images`); without it, the pipeline's image is built and
    pushed to the stack's container registry. ``namespace``, ``service_account``: where the pods
    run and as whom. The cluster: ``kubeconfig`` (a file; default ``$KUBECONFIG`` or
    ``~/.kube/config``) with ``kubernetes_context``, or ``in_cluster`` (the worker runs in a pod),
    or ``kubernetes_conn_id`` (an Airflow connection). ``image_pull_policy``,
    ``image_pull_secrets`` (names of secrets in the namespace), ``env`` (extra environment of the
    step's container), ``startup_timeout_seconds`` (how long a pod may stay pending).
    """

    FLAVOR: ClassVar[str] = "kubernetes"
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.step_operators.kubernetes:KubernetesStepOperator"
    )

    namespace: str = "default"
    image: str | None = None
    kubernetes_context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False
    kubernetes_conn_id: str | None = None
    service_account: str | None = None
    image_pull_policy: str | None = None
    image_pull_secrets: list[str] = []
    env: dict[str, str] = {}
    startup_timeout_seconds: int = 120

    @field_validator("image_pull_secrets", mode="before")
    @classmethod
    def _one_secret(cls, value: Any) -> Any:
        # `--image_pull_secrets=regcred` on the command line: one secret name, not a list.
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_way_to_the_cluster(self) -> Self:
        ways = [
            name
            for name, value in (
                ("kubeconfig", self.kubeconfig),
                ("in_cluster", self.in_cluster),
                ("kubernetes_conn_id", self.kubernetes_conn_id),
            )
            if value
        ]
        if len(ways) > 1:
            raise ValueError(
                f"set only one of {', '.join(ways)}: each says how to reach the cluster"
            )
        if self.image_pull_policy not in (None, "Always", "IfNotPresent", "Never"):
            raise ValueError(
                f"image_pull_policy {self.image_pull_policy!r} is not Always, IfNotPresent or Never"
            )
        if self.startup_timeout_seconds <= 0:
            raise ValueError("startup_timeout_seconds must be a positive number of seconds")
        return self

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
    """Runs a step in another Python environment on the same machine (the worker).

    ``python``: an existing interpreter with zenml-airflow installed. Otherwise a virtualenv is
    built from ``requirements`` (plus zenml-airflow itself) the first time, cached under the
    global config dir by the hash of what it holds. ``system_site_packages``: let that virtualenv
    see this interpreter's packages too (off by default: the point is other versions).
    ``cache_dir``: where built virtualenvs are kept (default: ``step_operators/virtualenvs``
    under the global config dir).
    """

    FLAVOR: ClassVar[str] = "virtualenv"
    IMPLEMENTATION: ClassVar[str | None] = (
        "zenml_airflow.step_operators.virtualenv:VirtualenvStepOperator"
    )

    python: str | None = None
    requirements: list[str] = []
    system_site_packages: bool = False
    cache_dir: str | None = None

    @field_validator("requirements", mode="before")
    @classmethod
    def _one_requirement(cls, value: Any) -> Any:
        # `--requirements=scikit-learn==1.4.2` on the command line: one requirement, not a list
        # (several: `--requirements='["a==1", "b>=2,<3"]'`).
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _python_or_requirements(self) -> Self:
        if self.python is not None and (self.requirements or self.system_site_packages):
            raise ValueError(
                "set either 'python' (an existing environment) or 'requirements' / "
                "'system_site_packages' (a virtualenv built for the step operator), not both"
            )
        return self


def check_step_operator_names(
    stack: Stack, wanted: Mapping[str, str], *, pipeline_name: str
) -> None:
    """Refuse steps (name -> ``custom_step_operator``) whose step operator the stack lacks.

    Raises:
        StackError: naming each such step, what the stack has and how to fix it.
    """
    have = stack.step_operator.name if stack.step_operator is not None else None
    wrong = sorted(name for name, operator in wanted.items() if operator != have)
    if not wrong:
        return
    asked = "; ".join(f"step '{n}' asks for step operator '{wanted[n]}'" for n in wrong)
    first = wanted[wrong[0]]
    has = f"its step operator is '{have}'" if have else "it has no step operator"
    raise StackError(
        f"Pipeline '{pipeline_name}' cannot run on stack '{stack.name}': {asked}, but {has}. "
        f"Register one and add it to the stack (zenml-airflow step-operator register {first} "
        f"--flavor virtualenv; zenml-airflow stack update {stack.name} -s {first}), or change "
        "custom_step_operator on the step."
    )
