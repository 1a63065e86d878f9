"""Secrets on a real Airflow 3: the airflow secrets manager inside a task, and a pipeline whose
metadata store password (PostgreSQL) and step API key come from secrets - none of which may appear
in the DAG file, the spec, the metadata store or the task logs.
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.airflow.test_airflow_e2e import cli, register_airflow_orchestrator
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

PIPELINES = Path(__file__).parents[1] / "secrets" / "secrets_pipeline.py"
FAILING = Path(__file__).parent / "secret_failing_pipeline.py"
PG_ENV = "ZENML_AIRFLOW_TEST_POSTGRES_SECRETS_URL"


def _register_airflow_stack(airflow: LocalAirflow, tmp_path: Path, *extra: str) -> None:
    register_airflow_orchestrator(airflow)
    cli(
        "artifact-store",
        "register",
        "af_artifacts",
        "--flavor",
        "local",
        f"--path={tmp_path / 'artifacts'}",
    )
    cli(*extra)


def test_airflow_secrets_manager_passes_the_contract_inside_a_task(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    prefix = f"zenml_contract_{uuid.uuid4().hex[:6]}__"
    _register_airflow_stack(
        local_airflow,
        tmp_path,
        "metadata-store",
        "register",
        "af_metadata",
        "--flavor",
        "sqlite",
        f"--uri={tmp_path / 'metadata.db'}",
    )
    cli(
        "secrets-manager",
        "register",
        "af_secrets",
        "--flavor",
        "airflow",
        f"--api_url={local_airflow.api_url}",
        f"--airflow_home={local_airflow.airflow_home}",
        f"--variable_prefix={prefix}",
    )
    cli(
        "stack",
        "register",
        "af_secret_stack",
        "-o",
        "af",
        "-m",
        "af_metadata",
        "-a",
        "af_artifacts",
        "-x",
        "af_secrets",
        "--set",
    )
    cli("pipeline", "deploy", f"{PIPELINES}:contract_pipeline", "--trigger", "--wait")

    run = Repository().get_pipeline("secrets_contract_pipeline").runs[-1]
    assert run.status is ExecutionStatus.COMPLETED
    passed = run.get_step("secrets_contract").output.read()
    assert passed == [
        "check_register_and_get",
        "check_list",
        "check_duplicate_is_refused",
        "check_update",
        "check_delete",
        "check_delete_all_needs_force",
    ]

    # The same manager from the CLI (through the REST API), and a Connection read as a secret.
    cli("secret", "register", "from_cli", "--region=cli-value-123", "--token=hidden-by-airflow")
    assert cli("secret", "list", "--json").stdout.strip().startswith("[")
    assert "from_cli" in cli("secret", "list").stdout
    shown = cli("secret", "get", "from_cli", "--reveal", "--json").stdout
    assert '"region": "cli-value-123"' in shown
    # Airflow's REST API redacts sensitive-looking keys (documented); tasks read them in full.
    assert '"token": "***"' in shown
    with local_airflow.client() as client:
        client.request(
            "POST",
            "/api/v2/connections",
            expect=(201,),
            json={
                "connection_id": "warehouse_conn",
                "conn_type": "postgres",
                "host": "db.example",
                "login": "etl",
                "port": 5432,
                "extra": '{"sslmode": "require"}',
            },
        )
    conn = cli("secret", "get", "warehouse_conn", "--reveal", "--json").stdout
    assert (
        '"host": "db.example"' in conn
        and '"login": "etl"' in conn
        and '"sslmode": "require"' in conn
    )
    cli("secret", "delete", "from_cli")
    assert "from_cli" not in cli("secret", "list").stdout


@pytest.fixture
def postgres_secrets_url() -> sa.engine.URL:
    url = os.environ.get(PG_ENV)
    if not url:
        how = f'${PG_ENV} is not set: `scripts/services.sh up` and `eval "$(scripts/services.sh env)"`'
        if os.environ.get("CI") or os.environ.get("ZENML_AIRFLOW_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(how)
        pytest.skip(how)
    parsed = sa.engine.make_url(url)
    engine = sa.create_engine(parsed)
    with engine.begin() as connection:  # a clean database for this test
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return parsed


def test_no_secret_value_in_dag_file_spec_store_or_task_logs(
    local_airflow: LocalAirflow, tmp_path: Path, postgres_secrets_url: sa.engine.URL
) -> None:
    db_password = postgres_secrets_url.password
    assert db_password and len(db_password) > 12
    api_key = f"wk-{uuid.uuid4().hex}"
    secrets_file = tmp_path / "secrets" / "local.secrets"
    key_file = tmp_path / "keys" / "secrets.key"

    cli(
        "secrets-manager",
        "register",
        "vault",
        "--flavor",
        "local",
        f"--secrets_file={secrets_file}",
        f"--key_file={key_file}",
    )
    cli(
        "secret",
        "register",
        "db_creds",
        "--schema",
        "database",
        "-x",
        "vault",
        f"--username={postgres_secrets_url.username}",
        f"--password={db_password}",
    )
    cli("secret", "register", "weather_api", "-x", "vault", f"--api_key={api_key}")
    _register_airflow_stack(
        local_airflow,
        tmp_path,
        "metadata-store",
        "register",
        "pg",
        "--flavor",
        "postgresql",
        f"--host={postgres_secrets_url.host}",
        f"--port={postgres_secrets_url.port}",
        f"--database={postgres_secrets_url.database}",
        "--username={{db_creds.username}}",
        "--password={{db_creds.password}}",
    )
    cli(
        "stack",
        "register",
        "secret_stack",
        "-o",
        "af",
        "-m",
        "pg",
        "-a",
        "af_artifacts",
        "-x",
        "vault",
        "--set",
    )

    # The stored and described configs hold the reference, not the value.
    described = cli("stack", "describe", "secret_stack").stdout
    assert "{{db_creds.password}}" in described and db_password not in described
    assert db_password not in Repository().active_profile.stacks_file.read_text()

    cli("pipeline", "deploy", f"{PIPELINES}:api_pipeline", "--trigger", "--wait")

    run = Repository().get_pipeline("secret_using_pipeline").runs[-1]
    assert run.status is ExecutionStatus.COMPLETED, "the task resolved the password and the key"
    assert run.get_step("call_api").output.read() == {"key_length": len(api_key)}

    dag_file = local_airflow.dags_folder / "secret_using_pipeline.py"
    dag_text = dag_file.read_text()
    assert "{{db_creds.password}}" in dag_text, "the spec in the DAG file holds the reference"
    for needle in (db_password, api_key):
        assert needle not in dag_text

    # The metadata store: every text column of every table.
    engine = sa.create_engine(postgres_secrets_url)
    with engine.connect() as connection:
        tables = sa.MetaData()
        tables.reflect(connection)
        dumped = "\n".join(
            str(row) for table in tables.sorted_tables for row in connection.execute(table.select())
        )
    engine.dispose()
    assert "secret_using_pipeline" in dumped, "the run was recorded in this database"
    for needle in (db_password, api_key):
        assert needle not in dumped

    # The task log (through Airflow's REST API), where the step printed and logged the key.
    with local_airflow.client() as client:
        dag_run_id = run.orchestrator_run_id.split("/", 1)[1]
        log = client.task_log("secret_using_pipeline", dag_run_id, "call_api", 1)
    assert "calling the weather API with key ***" in log
    assert "using api key ***" in log
    for needle in (db_password, api_key):
        assert needle not in log

    # The component logs `stack up` writes (issue 14, security 2) are private to the user.
    state = local_airflow.state_dir
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    logs = sorted(state.glob("*.log"))
    assert {p.name for p in logs} >= {
        "api-server.log",
        "scheduler.log",
        "dag-processor.log",
        "triggerer.log",
    }
    for path in logs:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    # ...and masked too: Airflow's LocalExecutor copies everything a task prints or logs into
    # scheduler.log, which its own masking does not cover - the step masks its output itself.
    task_logs = list((local_airflow.airflow_home / "logs").rglob("task_id=call_api/*"))
    assert task_logs, "the step's task log file is among the files checked"
    assert any(b"calling the weather API with key ***" in p.read_bytes() for p in task_logs)
    assert any(b"calling the weather API with key" in p.read_bytes() for p in logs), (
        "the step's output reached a component log (so this check is not vacuous)"
    )
    _assert_not_in_airflow_logs(local_airflow, db_password, api_key)


def _assert_not_in_airflow_logs(airflow: LocalAirflow, *secrets: str) -> None:
    """No secret value in any file of the component logs' dir or of Airflow's log folder."""
    files = [
        p
        for root in (airflow.state_dir, airflow.airflow_home / "logs")
        for p in root.rglob("*")
        if p.is_file()
    ]
    for path in files:
        content = path.read_bytes()
        for needle in secrets:
            assert needle.encode() not in content, f"a secret value is in {path}"


def test_secret_in_a_failing_steps_error_is_masked_in_every_log(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    api_key = f"wk-{uuid.uuid4().hex}"
    cli(
        "secrets-manager",
        "register",
        "vault",
        "--flavor",
        "local",
        f"--secrets_file={tmp_path / 'local.secrets'}",
        f"--key_file={tmp_path / 'secrets.key'}",
    )
    cli("secret", "register", "weather_api", "-x", "vault", f"--api_key={api_key}")
    _register_airflow_stack(
        local_airflow,
        tmp_path,
        "metadata-store",
        "register",
        "af_metadata",
        "--flavor",
        "sqlite",
        f"--uri={tmp_path / 'metadata.db'}",
    )
    cli(
        "stack",
        "register",
        "failing_stack",
        "-o",
        "af",
        "-m",
        "af_metadata",
        "-a",
        "af_artifacts",
        "-x",
        "vault",
        "--set",
    )

    result = cli(
        "pipeline", "deploy", f"{FAILING}:failing_pipeline", "--trigger", "--wait", check=False
    )
    assert result.returncode == 1
    run = Repository().get_pipeline("secret_failing_pipeline").runs[-1]
    assert run.status is ExecutionStatus.FAILED
    # The error the metadata store records (and `deploy --wait` prints) is masked too.
    error = run.get_step("refuse_key").error
    assert "the weather API refused key ***" in error and api_key not in error
    assert api_key not in result.stdout + result.stderr

    with local_airflow.client() as client:
        dag_run_id = run.orchestrator_run_id.split("/", 1)[1]
        log = client.task_log("secret_failing_pipeline", dag_run_id, "refuse_key", 1)
    assert "about to fail with key ***" in log
    assert "the weather API refused key ***" in log
    scheduler_log = (local_airflow.state_dir / "scheduler.log").read_text()
    assert "about to fail with key" in scheduler_log, "the copy this test is about was made"
    assert "the weather API refused key" in scheduler_log
    _assert_not_in_airflow_logs(local_airflow, api_key)
