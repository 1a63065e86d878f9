"""A real local Airflow 3 (api-server, scheduler, dag-processor, triggerer) shared by this package."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from zenml_airflow.orchestrators.airflow_local import LocalAirflow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def local_airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAirflow]:
    home = tmp_path_factory.mktemp("airflow-home")
    airflow = LocalAirflow(home, home / "dags", api_url=f"http://localhost:{free_port()}")
    airflow.up(timeout=240)
    try:
        yield airflow
    finally:
        airflow.down()
        assert not airflow.is_running()
