"""The ``kubernetes`` step operator: a step runs in a Kubernetes pod, one pod per try.

The pod is Airflow's: :meth:`KubernetesStepOperator.pod_operator` configures a
``KubernetesPodOperator`` (``cncf.kubernetes`` provider) for the try, and its
``build_pod_request_obj`` renders the pod (image, the step entrypoint with the launch document,
resources, labels, namespace, service account; no XCom sidecar: the result comes back on the
last log line, as from any launched entrypoint). :meth:`KubernetesStepOperator.launch` then drives
the operator's pod manager: create the pod, wait for it to start, follow the base container's
log to its end (each line copied to this process's output, under Airflow to the task log),
read the final phase, and delete the pod whatever happened.

The provider is imported only here, inside :meth:`~KubernetesStepOperator.pod_operator`
(importing it takes about 2 s): DAG files and ``import zenml_airflow`` never import it, and a
cached step (checked in-process before any launch) never does either.
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

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec

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
            from zenml_airflow.step_operators.docker import image_inputs

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
        driven by :meth:`launch`)."""
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from kubernetes.client import models as k8s

        c = self.component
        command, args = self.pod_command(launch)
        env = {"PYTHONUNBUFFERED": "1", **c.env}
        name = label_value(f"zenml-{launch.spec.name}-{launch.step.name}".lower()).lower()
        return KubernetesPodOperator(
            task_id=label_value(f"{launch.step.name}-try-{launch.try_number}"),
            name=name,
            random_name_suffix=True,
            namespace=c.namespace,
            image=image,
            cmds=command,
            arguments=args,
            env_vars=env,
            labels=self.pod_labels(launch),
            container_resources=self.pod_resources(launch),
            service_account_name=c.service_account,
            image_pull_policy=c.image_pull_policy,
            image_pull_secrets=[k8s.V1LocalObjectReference(name=s) for s in c.image_pull_secrets],
            kubernetes_conn_id=c.kubernetes_conn_id,
            config_file=c.kubeconfig,
            cluster_context=c.kubernetes_context,
            in_cluster=c.in_cluster or None,
            startup_timeout_seconds=c.startup_timeout_seconds,
            do_xcom_push=False,  # its sidecar pulls an alpine image; the result is on the log
            get_logs=True,
            on_finish_action="delete_pod",
        )

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
        image = self.image_for(launch)
        operator = self.pod_operator(launch, image)
        step = launch.step.name
        server = "the cluster"
        try:
            pod = operator.build_pod_request_obj()
            server = str(operator.client.api_client.configuration.host)
            manager = operator.pod_manager
            pod = create_pod(operator, pod)
        except Exception as error:
            raise self._unreachable(step, server, error) from error
        tail: collections.deque[str] = collections.deque(maxlen=OUTPUT_TAIL_LINES)
        result: dict[str, Any] = {}
        phase = "unknown"
        try:
            try:
                operator.await_pod_start(pod)
            except Exception as error:
                raise StepOperatorError(
                    f"Step '{step}': pod {pod.metadata.name} of step operator '{self.name}' did "
                    f"not start in namespace '{pod.metadata.namespace}' ({error}). Check that its "
                    f"image {image!r} can be pulled there and that the cluster has the resources "
                    "the step asks for (kubectl describe pod).",
                    step_name=step,
                    detail=str(error),
                ) from error
            logs = manager.read_pod_logs(pod, BASE_CONTAINER, follow=True)
            result = read_result(_lines(logs), tail)
            phase = str(
                manager.await_pod_completion(pod, container_name=BASE_CONTAINER).status.phase
            )
        finally:
            try:
                manager.delete_pod(pod)
            except Exception as error:  # the step's own outcome matters more: report, go on
                print(
                    f"Could not delete pod {pod.metadata.name} in namespace "
                    f"{pod.metadata.namespace}: {error}",
                    file=sys.stderr,
                )
        self.settle(step, pod.metadata.name, phase, result, tail)

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

    def _unreachable(self, step: str, server: str, error: Exception) -> StepOperatorError:
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


#: API statuses worth retrying (the provider's pod manager retries them with backoff).
_TRANSIENT = {429, 500, 502, 503, 504}


def create_pod(operator: Any, pod: Any) -> Any:
    """Create ``pod`` through ``operator``'s client: once, so an unreachable server fails at once
    (the pod manager would retry a refused connection for about 15 s), then through the pod
    manager's retries when the server answered with a transient error. The pod is not logged
    (its arguments hold the launch document)."""
    from kubernetes.client.rest import ApiException

    client = operator.client
    body = client.api_client.sanitize_for_serialization(pod)
    try:
        return client.create_namespaced_pod(body=body, namespace=pod.metadata.namespace)
    except ApiException as error:
        if error.status not in _TRANSIENT:
            raise
    return operator.pod_manager.create_pod(pod)


def _lines(chunks: Iterable[bytes | str]) -> Iterable[str]:
    """Text lines of a pod log stream (the provider yields one log line per item)."""
    for chunk in chunks:
        text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
        yield from text.splitlines()


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
