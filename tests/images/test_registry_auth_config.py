"""Container registry credentials without a Docker engine: the config fields, where a login comes
from (explicit > Airflow Connection > the engine's own login) and that the password never shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_helpers import invoke, ok, ok_json
from tests.secrets.conftest import make_local
from zenml_airflow.exceptions import StackError
from zenml_airflow.images.builder import RegistryLogin, _unreachable
from zenml_airflow.secrets.schemas import build_secret
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import (
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    SQLiteMetadataStoreComponent,
)
from zenml_airflow.stack.components.container_registry import DefaultContainerRegistryComponent
from zenml_airflow.stack.snapshot import snapshot_stack

PASSWORD = "reg-pass-7f3a9c2e"
REFERENCE = "{{registry_creds.password}}"


def _registry(**config: str) -> DefaultContainerRegistryComponent:
    return DefaultContainerRegistryComponent.from_config("reg", {"uri": "127.0.0.1:5999", **config})


def _stack(
    tmp_path: Path, registry: DefaultContainerRegistryComponent, password: str = PASSWORD
) -> Stack:
    """A local stack with ``registry`` and a secrets manager holding ``registry_creds``."""
    manager = make_local(tmp_path, "vault")
    manager.register_secret(build_secret("registry_creds", None, {"password": password}))
    return Stack(
        "s",
        orchestrator=LocalOrchestratorComponent.from_config("o"),
        metadata_store=SQLiteMetadataStoreComponent.from_config(
            "m", {"uri": str(tmp_path / "m.db")}
        ),
        artifact_store=LocalArtifactStoreComponent.from_config("a", {"path": str(tmp_path / "a")}),
        container_registry=registry,
        secrets_manager=manager,
    )


def test_without_credentials_the_engines_own_login_is_used() -> None:
    registry = _registry()
    assert registry.credentials() is None
    assert registry.config == {
        "uri": "127.0.0.1:5999",
        "username": None,
        "password": None,
        "airflow_connection_id": None,
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"username": "ci"}, "username is given without password"),
        ({"password": REFERENCE}, "password is given without username"),
    ],
)
def test_a_username_needs_a_password_and_vice_versa(config: dict[str, str], message: str) -> None:
    with pytest.raises(StackError, match=f"container registry 'reg'.*{message}; give both"):
        _registry(**config)


def test_a_secret_reference_password_is_resolved_at_use_and_never_shown(tmp_path: Path) -> None:
    registry = _registry(username="ci", password=REFERENCE)
    stack = _stack(tmp_path, registry)
    credentials = registry.credentials()
    assert credentials is not None
    assert (credentials.registry, credentials.username) == ("127.0.0.1:5999", "ci")
    assert credentials.auth_config() == {"username": "ci", "password": PASSWORD}
    assert "username/password of container registry 'reg'" in credentials.source
    assert PASSWORD not in repr(credentials)
    assert credentials.mask(f"denied for {PASSWORD}") == "denied for ***"
    assert registry.masked_config()["password"] == REFERENCE
    spec = json.dumps(snapshot_stack(stack), default=str)
    assert REFERENCE in spec and PASSWORD not in spec


def test_a_plain_password_is_masked_in_describe() -> None:
    registry = _registry(username="ci", password=PASSWORD)
    assert registry.masked_config()["password"] == "********"


def test_a_refused_login_names_the_source_and_the_fix_but_not_the_password(
    tmp_path: Path,
) -> None:
    registry = _registry(username="ci", password=REFERENCE)
    _stack(tmp_path, registry)
    login = RegistryLogin(registry)
    assert login.auth_config("127.0.0.1:5999/zenml-x:1") == {"username": "ci", "password": PASSWORD}
    # A parent image of another registry goes with the engine's own login.
    assert login.auth_config("other.example.com/python:3.11") is None
    error = _unreachable(
        "127.0.0.1:5999/zenml-x:1", RuntimeError(f"unauthorized: bad password {PASSWORD}"), login
    )
    text = str(error)
    assert PASSWORD not in text
    assert "refused the login of user 'ci' from the username/password of container registry" in text
    assert "container-registry update reg" in text


def test_no_login_names_the_registry_and_every_way_to_give_one() -> None:
    error = _unreachable(
        "127.0.0.1:5999/zenml-x:1",
        RuntimeError("no basic auth credentials"),
        RegistryLogin(_registry()),
    )
    assert str(error).startswith("Container registry 127.0.0.1:5999 requires a login")
    for fix in (
        "--password='{{registry_creds.password}}'",
        "--airflow_connection_id",
        "docker login",
    ):
        assert fix in str(error)


# --- Airflow Connections -----------------------------------------------------------------------


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch) -> str:
    """A docker-type Airflow Connection, defined the way Airflow reads them from the environment."""
    pytest.importorskip("airflow.sdk", reason="Airflow is not installed")
    value = {
        "conn_type": "docker",
        "login": "af-user",
        "password": PASSWORD,
        "host": "127.0.0.1:5999",
    }
    monkeypatch.setenv("AIRFLOW_CONN_REG_LOGIN", json.dumps(value))
    return "reg_login"


def test_an_airflow_connection_gives_the_login(connection: str) -> None:
    credentials = _registry(airflow_connection_id=connection).credentials()
    assert credentials is not None
    assert credentials.auth_config() == {"username": "af-user", "password": PASSWORD}
    assert credentials.source == "Airflow Connection 'reg_login'"


def test_explicit_credentials_come_before_the_connection(connection: str, tmp_path: Path) -> None:
    registry = _registry(username="ci", password=REFERENCE, airflow_connection_id=connection)
    _stack(tmp_path, registry)
    credentials = registry.credentials()
    assert credentials is not None and credentials.username == "ci"


def test_a_connection_for_another_registry_is_refused(
    connection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = {"conn_type": "docker", "login": "u", "password": PASSWORD, "host": "https://ghcr.io"}
    monkeypatch.setenv("AIRFLOW_CONN_REG_LOGIN", json.dumps(value))
    with pytest.raises(
        StackError, match=r"'reg_login' is for registry ghcr.io, not 127.0.0.1:5999"
    ):
        _registry(airflow_connection_id=connection).credentials()


def test_a_connection_without_a_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("airflow.sdk", reason="Airflow is not installed")
    monkeypatch.setenv("AIRFLOW_CONN_NO_PW", json.dumps({"conn_type": "docker", "login": "u"}))
    with pytest.raises(StackError, match="'no_pw' has no login and password"):
        _registry(airflow_connection_id="no_pw").credentials()


def test_outside_airflow_an_unknown_connection_falls_back_to_the_engines_login() -> None:
    pytest.importorskip("airflow.sdk", reason="Airflow is not installed")
    assert _registry(airflow_connection_id="not_defined_anywhere").credentials() is None


# --- CLI -----------------------------------------------------------------------------------------


def test_the_profile_holds_the_reference_and_describe_shows_no_password(
    isolated_config: Path,
) -> None:
    ok(
        "container-registry",
        "register",
        "reg",
        "-f",
        "default",
        "--uri=127.0.0.1:5999",
        "--username=ci",
        f"--password={REFERENCE}",
    )
    described = ok_json("container-registry", "describe", "reg")
    assert described["config"]["password"] == REFERENCE
    profile_text = "".join(
        path.read_text(encoding="utf-8") for path in isolated_config.rglob("*.yaml")
    )
    assert REFERENCE in profile_text


def test_a_plain_password_on_the_command_line_is_called_out(isolated_config: Path) -> None:
    result = invoke(
        "container-registry",
        "register",
        "reg",
        "-f",
        "default",
        "--uri=127.0.0.1:5999",
        "--username=ci",
        f"--password={PASSWORD}",
    )
    assert result.exit_code == 0, result.output
    assert "plain-text secret values (password of container registry 'reg')" in result.stderr
    described = ok_json("container-registry", "describe", "reg")
    assert described["config"]["password"] == "********"
