"""The example pipeline on Airflow with real backends: artifacts in S3 (moto's HTTP server), metadata
in PostgreSQL - then read back with `Repository` from a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.airflow.test_airflow_e2e import PIPELINES, cli, register_airflow_orchestrator
from zenml_airflow.orchestrators.airflow_local import LocalAirflow


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f'{name} is not set: run `scripts/services.sh up` and `eval "$(scripts/services.sh env)"` '
            "(make test does both)."
        )
    return value


def empty_e2e_postgresql() -> sa.URL:
    """The URL of the PostgreSQL database of the end-to-end tests, emptied (scripts/services.sh
    creates it apart from the one the metadata store contract tests wipe between tests)."""
    url = sa.make_url(required_env("ZENML_AIRFLOW_TEST_POSTGRES_E2E_URL"))
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    return url


def test_airflow_run_on_s3_and_postgresql_read_back_elsewhere(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    import boto3

    moto_url = required_env("ZENML_AIRFLOW_TEST_MOTO_URL")
    pg = empty_e2e_postgresql()

    bucket = f"zenml-e2e-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=bucket)
    client_kwargs = json.dumps({"endpoint_url": moto_url, "region_name": "us-east-1"})

    register_airflow_orchestrator(local_airflow)
    cli(
        "artifact-store",
        "register",
        "s3_store",
        "--flavor",
        "s3",
        f"--path=s3://{bucket}/artifacts",
        "--key=testing",
        "--secret=testing",
        f"--client_kwargs={client_kwargs}",
    )
    cli(
        "metadata-store",
        "register",
        "pg_store",
        "--flavor",
        "postgresql",
        f"--host={pg.host}",
        f"--port={pg.port}",
        f"--database={pg.database}",
        f"--username={pg.username}",
        f"--password={pg.password}",
    )
    cli("stack", "register", "cloudish", "-o", "af", "-m", "pg_store", "-a", "s3_store", "--set")

    cli(
        "pipeline",
        "deploy",
        f"{PIPELINES}:sum_pipeline",
        "--dag-id",
        "e2e_sum_cloud",
        "--trigger",
        "--wait",
        "--conf",
        '{"zenml_run_name": "on-s3-and-postgres"}',
    )

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert any(k.startswith("artifacts/e2e_sum/total/output/") for k in keys), keys

    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            "from zenml_airflow import Repository\n"
            "run = Repository().get_pipeline('e2e_sum').get_run('on-s3-and-postgres')\n"
            "total = run.get_step('total')\n"
            "print(run.status.value, run.orchestrator, total.output.uri.split('/')[:3], total.output.read())\n",
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        cwd=tmp_path,
        check=False,
    )
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == (
        f"completed airflow ['s3:', '', '{bucket}'] {{'label': '3 numbers', 'sum': 3}}"
    )
