"""The ``kubernetes`` step operator: a step runs in a Kubernetes pod, one pod per try.

The pod is Airflow's: :meth:`KubernetesStepOperator.pod_operator` configures a
``KubernetesPodOperator`` (``cncf.kubernetes`` provider) for the try, and its
``build_pod_request_obj`` renders the pod (image, the step entrypoint with the launch document,
resources, labels, namespace, service account; no XCom sidecar: the result comes back on the
last log line, as from any launched entrypoint). :meth:`KubernetesStepOperator.launch` then drives
the operator's pod manager: create the pod, wait for it to start, follow the base container's
log to its end (each line copied to this process's output, under Airflow to the task log),
read the final phase, and delete the pod whatever happened.

The Airflow part (the provider's operator and its pod manager) lives in
:mod:`zenml_airflow.runtime.kubernetes_pod` and is imported only on launch or render (importing
the provider takes about 2 s): DAG files and ``import zenml_airflow`` never import it, and a cached
step (checked in-process before any launch) never does either.
"""

from __future__ import annotations

import collections
import json
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from zenml_airflow.execution.launch import RESULT_PREFIX, StepLaunch
from zenml_airflow.stack.components.step_operator import KubernetesStepOperatorComponent
from zenml_airflow.step_operators.base import (
    ENTRYPOINT_MODULE,
    OUTPUT_TAIL_LINES,
    BaseStepOperator,
    StepOperatorError,
)
from zenml_airflow.utils.source_utils import import_object

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec

#: The Airflow side of this flavor: building and driving the ``KubernetesPodOperator`` (only
#: ``runtime``, ``plugin`` and the orchestrators import Airflow; reached by name, on launch).
POD_RUNNER = "zenml_airflow.runtime.kubernetes_pod"
#: The container of the pod that runs the step (KubernetesPodOperator's name for it).
BASE_CONTAINER = "base"
#: Label keys of a step's pod; values are made label-safe by :func:`label_value`.
LABEL_PREFIX = "zenml-airflow/"
_LABEL_MAX = 63


def label_value(value: object) -> str:
    """``value`` as a Kubernetes label value: at most 63 of ``[A-Za-z0-9._-]``, alphanumeric at
    both ends (other characters become ``-``)."""
    text = "".join(c if c.isalnum() or c in "._-" else "-" for c in str(value))
    return text[:_LABEL_MAX].strip("._-") or "none"


def source_root_mapping(spec: PipelineSpec) -> dict[str, str]:
    """The spec's source roots -> their directories in the pipeline image (the layout of
    :mod:`zenml_airflow.images`, also that of an image given as the step operator's ``image``
    when it was built by ``zenml-airflow image build``)."""
    if spec.image is not None:
        return dict(spec.image.source_roots)
    from zenml_airflow.images.inputs import ImageInputs

    return ImageInputs.from_spec(spec).root_mapping()


class KubernetesStepOperator(BaseStepOperator):
    """Runs step bodies in pods of a Kubernetes cluster."""

    component: KubernetesStepOperatorComponent

    def cache_identity(self) -> str:
        """The component's flavor and config, plus the pipeline image's tag when the compiled
        spec records one (a changed image re-runs the step)."""
        identity = super().cache_identity()
        if self.component.image is None and self.spec is not None and self.spec.image is not None:
            identity += f":image_tag={self.spec.image.tag}"
        return identity

    # --- the pod -------------------------------------------------------------------------------

    def image_for(self, launch: StepLaunch) -> str:
        """The image of ``launch``'s pod: the component's ``image``, else the pipeline image,
        built and pushed to the stack's container registry when missing.

        Raises:
            StepOperatorError: no image is configured and the pipeline image cannot be had.
        """
        if self.component.image:
            return self.component.image
        if launch.spec.image is not None:  # built and pushed at compile time
            return launch.spec.image.run_reference
        from zenml_airflow.images import ImageError, build_image
        from zenml_airflow.stack.components.container_registry import ContainerRegistryComponent
        from zenml_airflow.stack.snapshot import stack_from_snapshot

        step = launch.step.name
        stack = launch.spec.stack
        registry = None if stack is None else stack_from_snapshot(stack).container_registry
        if not isinstance(registry, ContainerRegistryComponent):
            raise StepOperatorError(
                f"Step '{step}': step operator '{self.name}' has no image and the stack has no "
                "container registry to push the pipeline image to. Set its image "
                f"(zenml-airflow step-operator update {self.name} --image=REPOSITORY:TAG) or add "
                "a container registry to the stack (-c).",
                step_name=step,
                detail="no image",
            )
        try:
            from zenml_airflow.step_operators.environment import image_inputs

            built = build_image(image_inputs(launch.spec), registry=registry)
        except ImageError as error:
            raise StepOperatorError(
                f"Step '{step}': the pipeline image for step operator '{self.name}' could not be "
                f"built or pushed: {error}",
                step_name=step,
                detail=str(error),
            ) from error
        return built.digest or built.image

    def pod_command(self, launch: StepLaunch) -> tuple[list[str], list[str]]:
        """The step container's command and arguments: the entrypoint with the launch document
        and one ``--map-root`` per source root of the spec."""
        args = ["--launch-json", launch.to_json()]
        for old, new in source_root_mapping(launch.spec).items():
            args += ["--map-root", f"{old}={new}"]
        return ["python", "-m", ENTRYPOINT_MODULE], args

    def pod_labels(self, launch: StepLaunch) -> dict[str, str]:
        """Labels naming the pipeline, run, step and try of a pod (to find it with kubectl)."""
        return {
            f"{LABEL_PREFIX}pipeline": label_value(launch.spec.name),
            f"{LABEL_PREFIX}run": label_value(launch.run_id),
            f"{LABEL_PREFIX}step": label_value(launch.step.name),
            f"{LABEL_PREFIX}try": label_value(launch.try_number),
        }

    def pod_resources(self, launch: StepLaunch) -> Any:
        """The container's ``V1ResourceRequirements`` from the step's ``resources`` (requests =
        limits for cpu and memory; GPUs as an ``nvidia.com/gpu`` limit), or None."""
        spec = launch.step.resources
        if spec is None:
            return None
        from kubernetes.client import models as k8s

        amounts: dict[str, str] = {}
        if spec.cpu is not None:
            amounts["cpu"] = f"{spec.cpu:g}"
        if spec.memory_mb is not None:
            amounts["memory"] = f"{spec.memory_mb}Mi"
        limits = dict(amounts)
        if spec.gpu:
            limits["nvidia.com/gpu"] = str(spec.gpu)
        if not limits:
            return None
        return k8s.V1ResourceRequirements(requests=amounts or None, limits=limits)

    def pod_operator(self, launch: StepLaunch, image: str) -> Any:
        """The ``KubernetesPodOperator`` of one try of ``launch``'s step (not part of a DAG: it is
        driven by :meth:`launch`; built in :mod:`zenml_airflow.runtime.kubernetes_pod`, the
        Airflow side)."""
        build = import_object(f"{POD_RUNNER}:pod_operator", StepOperatorError)
        return build(self, launch, image)

    def render_pod(self, launch: StepLaunch, image: str | None = None) -> Any:
        """The ``V1Pod`` that :meth:`launch` would create for ``launch`` (no cluster contacted,
        though the cluster's configuration is read)."""
        operator = self.pod_operator(launch, image or self.image_for(launch))
        return operator.build_pod_request_obj(dry_run=True)

    # --- running it ----------------------------------------------------------------------------

    def launch(self, launch: StepLaunch) -> None:
        """Run ``launch``'s step body in a new pod, wait for it, delete it.

        Raises:
            StepOperatorError: the cluster cannot be reached, the pod did not start, the step
                failed, or the pod ended without a result.
        """
        run_pod = import_object(f"{POD_RUNNER}:run_pod", StepOperatorError)
        pod_name, phase, result, tail = run_pod(self, launch, self.image_for(launch))
        self.settle(launch.step.name, pod_name, phase, result, tail)

    def settle(
        self,
        step: str,
        pod_name: str,
        phase: str,
        result: Mapping[str, Any],
        tail: Iterable[str],
    ) -> None:
        """Return if the pod reported success; raise what went wrong otherwise.

        Raises:
            StepOperatorError: with the step's own error, or the pod's phase and last output.
        """
        if phase == "Succeeded" and result.get("status") == "completed":
            return
        lines = list(tail)
        output = "\n".join(lines) or "(no output)"
        if result.get("status") == "failed":
            raise StepOperatorError(
                f"{result.get('error')} (in step operator '{self.name}', pod {pod_name})",
                step_name=step,
                detail=f"{result.get('traceback', '')}\nLog of pod {pod_name} (last "
                f"{OUTPUT_TAIL_LINES} lines):\n{output}",
            )
        raise StepOperatorError(
            f"Step '{step}' in step operator '{self.name}': pod {pod_name} ended in phase "
            f"{phase} without reporting a result. Last output: {lines[-1] if lines else '(none)'}",
            step_name=step,
            detail=f"Log of pod {pod_name} (last {OUTPUT_TAIL_LINES} lines):\n{output}",
        )

    def unreachable(self, step: str, server: str, error: Exception) -> StepOperatorError:
        """The error of a pod that could not be created: which API server, from which
        configuration, and how to fix it."""
        c = self.component
        if c.in_cluster:
            how = "in-cluster configuration (in_cluster=True: the worker must run in a pod)"
        elif c.kubernetes_conn_id:
            how = f"the Airflow connection '{c.kubernetes_conn_id}'"
        elif c.kubeconfig:
            how = f"the kubeconfig {c.kubeconfig}"
        else:
            how = "the default kubeconfig ($KUBECONFIG or ~/.kube/config)"
        if c.kubernetes_context:
            how += f", context '{c.kubernetes_context}'"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return StepOperatorError(
            f"Step '{step}': step operator '{self.name}' could not create its pod: the Kubernetes "
            f"API server {server} (from {how}) cannot be reached or refused the request "
            f"({type(error).__name__}: {reason}). Check that the cluster is up and reachable "
            f"from here (kubectl --context=... get pods -n {c.namespace}), or fix the step "
            f"operator's kubeconfig/kubernetes_context/in_cluster/kubernetes_conn_id "
            f"(zenml-airflow step-operator update {self.name} --kubeconfig=...).",
            step_name=step,
            detail=f"{type(error).__name__}: {error}",
        )


def read_result(lines: Iterable[str], tail: collections.deque[str]) -> dict[str, Any]:
    """Copy ``lines`` to this process's output, keep their tail in ``tail``, and return the
    result the entrypoint printed last (``{}`` if none)."""
    last: str | None = None
    for line in lines:
        if line.startswith(RESULT_PREFIX):
            last = line[len(RESULT_PREFIX) :]
            continue
        sys.stdout.write(line + "\n")
        tail.append(line)
    if not last:
        return {}
    try:
        value = json.loads(last)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
