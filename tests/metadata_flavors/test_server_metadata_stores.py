"""The mysql and postgresql metadata store flavors, on the real servers `scripts/services.sh` starts,
and the `metadata-store migrate` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.metadata_flavors import flavor_pipeline as fp
from zenml_airflow.cli.main import cli
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import SchemaVersionError
from zenml_airflow.repository import Repository

SERVERS = {"mysql": "ZENML_AIRFLOW_TEST_MYSQL_URL", "postgresql": "ZENML_AIRFLOW_TEST_POSTGRES_URL"}


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def server_url(flavor: str) -> sa.URL:
    value = os.environ.get(SERVERS[flavor])
    if not value:
        pytest.fail(
            f"{SERVERS[flavor]} is not set: run `scripts/services.sh up` and "
            '`eval "$(scripts/services.sh env)"` (make test does both).'
        )
    return sa.make_url(value)


def wipe(url: sa.URL) -> None:
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "mysql":
            connection.execute(sa.text("SET FOREIGN_KEY_CHECKS=0"))
        metadata.drop_all(connection)
    engine.dispose()


@pytest.mark.parametrize("flavor", sorted(SERVERS))
def test_server_flavor_records_runs_readable_from_another_process(
    flavor: str, tmp_path: Path
) -> None:
    url = server_url(flavor)
    wipe(url)
    invoke(
        "metadata-store",
        "register",
        "server",
        "--flavor",
        flavor,
        f"--host={url.host}",
        f"--port={url.port}",
        f"--database={url.database}",
        f"--username={url.username}",
        f"--password={url.password}",
    )
    invoke(
        "stack",
        "register",
        "server_stack",
        "-o",
        "default",
        "-m",
        "server",
        "-a",
        "default",
        "--set",
    )
    described = invoke("stack", "describe", "server_stack")
    assert "password=********" in described, "the password is never printed"

    first = fp.build().run(run_name=f"{flavor}-1")
    second = fp.build().run(run_name=f"{flavor}-2")
    assert first.status is ExecutionStatus.COMPLETED
    assert all(step.is_cached for step in second.steps)

    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            "from zenml_airflow import Repository;"
            "runs = Repository().get_pipeline('flavor_pipeline').runs;"
            "print([r.name for r in runs], runs[-1].get_step('total').output.read(), runs[-1].status.value)",
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == f"['{flavor}-1', '{flavor}-2'] 10 completed"


def test_an_older_schema_is_refused_until_migrate_upgrades_it(tmp_path: Path) -> None:
    from alembic import command

    from zenml_airflow.metadata.schema_migrations import alembic_config

    fp.build().run(run_name="before")
    store = Repository().active_stack.metadata_store.open_store()
    engine = sa.create_engine(f"sqlite:///{Repository().active_stack.metadata_store.uri}")
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.downgrade(config, "base")
    engine.dispose()
    store.close()

    with pytest.raises(SchemaVersionError, match=r"zenml-airflow metadata-store migrate"):
        fp.build().run(run_name="refused")

    output = invoke("metadata-store", "migrate")
    assert "Migrated metadata store 'default'" in output and "from revision none to" in output
    assert "already at revision" in invoke("metadata-store", "migrate")
    assert fp.build().run(run_name="after").status is ExecutionStatus.COMPLETED
