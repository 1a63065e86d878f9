"""The Airflow side of the ``kubernetes`` step operator: its ``KubernetesPodOperator``.

:class:`~zenml_airflow.step_operators.kubernetes.KubernetesStepOperator` decides what the pod of a
try holds (image, entrypoint command, labels, resources) and judges its outcome; this module
builds the provider's operator for it and drives the operator's pod manager: create the pod, wait
for it to start, follow the base container's log to its end (each line copied to this process's
output, under Airflow to the task log), read the final phase, and delete the pod whatever
happened. It is imported by name, on launch or render only: importing the provider takes about
2 s, and only ``runtime``, ``plugin`` and the orchestrators import Airflow.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from zenml_airflow.step_operators.base import OUTPUT_TAIL_LINES, StepOperatorError
from zenml_airflow.step_operators.kubernetes import BASE_CONTAINER, label_value, read_result

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.execution.launch import StepLaunch
    from zenml_airflow.step_operators.kubernetes import KubernetesStepOperator


def pod_operator(operator: KubernetesStepOperator, launch: StepLaunch, image: str) -> Any:
    """The ``KubernetesPodOperator`` of one try of ``launch``'s step (not part of a DAG)."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from kubernetes.client import models as k8s

    c = operator.component
    command, args = operator.pod_command(launch)
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
        labels=operator.pod_labels(launch),
        container_resources=operator.pod_resources(launch),
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


def run_pod(
    operator: KubernetesStepOperator, launch: StepLaunch, image: str
) -> tuple[str, str, dict[str, Any], collections.deque[str]]:
    """Run one try of ``launch``'s step in a new pod of ``image`` and delete the pod.

    Returns the pod's name, its final phase, the result its entrypoint printed (``{}`` if none)
    and the tail of its log, for :meth:`KubernetesStepOperator.settle` to judge.

    Raises:
        StepOperatorError: the cluster cannot be reached or the pod did not start.
    """
    kpo = pod_operator(operator, launch, image)
    step = launch.step.name
    server = "the cluster"
    try:
        pod = kpo.build_pod_request_obj()
        server = str(kpo.client.api_client.configuration.host)
        manager = kpo.pod_manager
        pod = create_pod(kpo, pod)
    except Exception as error:
        raise operator.unreachable(step, server, error) from error
    tail: collections.deque[str] = collections.deque(maxlen=OUTPUT_TAIL_LINES)
    result: dict[str, Any] = {}
    phase = "unknown"
    try:
        try:
            kpo.await_pod_start(pod)
        except Exception as error:
            raise StepOperatorError(
                f"Step '{step}': pod {pod.metadata.name} of step operator '{operator.name}' did "
                f"not start in namespace '{pod.metadata.namespace}' ({error}). Check that its "
                f"image {image!r} can be pulled there and that the cluster has the resources "
                "the step asks for (kubectl describe pod).",
                step_name=step,
                detail=str(error),
            ) from error
        logs = manager.read_pod_logs(pod, BASE_CONTAINER, follow=True)
        result = read_result(_lines(logs), tail)
        phase = str(manager.await_pod_completion(pod, container_name=BASE_CONTAINER).status.phase)
    finally:
        try:
            manager.delete_pod(pod)
        except Exception as error:  # the step's own outcome matters more: report, go on
            print(
                f"Could not delete pod {pod.metadata.name} in namespace "
                f"{pod.metadata.namespace}: {error}",
                file=sys.stderr,
            )
    return str(pod.metadata.name), phase, result, tail


#: API statuses worth retrying (the provider's pod manager retries them with backoff).
_TRANSIENT = {429, 500, 502, 503, 504}


def create_pod(kpo: Any, pod: Any) -> Any:
    """Create ``pod`` through ``kpo``'s client: once, so an unreachable server fails at once
    (the pod manager would retry a refused connection for about 15 s), then through the pod
    manager's retries when the server answered with a transient error. The pod is not logged
    (its arguments hold the launch document)."""
    from kubernetes.client.rest import ApiException

    client = kpo.client
    body = client.api_client.sanitize_for_serialization(pod)
    try:
        return client.create_namespaced_pod(body=body, namespace=pod.metadata.namespace)
    except ApiException as error:
        if error.status not in _TRANSIENT:
            raise
    return kpo.pod_manager.create_pod(pod)


def _lines(chunks: Iterable[bytes | str]) -> Iterable[str]:
    """Text lines of a pod log stream (the provider yields one log line per item)."""
    for chunk in chunks:
        text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
        yield from text.splitlines()


__all__ = ["create_pod", "pod_operator", "run_pod"]
