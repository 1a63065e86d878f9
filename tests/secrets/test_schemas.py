"""Secret schemas: the built-ins, the registry, and bad input."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from zenml_airflow.secrets import (
    ArbitrarySecretSchema,
    AWSSecretSchema,
    BaseSecretSchema,
    GCPSecretSchema,
    MySQLSecretSchema,
    SecretSchemaError,
    build_secret,
    get_secret_schema_class,
    register_secret_schema_class,
)


def test_arbitrary_schema_collects_extra_keyword_arguments() -> None:
    secret = ArbitrarySecretSchema(name="api", key="abc", region="eu")
    assert secret.TYPE == "arbitrary"
    assert secret.arbitrary_kv_pairs == {"key": "abc", "region": "eu"}
    assert secret.content == {"key": "abc", "region": "eu"}
    assert ArbitrarySecretSchema.get_schema_keys() == []


def test_arbitrary_is_the_default_schema() -> None:
    assert isinstance(build_secret("x", None, {"a": "1"}), ArbitrarySecretSchema)


def test_aws_schema_keys_and_optional_session_token() -> None:
    assert AWSSecretSchema.get_schema_keys() == [
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
    ]
    secret = build_secret("a", "aws", {"aws_access_key_id": "id", "aws_secret_access_key": "key"})
    assert secret.content == {"aws_access_key_id": "id", "aws_secret_access_key": "key"}


def test_gcp_schema_takes_a_service_account_json() -> None:
    key = json.dumps({"type": "service_account", "project_id": "p"})
    secret = build_secret("g", "gcp", {"token": key})
    assert isinstance(secret, GCPSecretSchema)
    assert secret.service_account_info["project_id"] == "p"
    with pytest.raises(SecretSchemaError, match="token must be a service-account key file's JSON"):
        build_secret("g", "gcp", {"token": "not json"})


def test_mysql_schema_is_database_credentials() -> None:
    secret = build_secret("db", "mysql", {"username": "u", "password": "p"})
    assert isinstance(secret, MySQLSecretSchema)
    assert secret.content == {"username": "u", "password": "p"}


def test_repr_never_shows_values() -> None:
    secret = ArbitrarySecretSchema(name="api", key="very-secret-value")
    assert "very-secret-value" not in repr(secret) and "very-secret-value" not in str(secret)
    assert repr(secret) == "ArbitrarySecretSchema(name='api', keys=['key'])"


def test_registering_a_new_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    from zenml_airflow.secrets import schemas

    monkeypatch.setattr(schemas, "_SCHEMAS", dict(schemas._SCHEMAS))  # leave the registry as found

    @register_secret_schema_class
    class SlackSecretSchema(BaseSecretSchema):
        TYPE: ClassVar[str] = "slack_test"
        token: str

    assert get_secret_schema_class("slack_test") is SlackSecretSchema
    assert build_secret("s", "slack_test", {"token": "t"}).content == {"token": "t"}

    class Other(BaseSecretSchema):
        TYPE: ClassVar[str] = "slack_test"

    with pytest.raises(SecretSchemaError, match="Secret schema 'slack_test' is already registered"):
        register_secret_schema_class(Other)


# --- bad input -----------------------------------------------------------------------------------


def test_unknown_schema_names_the_known_ones() -> None:
    with pytest.raises(SecretSchemaError) as error:
        build_secret("x", "awz", {"a": "1"})
    assert str(error.value) == (
        "Unknown secret schema 'awz'. Did you mean 'aws'? "
        "Known schemas: arbitrary, aws, database, gcp, mysql."
    )


def test_missing_required_schema_field_is_named() -> None:
    with pytest.raises(SecretSchemaError) as error:
        build_secret("creds", "aws", {"aws_access_key_id": "id"})
    assert str(error.value) == (
        "Invalid secret 'creds' for schema 'aws': aws_secret_access_key: required key missing. "
        "Schema 'aws' takes: aws_access_key_id, aws_secret_access_key, aws_session_token (optional)."
    )


def test_unknown_key_for_a_schema_is_refused_with_a_hint() -> None:
    with pytest.raises(
        SecretSchemaError,
        match="aws_secret_acess_key: not a key of schema 'aws' - "
        "Did you mean 'aws_secret_access_key'",
    ):
        build_secret("c", "aws", {"aws_access_key_id": "i", "aws_secret_acess_key": "k"})


def test_invalid_secret_name_and_key() -> None:
    with pytest.raises(SecretSchemaError, match="invalid secret name 'a b'"):
        build_secret("a b", None, {"v": "1"})
    with pytest.raises(SecretSchemaError, match="invalid key '1x'"):
        build_secret("ok", None, {"1x": "1"})


@pytest.mark.parametrize("key", ["name", "arbitrary_kv_pairs"])
@pytest.mark.parametrize("schema", [None, "aws"])
def test_a_reserved_key_is_refused_not_silently_replaced(key: str, schema: str | None) -> None:
    from zenml_airflow.secrets import SecretSchemaError, build_secret

    with pytest.raises(
        SecretSchemaError, match=rf"Invalid secret 's': the key\(s\) \['{key}'\] are reserved"
    ):
        build_secret(
            "s", schema, {key: "mine", "aws_access_key_id": "a", "aws_secret_access_key": "b"}
        )
