"""The kubernetes step operator, at render level: no cluster can run here.

The pod is rendered by the provider's ``KubernetesPodOperator`` with a kubeconfig whose server is
never contacted; a launch against an API server that refuses connections really tries and fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from zenml_airflow.core.context import RunInfo
from zenml_airflow.core.spec import PipelineSpec, ResourceSpec, StepSpec
from zenml_airflow.exceptions import StackError
from zenml_airflow.execution.launch import RESULT_PREFIX, StepLaunch
from zenml_airflow.stack.components import KubernetesStepOperatorComponent
from zenml_airflow.step_operators.base import ENTRYPOINT_MODULE, StepOperatorError
from zenml_airflow.step_operators.kubernetes import (
    KubernetesStepOperator,
    label_value,
    read_result,
)

#: A port nothing listens on: the API server of the fake kubeconfig refuses connections.
REFUSED_SERVER = "https://127.0.0.1:1"


def fake_kubeconfig(path: Path, server: str = REFUSED_SERVER) -> Path:
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- cluster: {{server: '{server}'}}
  name: fake
contexts:
- context: {{cluster: fake, user: fake}}
  name: fake-context
current-context: fake-context
users:
- name: fake
  user: {{token: not-a-real-token}}
""",
        encoding="utf-8",
    )
    return path


def make_launch(
    resources: ResourceSpec | None = None, roots: list[str] | None = None
) -> StepLaunch:
    step = StepSpec(
        name="trainer",
        entrypoint="my_project.steps:trainer",
        entrypoint_name="trainer",
        source_hash="abc",
        resources=resources,
    )
    spec = PipelineSpec(
        name="Train_Pipeline", steps=[step], source_roots=roots or ["/home/me/project"]
    )
    return StepLaunch(
        spec=spec,
        step=step,
        run_id=41,
        step_run_id=42,
        try_number=3,
        cache_key="key",
        input_ids={},
        run_info=RunInfo(pipeline_name="Train_Pipeline", run_name="run-1"),
    )


def operator(tmp_path: Path, **config: Any) -> KubernetesStepOperator:
    settings = {"image": "registry.example.com/zenml-train:abc", **config}
    settings.setdefault("kubeconfig", str(fake_kubeconfig(tmp_path / "kubeconfig")))
    return KubernetesStepOperator(KubernetesStepOperatorComponent.from_config("k8s", settings))


def test_the_pod_runs_the_entrypoint_with_the_launch_document_and_root_mapping(
    tmp_path: Path,
) -> None:
    launch = make_launch(roots=["/home/me/project", "/home/me/libs"])
    pod = operator(tmp_path).render_pod(launch)

    (container,) = pod.spec.containers  # no XCom sidecar
    assert container.name == "base"
    assert container.image == "registry.example.com/zenml-train:abc"
    assert container.command == ["python", "-m", ENTRYPOINT_MODULE]
    assert container.args[0] == "--launch-json"
    assert StepLaunch.from_json(container.args[1]) == launch
    assert container.args[2:] == [
        "--map-root",
        "/home/me/project=/app/0",
        "--map-root",
        "/home/me/libs=/app/1",
    ]
    assert {e.name: e.value for e in container.env} == {"PYTHONUNBUFFERED": "1"}
    assert pod.spec.restart_policy == "Never"


def test_the_pod_has_namespace_labels_and_service_account(tmp_path: Path) -> None:
    pod = operator(tmp_path, namespace="ml", service_account="trainer-sa").render_pod(make_launch())
    assert pod.metadata.namespace == "ml"
    assert pod.spec.service_account_name == "trainer-sa"
    labels = pod.metadata.labels
    assert labels["zenml-airflow/pipeline"] == "Train_Pipeline"
    assert labels["zenml-airflow/run"] == "41"
    assert labels["zenml-airflow/step"] == "trainer"
    assert labels["zenml-airflow/try"] == "3"
    # One pod per try: a unique name, lower case as Kubernetes requires.
    assert pod.metadata.name.startswith("zenml-train_pipeline-trainer-")
    assert pod.metadata.name == pod.metadata.name.lower()


def test_the_step_resources_become_requests_limits_and_a_gpu_limit(tmp_path: Path) -> None:
    launch = make_launch(ResourceSpec(cpu=1.5, memory_mb=4096, gpu=2))
    (container,) = operator(tmp_path).render_pod(launch).spec.containers
    assert container.resources.requests == {"cpu": "1.5", "memory": "4096Mi"}
    assert container.resources.limits == {
        "cpu": "1.5",
        "memory": "4096Mi",
        "nvidia.com/gpu": "2",
    }


def test_a_step_without_resources_sets_none(tmp_path: Path) -> None:
    (container,) = operator(tmp_path).render_pod(make_launch()).spec.containers
    assert container.resources is None


def test_pull_settings_and_extra_env_reach_the_pod(tmp_path: Path) -> None:
    pod = operator(
        tmp_path,
        image_pull_policy="Always",
        image_pull_secrets="regcred",
        env={"AWS_DEFAULT_REGION": "eu-west-1"},
    ).render_pod(make_launch())
    (container,) = pod.spec.containers
    assert container.image_pull_policy == "Always"
    assert [s.name for s in pod.spec.image_pull_secrets] == ["regcred"]
    assert {e.name: e.value for e in container.env} == {
        "PYTHONUNBUFFERED": "1",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def test_a_launch_against_an_unreachable_api_server_fails_clearly(tmp_path: Path) -> None:
    op = operator(tmp_path, namespace="ml")
    started = time.perf_counter()
    with pytest.raises(
        StepOperatorError,
        match=r"Step 'trainer': step operator 'k8s' could not create its pod: the Kubernetes API "
        r"server https://127\.0\.0\.1:1 \(from the kubeconfig .*kubeconfig\) cannot be reached"
        r".*Connection refused.*kubectl .*get pods -n ml.*step-operator update k8s",
    ) as caught:
        op.launch(make_launch())
    assert caught.value.step_name == "trainer"
    assert "MaxRetryError" in caught.value.detail
    assert time.perf_counter() - started < 10  # fails at once, not after the retry backoff


def test_a_missing_kubeconfig_fails_naming_it(tmp_path: Path) -> None:
    op = operator(tmp_path, kubeconfig=str(tmp_path / "nowhere"), kubernetes_context="prod")
    with pytest.raises(StepOperatorError, match=r"from the kubeconfig .*nowhere, context 'prod'"):
        op.launch(make_launch())


def test_without_image_or_registry_the_launch_says_what_to_set(tmp_path: Path) -> None:
    op = operator(tmp_path, image=None)
    with pytest.raises(StepOperatorError, match=r"has no image.*--image=.*container registry"):
        op.launch(make_launch())


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"in_cluster": True, "kubeconfig": "/k"}, "set only one of kubeconfig, in_cluster"),
        ({"image_pull_policy": "Sometimes"}, "not Always, IfNotPresent or Never"),
        ({"startup_timeout_seconds": 0}, "positive"),
    ],
)
def test_bad_configs_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(StackError, match=message):
        KubernetesStepOperatorComponent.from_config("k8s", config)


def test_the_result_is_the_last_prefixed_log_line_and_output_is_copied(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tail: deque[str] = deque(maxlen=40)
    ok = {"status": "completed", "step": "trainer"}
    result = read_result(["training...", "epoch 1", RESULT_PREFIX + json.dumps(ok)], tail)
    assert result == ok
    assert list(tail) == ["training...", "epoch 1"]
    assert capsys.readouterr().out == "training...\nepoch 1\n"
    assert read_result(["no result here"], deque()) == {}
    assert read_result([RESULT_PREFIX + "{not json"], deque()) == {}


def test_a_failed_pod_raises_the_step_error_or_the_phase(tmp_path: Path) -> None:
    op = operator(tmp_path)
    failed = {
        "status": "failed",
        "error": "Step 'trainer' failed: ValueError: bad",
        "traceback": "TB",
    }
    with pytest.raises(
        StepOperatorError, match=r"ValueError: bad \(in step operator 'k8s', pod p1\)"
    ):
        op.settle("trainer", "p1", "Failed", failed, ["line"])
    with pytest.raises(
        StepOperatorError, match=r"pod p1 ended in phase Failed without reporting a result.*OOM"
    ):
        op.settle("trainer", "p1", "Failed", {}, ["killed: OOM"])
    op.settle("trainer", "p1", "Succeeded", {"status": "completed"}, [])


def test_label_values_are_kubernetes_safe() -> None:
    assert label_value("my pipeline/v2") == "my-pipeline-v2"
    assert label_value("x" * 80) == "x" * 63
    assert label_value("__") == "none"


def test_importing_zenml_airflow_and_the_step_operator_imports_no_provider() -> None:
    code = (
        "import sys, zenml_airflow, zenml_airflow.step_operators.kubernetes, "
        "zenml_airflow.stack.components\n"
        "bad = [m for m in sys.modules if m.startswith(('airflow.providers.cncf', 'kubernetes'))]\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
