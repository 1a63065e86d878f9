"""Settings refused at registration with a message that says what is wrong (issue 14, "weak
messages"): ports out of range, a sqlite file that is a folder, a secret reference in a secrets
manager's own file paths, names without a length limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.cli_helpers import fails, ok
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack import StackComponent
from zenml_airflow.stack.components import (
    AirflowOrchestratorComponent,
    AirflowSecretsManagerComponent,
    LocalSecretsManagerComponent,
    MySQLMetadataStoreComponent,
    PostgreSQLMetadataStoreComponent,
    SQLiteMetadataStoreComponent,
)


@pytest.mark.parametrize("port", [-5, 0, 65536, 100000])
@pytest.mark.parametrize(
    "component", [MySQLMetadataStoreComponent, PostgreSQLMetadataStoreComponent]
)
def test_a_port_out_of_range_is_refused(component: type[StackComponent], port: int) -> None:
    with pytest.raises(
        StackError, match=rf"port: {port} is not a port; give a number from 1 to 65535"
    ):
        component.from_config("db", {"host": "localhost", "database": "x", "port": port})


def test_ports_in_range_and_the_default_are_accepted() -> None:
    for port in (1, 3306, 65535, None):
        config = {"host": "localhost", "database": "x", "port": port}
        assert MySQLMetadataStoreComponent.from_config("db", config).port == port


def test_port_on_the_command_line() -> None:
    message = fails(
        "metadata-store",
        "register",
        "pg",
        "--flavor=postgresql",
        "--host=localhost",
        "--database=x",
        "--port=-5",
    )
    assert "port: -5 is not a port; give a number from 1 to 65535" in message


@pytest.mark.parametrize(
    "url",
    ["http://localhost:-5", "http://localhost:0", "http://localhost:99999", "http://localhost:x"],
)
@pytest.mark.parametrize(
    "component", [AirflowOrchestratorComponent, AirflowSecretsManagerComponent]
)
def test_an_api_url_with_a_bad_port_is_refused(component: type[StackComponent], url: str) -> None:
    with pytest.raises(StackError, match=r"has no valid port; a port is a number from 1 to 65535"):
        component.from_config("af", {"api_url": url})


def test_api_urls_with_good_or_default_ports_are_accepted() -> None:
    for url in ("http://localhost:8080", "https://airflow.example.com", "http://[::1]:65535/"):
        assert AirflowOrchestratorComponent.from_config(
            "af", {"api_url": url}
        ).api_url == url.rstrip("/")


def test_a_sqlite_uri_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        StackError,
        match=rf"uri: {tmp_path} is a directory; the 'sqlite' metadata store takes the path of a "
        rf"database file, e.g. {tmp_path / 'metadata.db'}",
    ):
        SQLiteMetadataStoreComponent.from_config("m", {"uri": str(tmp_path)})
    message = fails("metadata-store", "register", "m", "--flavor=sqlite", f"--uri={tmp_path}")
    assert "is a directory" in message


def test_a_sqlite_uri_of_a_new_or_existing_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "old.db").touch()
    for name in ("old.db", "new.db"):
        uri = str(tmp_path / name)
        assert SQLiteMetadataStoreComponent.from_config("m", {"uri": uri}).uri == uri


@pytest.mark.parametrize("field", ["key_file", "secrets_file"])
def test_a_secret_reference_in_a_secrets_managers_own_file_is_refused(field: str) -> None:
    with pytest.raises(
        StackError,
        match=rf"{field}: '\{{\{{other.key\}}\}}' is a secret reference, but a secrets manager's own "
        "settings cannot reference secrets",
    ):
        LocalSecretsManagerComponent.from_config("sm", {field: "{{other.key}}"})
    message = fails(
        "secrets-manager", "register", "sm", "--flavor=local", f"--{field}={{{{other.key}}}}"
    )
    assert "cannot reference secrets" in message


def test_component_names_are_limited_to_100_characters(tmp_path: Path) -> None:
    ok("artifact-store", "register", "a" * 100, "--flavor=local", f"--path={tmp_path / 'a'}")
    message = fails(
        "artifact-store", "register", "b" * 101, "--flavor=local", f"--path={tmp_path / 'b'}"
    )
    assert message == (
        f"Invalid artifact store name {'b' * 40!r}... (101 characters): names may have at most "
        "100 characters. Choose a shorter name."
    )
