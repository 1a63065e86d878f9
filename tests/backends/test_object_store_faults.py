"""The object store goes away while a step writes a large artifact (a moto server of this test's
own, killed by pid): the step fails with an error naming the store, nothing is registered, and
once the server is back a retry succeeds. Also: missing extras give install commands."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.backends import backend_pipelines as bp
from tests.backends.object_stores import MOTO_SERVER_ENV, ensure_bucket, s3_component, service_url
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import ArtifactStoreError
from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import LocalOrchestratorComponent, SQLiteMetadataStoreComponent

REPO = Path(__file__).resolve().parents[2]


class MotoServer:
    """A moto server on a free port of 127.0.0.1, started and stopped (by pid) by one test."""

    def __init__(self, executable: str, log: Path) -> None:
        self.executable = executable
        self.log = log
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.executable, "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"moto did not start on {self.url}; see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def own_moto(tmp_path: Path) -> Iterator[MotoServer]:
    executable = os.environ.get(MOTO_SERVER_ENV) or ""
    if not executable:
        service_url(MOTO_SERVER_ENV)  # fails in CI, skips elsewhere, saying how to get it
    server = MotoServer(executable, tmp_path / "moto.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_store_dies_mid_write_then_a_retry_succeeds(
    own_moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One attempt per request: the test wants the failure, not botocore's patience.
    component = s3_component(
        url=own_moto.url, prefix="faults", config_kwargs={"retries": {"max_attempts": 1}}
    )
    Repository().register_stack(
        Stack(
            "faulty",
            orchestrator=LocalOrchestratorComponent(name="local"),
            metadata_store=SQLiteMetadataStoreComponent.from_config(
                "m", {"uri": str(tmp_path / "m.db")}
            ),
            artifact_store=component,
        ),
        activate=True,
    )
    marker = tmp_path / "write-starts"
    monkeypatch.setenv("ZENML_TEST_WRITE_STARTS", str(marker))

    bucket = component.path.split("/")[2]
    observer = boto3.client(
        "s3",
        endpoint_url=own_moto.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )

    def kill_when_writing() -> None:
        # Kill once the array's multipart upload is under way: really in the middle of the write.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if marker.exists() and observer.list_multipart_uploads(Bucket=bucket).get("Uploads"):
                break
            time.sleep(0.02)
        own_moto.kill()

    killer = threading.Thread(target=kill_when_writing, daemon=True)
    killer.start()
    pipeline = bp.array_only(make_array=bp.make_array(config=bp.ArrayConfig(megabytes=96)))
    with pytest.raises(ArtifactStoreError) as info:
        pipeline.run(run_name="lost")
    killer.join(timeout=30)
    message = str(info.value)
    assert f"artifact store '{component.path}' failed while writing" in message.lower(), message
    assert "Check that the store is reachable" in message

    run = Repository().get_pipeline("array_only").get_run("lost")
    assert run.status is ExecutionStatus.FAILED
    step = run.get_step("make_array")
    assert step.status is ExecutionStatus.FAILED and step.outputs == {}, (
        "nothing half-written is registered"
    )
    assert component.path in (step.error or "")

    # The server comes back (empty: moto keeps everything in memory), the bucket is recreated.
    own_moto.start()
    ensure_bucket(Repository().active_stack.artifact_store.open_store().fs, bucket)
    marker.unlink()
    monkeypatch.delenv("ZENML_TEST_WRITE_STARTS")
    retried = pipeline.run(run_name="retried")
    assert retried.status is ExecutionStatus.COMPLETED
    output = (
        Repository().get_pipeline("array_only").get_run("retried").get_step("make_array").output
    )
    array = output.read()
    assert array.size == 96 * 1024 * 1024 // 8 and int(array[-1]) == array.size - 1


_BLOCKED_IMPORT = textwrap.dedent(
    """
    import sys

    class Blocker:
        # Makes `import {module}` fail as on a machine without the extra installed.
        def find_spec(self, name, path=None, target=None):
            if name == "{module}" or name.startswith("{module}."):
                raise ModuleNotFoundError(f"No module named '{{name}}'", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    for loaded in [m for m in sys.modules if m == "{module}" or m.startswith("{module}.")]:
        del sys.modules[loaded]
    """
)


@pytest.mark.parametrize(
    ("flavor", "module", "extra"), [("s3", "s3fs", "s3"), ("gcs", "gcsfs", "gcs")]
)
def test_missing_extra_is_named_at_registration_and_at_use(
    flavor: str, module: str, extra: str, tmp_path: Path
) -> None:
    path = f"{'s3' if flavor == 's3' else 'gs'}://some-bucket/root"
    script = _BLOCKED_IMPORT.format(module=module) + textwrap.dedent(
        f"""
        from zenml_airflow.artifacts import ArtifactStore
        from zenml_airflow.exceptions import ArtifactStoreError, StackError
        from zenml_airflow.repository import Repository
        from zenml_airflow.stack import Stack
        from zenml_airflow.stack.components import (
            LocalOrchestratorComponent, SQLiteMetadataStoreComponent,
            S3ArtifactStoreComponent, GCSArtifactStoreComponent,
        )
        cls = {{"s3": S3ArtifactStoreComponent, "gcs": GCSArtifactStoreComponent}}["{flavor}"]
        component = cls.from_config("remote", {{"path": "{path}"}})  # configs need no extra
        stack = Stack("remote", LocalOrchestratorComponent(name="local"),
                      SQLiteMetadataStoreComponent.from_config("m", {{"uri": "{tmp_path}/m.db"}}),
                      component)
        try:
            Repository().register_stack(stack)
        except StackError as error:
            print("REGISTER:", error)
        for label, store in (("USE", component.open_store()), ("URI", ArtifactStore("{path}"))):
            try:
                store.fs
            except ArtifactStoreError as error:
                print(label + ":", error)
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = {line.split(":", 1)[0]: line for line in completed.stdout.splitlines() if ":" in line}
    hint = f"pip install 'zenml-airflow[{extra}]'"
    assert set(lines) >= {"REGISTER", "USE", "URI"}, completed.stdout
    assert "artifact store 'remote'" in lines["REGISTER"] and hint in lines["REGISTER"]
    assert f"Cannot open artifact store '{path}'" in lines["USE"] and hint in lines["USE"]
    assert hint in lines["URI"]
