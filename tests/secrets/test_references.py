"""Secret references in component configs: stored and compiled as written, resolved at use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.secrets.conftest import make_local
from zenml_airflow.compiler.compile import snapshot_stack
from zenml_airflow.exceptions import StackError
from zenml_airflow.secrets import build_secret
from zenml_airflow.secrets.references import holds_reference, is_reference_like
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import (
    AirflowOrchestratorComponent,
    LocalArtifactStoreComponent,
    PostgreSQLMetadataStoreComponent,
    SQLiteMetadataStoreComponent,
)


def _stack(
    tmp_path: Path, *, with_manager: bool = True, password: str = "{{db_creds.password}}"
) -> Stack:
    return Stack(
        "s",
        orchestrator=AirflowOrchestratorComponent.from_config("af", {"password": password}),
        metadata_store=SQLiteMetadataStoreComponent.from_config(
            "m", {"uri": str(tmp_path / "m.db")}
        ),
        artifact_store=LocalArtifactStoreComponent.from_config("a", {"path": str(tmp_path / "a")}),
        secrets_manager=make_local(tmp_path, "vault") if with_manager else None,
    )


def test_reference_is_kept_in_config_describe_and_snapshot(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    orchestrator = stack.orchestrator
    assert orchestrator.config["password"] == "{{db_creds.password}}"
    assert orchestrator.masked_config()["password"] == "{{db_creds.password}}"
    plain = AirflowOrchestratorComponent.from_config("af", {"password": "hunter2"})
    assert plain.masked_config()["password"] == "********"
    pg = PostgreSQLMetadataStoreComponent.from_config(
        "pg", {"host": "h", "database": "d", "password": "{{db_creds.password}}"}
    )
    snap = snapshot_stack(
        Stack(
            "s", stack.orchestrator, pg, stack.artifact_store, secrets_manager=stack.secrets_manager
        )
    )
    assert snap.components["metadata_store"].config["password"] == "{{db_creds.password}}"


def test_resolved_only_when_used(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    stack.secrets_manager.register_secret(
        build_secret("db_creds", "database", {"password": "pw-1"})
    )
    assert stack.orchestrator.password == "{{db_creds.password}}", "reading the field does no I/O"
    assert stack.orchestrator.resolve("password") == "pw-1"
    assert stack.orchestrator.resolve("api_url") == "http://localhost:8080", (
        "plain values as they are"
    )


def test_resolve_secrets_resolves_everything_and_reports_each_value(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    stack.secrets_manager.register_secret(
        build_secret("db_creds", "database", {"password": "pw-1"})
    )
    stack.secrets_manager.register_secret(build_secret("other", None, {"k": "v-2"}))
    seen: list[str] = []
    assert stack.resolve_secrets(on_value=seen.append) == 1
    assert "pw-1" in seen
    stack.secrets_manager.get_secret("other")
    assert "v-2" in seen, "later reads through the manager are reported too"


def test_missing_secret_names_component_field_and_secret(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    with pytest.raises(
        StackError,
        match=(
            r"^Orchestrator 'af', field 'password': secret 'db_creds' does not exist in secrets manager "
            r"'vault'. Register it: zenml-airflow secret register db_creds --password=\.\.\."
        ),
    ):
        stack.resolve_secrets()


def test_missing_key_names_the_keys_there_are(tmp_path: Path) -> None:
    stack = _stack(tmp_path, password="{{db_creds.pasword}}")
    stack.secrets_manager.register_secret(build_secret("db_creds", "database", {"password": "pw"}))
    with pytest.raises(StackError) as error:
        stack.orchestrator.resolve("password")
    assert str(error.value) == (
        "Orchestrator 'af', field 'password': secret 'db_creds' in secrets manager 'vault' has no "
        "key 'pasword' (its keys: password)."
    )


def test_reference_without_a_secrets_manager(tmp_path: Path) -> None:
    stack = _stack(tmp_path, with_manager=False)
    with pytest.raises(
        StackError,
        match=(
            "Orchestrator 'af', field 'password': references secret 'db_creds' "
            r"\(\{\{db_creds.password\}\}\), but stack 's' has no secrets manager"
        ),
    ):
        stack.orchestrator.resolve("password")
    with pytest.raises(
        StackError,
        match=(
            "orchestrator 'af' references secret 'db_creds' in field 'password', but the stack has no "
            "secrets manager to resolve it"
        ),
    ):
        stack.validate()


def test_malformed_reference_is_refused_at_configuration() -> None:
    with pytest.raises(
        StackError,
        match=(
            r"field 'password': '\{\{db_creds\}\}' is not a valid secret reference: write "
            r"\{\{secret_name.key\}\}"
        ),
    ):
        AirflowOrchestratorComponent.from_config("af", {"password": "{{db_creds}}"})


def test_a_secrets_manager_cannot_reference_secrets() -> None:
    from zenml_airflow.stack.components import AirflowSecretsManagerComponent

    with pytest.raises(
        StackError,
        match="a secrets manager's own settings cannot reference secrets "
        r"\(field\(s\) password\)",
    ):
        AirflowSecretsManagerComponent.from_config("x", {"password": "{{a.b}}"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{db.password}}", True),
        ("  {{db.password}} ", True),
        ("{{broken}}", True),
        ("hunter2", False),
        ("a{{b.c}}", False),
        (None, False),
        (3, False),
    ],
)
def test_is_reference_like_accepts_any_braced_string(value: object, expected: bool) -> None:
    assert is_reference_like(value) is expected


def test_holds_reference_looks_at_every_top_level_field() -> None:
    assert holds_reference({"host": "db", "password": "{{db.password}}"})
    assert not holds_reference({"host": "db", "password": "hunter2"})
    assert not holds_reference({})
    assert not holds_reference(None)


def test_a_padded_reference_is_shown_unmasked_like_any_reference(tmp_path: Path) -> None:
    stack = _stack(tmp_path, password=" {{db_creds.password}} ")
    stack.secrets_manager.register_secret(
        build_secret("db_creds", "database", {"password": "pw-1"})
    )
    assert stack.orchestrator.masked_config()["password"] == " {{db_creds.password}} "
    assert stack.orchestrator.resolve("password") == "pw-1", (
        "resolved as a reference, so not masked"
    )
