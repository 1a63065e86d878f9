"""The metadata database goes away while a step runs: the step fails with a clear error, nothing
half-written is left, and once the database is back a new run succeeds."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.airflow.conftest import free_port
from tests.metadata_flavors import flavor_pipeline as fp
from zenml_airflow.cli.main import cli
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MetadataStoreError
from zenml_airflow.repository import Repository


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.fail(
            "PostgreSQL binaries are missing: run scripts/services.sh up (it installs them)."
        )
    return Path(found[-1]).parent


class PrivatePostgres:
    """A throwaway PostgreSQL this test may stop and start (not the shared test server)."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="zenml-pg-fault-"))
        self.data = self.root / "data"
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True
        )

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def cleanup(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if os.geteuid() != 0:
        pytest.fail("this test starts PostgreSQL as the 'postgres' user and needs root (as CI has)")
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def test_database_lost_mid_step_then_back(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    runner = CliRunner()
    for args in (
        [
            "metadata-store",
            "register",
            "pg",
            "--flavor",
            "postgresql",
            "--host=127.0.0.1",
            f"--port={private_postgres.port}",
            "--database=postgres",
            "--username=postgres",
        ],
        ["stack", "register", "pg_stack", "-o", "default", "-m", "pg", "-a", "default", "--set"],
    ):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    artifacts = Path(Repository().active_stack.artifact_store.path)

    signal = tmp_path / "step-started"
    killer = threading.Thread(
        target=lambda: (_wait_for(signal), private_postgres.stop("immediate")), daemon=True
    )
    killer.start()
    with pytest.raises(
        MetadataStoreError, match=r"Metadata store 'postgresql\+psycopg://postgres@127\.0\.0\.1"
    ):
        fp.build(signal_file=str(signal), seconds=1.5).run(run_name="lost")
    killer.join(timeout=30)

    # Nothing half-written: the step's output directory was removed when registering failed.
    total_dir = artifacts / "flavor_pipeline" / "total"
    assert not total_dir.exists() or not any(p.is_file() for p in total_dir.rglob("*"))

    private_postgres.start()
    run = fp.build().run(run_name="after-restart")
    assert run.status is ExecutionStatus.COMPLETED
    assert run.get_step("total").output.read() == 10
    lost = Repository().get_pipeline("flavor_pipeline").get_run("lost")
    assert lost.status is not ExecutionStatus.COMPLETED
    assert lost.get_step("total").outputs == {}


def _wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
