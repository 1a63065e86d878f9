"""``zenml-airflow secret ...`` and ``secrets-manager ...`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zenml_airflow.cli.main import cli


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZENML_AIRFLOW_SECRETS_KEY", raising=False)


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def ok(*args: str, input: str | None = None) -> str:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    return result.stderr.strip().removeprefix("Error: ")


@pytest.fixture
def vault(isolated_config: Path) -> Path:
    ok("secrets-manager", "register", "vault", "-f", "local")
    ok(
        "stack",
        "register",
        "sec",
        "-o",
        "default",
        "-m",
        "default",
        "-a",
        "default",
        "-x",
        "vault",
        "--set",
    )
    return isolated_config


def test_register_fills_the_local_files_under_the_profile(vault: Path) -> None:
    data = json.loads(ok("secrets-manager", "describe", "vault", "--json"))
    assert data["config"] == {
        "secrets_file": str(vault / "profiles" / "default" / "secrets" / "vault.secrets"),
        "key_file": str(vault / "secrets.key"),
    }
    assert data["available"] is True
    assert [m["name"] for m in json.loads(ok("secrets-manager", "list", "--json"))] == ["vault"]


def test_register_get_list_update_delete(vault: Path) -> None:
    assert "Registered secret 'db' (schema 'database', keys: password, username)" in ok(
        "secret", "register", "db", "--schema", "database", "--username=u", "--password=pw-12345"
    )
    hidden = ok("secret", "get", "db")
    assert "password: ********" in hidden and "pw-12345" not in hidden
    assert json.loads(ok("secret", "get", "db", "--reveal", "--json"))["content"] == {
        "username": "u",
        "password": "pw-12345",
    }
    ok("secret", "register", "api", "-k", "key", "-v", "k1")  # a key named 'key': only this way
    assert json.loads(ok("secret", "list", "--json")) == ["api", "db"]
    ok("secret", "update", "db", "--password=pw-2")
    assert json.loads(ok("secret", "get", "db", "--reveal", "--json"))["content"] == {
        "username": "u",
        "password": "pw-2",
    }
    ok("secret", "delete", "api")
    assert json.loads(ok("secret", "list", "--json")) == ["db"]
    ok("secret", "delete", "--all", "--yes")
    assert json.loads(ok("secret", "list", "--json")) == []


def test_interactive_prompts_for_the_schema_keys(vault: Path) -> None:
    ok("secret", "register", "creds", "--schema", "aws", "-i", input="AKIA\nsecret-key\n\n")
    assert json.loads(ok("secret", "get", "creds", "--reveal", "--json"))["content"] == {
        "aws_access_key_id": "AKIA",
        "aws_secret_access_key": "secret-key",
    }


def test_value_from_a_file(vault: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text('{"type": "service_account", "project_id": "p"}\n')
    ok("secret", "register", "gcp", "--schema", "gcp", f"--token=@{key_file}")
    content = json.loads(ok("secret", "get", "gcp", "--reveal", "--json"))["content"]
    assert json.loads(content["token"])["project_id"] == "p"


def test_bad_input_gives_one_line_errors(vault: Path) -> None:
    assert fails("secret", "register", "x", "--schema", "nope", "--a=1").startswith(
        "Unknown secret schema 'nope'."
    )
    assert "aws_secret_access_key: required key missing" in fails(
        "secret", "register", "x", "--schema", "aws", "--aws_access_key_id=1"
    )
    ok("secret", "register", "dup", "--a=1")
    assert fails("secret", "register", "dup", "--a=2").startswith(
        "A secret named 'dup' already exists in secrets manager 'vault' (flavor 'local')."
    )
    assert fails("secret", "get", "dupe").startswith(
        "No secret 'dupe' in secrets manager 'vault' (flavor 'local'). Did you mean 'dup'?"
    )
    assert fails("secret", "register", "empty") == (
        "Secret 'empty' has no values: give -k KEY -v VALUE (the 0.7 form) or --KEY=VALUE pairs, "
        "or -i to read them from standard input (it is not a terminal, so nothing was asked)."
    )


def test_wrong_key_from_the_cli(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("secret", "register", "db", "--password=x")
    monkeypatch.setenv("ZENML_AIRFLOW_SECRETS_KEY", ok("secret", "generate-key").strip())
    assert "cannot decrypt" in fails("secret", "list")


def test_no_secrets_manager_in_the_active_stack() -> None:
    assert fails("secret", "list").startswith(
        "The active stack 'default' has no secrets manager. Register one and add it:"
    )


def test_stack_describe_shows_the_reference(vault: Path) -> None:
    ok("orchestrator", "register", "af", "-f", "airflow", "--password={{af_login.password}}")
    ok("stack", "register", "afs", "-o", "af", "-m", "default", "-a", "default", "-x", "vault")
    described = ok("stack", "describe", "afs")
    assert "password={{af_login.password}}" in described
