"""Cache first with the kubernetes step operator: a cached step starts no pod.

No cluster can run here. The first run launches the step through a kubernetes step operator
whose "pod" is the rendered pod's own container command run on this machine (the entrypoint
with the launch document, as the pod would run it); the cached run uses the real kubernetes step
operator against an API server that refuses connections, so any launch would fail the run.
"""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from tests.step_operators.test_kubernetes import fake_kubeconfig
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import StepExecutionError
from zenml_airflow.execution.launch import StepLaunch
from zenml_airflow.pipelines import pipeline
from zenml_airflow.pipelines.base_pipeline import PARAM_ENABLE_CACHE
from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import KubernetesStepOperatorComponent
from zenml_airflow.step_operators.base import OUTPUT_TAIL_LINES, entrypoint_env
from zenml_airflow.step_operators.kubernetes import KubernetesStepOperator, read_result
from zenml_airflow.steps import step

#: Names of the pods the local stand-in ran.
PODS: list[str] = []


@step(custom_step_operator="k8s")
def train() -> int:
    return 21


@pipeline
def k8s_pipeline(train: Any) -> None:
    train()


class RenderedPodHere(KubernetesStepOperator):
    """The kubernetes step operator with the cluster replaced by this machine: it renders the
    pod as :meth:`launch` would and runs that pod's container command here (the code is where
    it is, so the image's ``--map-root`` arguments are dropped)."""

    def launch(self, launch: StepLaunch) -> None:
        pod = self.render_pod(launch)
        (container,) = pod.spec.containers
        args = list(container.args)
        while "--map-root" in args:
            at = args.index("--map-root")
            del args[at : at + 2]
        assert container.command[0] == "python"
        env = entrypoint_env({e.name: e.value for e in container.env})
        done = subprocess.run(
            [sys.executable, *container.command[1:], *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        PODS.append(pod.metadata.name)
        tail: deque[str] = deque(maxlen=OUTPUT_TAIL_LINES)
        result = read_result((done.stdout + done.stderr).splitlines(), tail)
        phase = "Succeeded" if done.returncode == 0 else "Failed"
        self.settle(launch.step.name, pod.metadata.name, phase, result, tail)


@pytest.fixture
def k8s_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stack:
    # Pods could not reach this machine's local stores: the stack check says so. No remote
    # stores exist here and no pod really runs, so that one rule is lifted for this test.
    monkeypatch.setattr(KubernetesStepOperatorComponent, "check_in_stack", lambda self, s: [])
    repo = Repository()
    default = repo.active_stack
    stack = Stack(
        "k8s-stack",
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=default.artifact_store,
        step_operator=KubernetesStepOperatorComponent.from_config(
            "k8s",
            {
                "image": "registry.example.com/zenml-k8s:1",
                "kubeconfig": str(fake_kubeconfig(tmp_path / "kubeconfig")),
            },
        ),
    )
    repo.register_stack(stack, activate=True)
    PODS.clear()
    return stack


def test_a_cached_step_starts_no_pod(k8s_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(
            KubernetesStepOperatorComponent,
            "IMPLEMENTATION",
            f"{__name__}:RenderedPodHere",
        )
        first = k8s_pipeline(train=train()).run()
    assert len(PODS) == 1
    assert first.get_step("train").outputs["output"].read() == 21

    # The real kubernetes step operator now: its API server refuses connections.
    second = k8s_pipeline(train=train()).run()
    assert len(PODS) == 1
    assert second.status is ExecutionStatus.COMPLETED
    assert second.get_step("train").status is ExecutionStatus.CACHED
    assert (
        second.get_step("train").outputs["output"].id
        == first.get_step("train").outputs["output"].id
    )

    # A miss does reach launch(), which fails on the unreachable server: the hit above
    # really started nothing.
    with pytest.raises(StepExecutionError, match=r"could not create its pod.*127\.0\.0\.1:1"):
        k8s_pipeline(train=train(), **{PARAM_ENABLE_CACHE: False}).run()
