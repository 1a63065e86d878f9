"""The secrets manager contract (run by tests/secrets against each implementation, and inside a
real Airflow task by tests/airflow/test_secrets_e2e.py), and the pipelines the Airflow tests deploy.

Every check starts from an empty manager and leaves it empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zenml_airflow.pipelines import pipeline
from zenml_airflow.secrets import (
    ArbitrarySecretSchema,
    AWSSecretSchema,
    SecretDoesNotExistError,
    SecretExistsError,
    SecretsManagerError,
    build_secret,
)
from zenml_airflow.steps import BaseStepConfig, StepContext, step


def _raises(error: type[Exception], match: str, function: Callable[[], Any]) -> None:
    import re

    try:
        function()
    except error as raised:
        assert re.search(match, str(raised)), f"{str(raised)!r} does not match {match!r}"
        return
    raise AssertionError(f"{function} did not raise {error.__name__}")


def check_register_and_get(manager: Any) -> None:
    manager.register_secret(ArbitrarySecretSchema(name="api", key="k-123456", region="eu"))
    manager.register_secret(
        AWSSecretSchema(name="aws_creds", aws_access_key_id="AKIA1", aws_secret_access_key="s3cr3t")
    )
    api = manager.get_secret("api")
    assert isinstance(api, ArbitrarySecretSchema) and api.name == "api"
    assert api.content == {"key": "k-123456", "region": "eu"}
    aws = manager.get_secret("aws_creds")
    assert isinstance(aws, AWSSecretSchema), "the schema survives the round trip"
    assert aws.content == {"aws_access_key_id": "AKIA1", "aws_secret_access_key": "s3cr3t"}
    manager.delete_all_secrets(force=True)


def check_list(manager: Any) -> None:
    assert manager.get_all_secret_keys() == []
    for name in ("b", "a", "c.d"):
        manager.register_secret(build_secret(name, None, {"v": name}))
    assert manager.get_all_secret_keys() == ["a", "b", "c.d"]
    manager.delete_all_secrets(force=True)


def check_duplicate_is_refused(manager: Any) -> None:
    manager.register_secret(build_secret("dup", None, {"v": "first"}))
    _raises(
        SecretExistsError,
        "A secret named 'dup' already exists in secrets manager",
        lambda: manager.register_secret(build_secret("dup", None, {"v": "second"})),
    )
    assert manager.get_secret("dup").content == {"v": "first"}, "the first one is kept"
    manager.delete_all_secrets(force=True)


def check_update(manager: Any) -> None:
    manager.register_secret(build_secret("db", "database", {"password": "old-pw"}))
    manager.update_secret(build_secret("db", "database", {"username": "u", "password": "new-pw"}))
    assert manager.get_secret("db").content == {"username": "u", "password": "new-pw"}
    _raises(
        SecretDoesNotExistError,
        "No secret 'dbx' in secrets manager .*Did you mean 'db'",
        lambda: manager.update_secret(build_secret("dbx", None, {"v": "1"})),
    )
    manager.delete_all_secrets(force=True)


def check_delete(manager: Any) -> None:
    manager.register_secret(build_secret("gone", None, {"v": "1"}))
    manager.register_secret(build_secret("kept", None, {"v": "2"}))
    manager.delete_secret("gone")
    assert manager.get_all_secret_keys() == ["kept"]
    _raises(SecretDoesNotExistError, "No secret 'gone'", lambda: manager.get_secret("gone"))
    _raises(SecretDoesNotExistError, "No secret 'gone'", lambda: manager.delete_secret("gone"))
    manager.register_secret(build_secret("gone", None, {"v": "again"}))  # the name is free again
    assert manager.get_secret("gone").content == {"v": "again"}
    manager.delete_all_secrets(force=True)


def check_delete_all_needs_force(manager: Any) -> None:
    manager.register_secret(build_secret("one", None, {"v": "1"}))
    _raises(SecretsManagerError, "without force=True", lambda: manager.delete_all_secrets())
    assert manager.get_all_secret_keys() == ["one"]
    manager.delete_all_secrets(force=True)
    assert manager.get_all_secret_keys() == []


CONTRACT: list[Callable[[Any], None]] = [
    check_register_and_get,
    check_list,
    check_duplicate_is_refused,
    check_update,
    check_delete,
    check_delete_all_needs_force,
]


# --- pipelines for the Airflow tests ----------------------------------------------------------


@step
def secrets_contract(context: StepContext) -> list:
    """Runs the whole contract against the stack's secrets manager, inside the task."""
    manager = context.stack.secrets_manager
    passed = []
    for check in CONTRACT:
        check(manager)
        passed.append(check.__name__)
    return passed


@pipeline
def secrets_contract_pipeline(secrets_contract):
    secrets_contract()


contract_pipeline = secrets_contract_pipeline(secrets_contract=secrets_contract())


class CallConfig(BaseStepConfig):
    secret: str = "weather_api"


@step(enable_cache=False)
def call_api(config: CallConfig, context: StepContext) -> dict:
    """Reads an API key from the secrets manager and "uses" it - logging it, as careless code does."""
    key = context.stack.secrets_manager.get_secret(config.secret).content["api_key"]
    print(f"calling the weather API with key {key}")
    import logging

    logging.getLogger("weather").warning("using api key %s", key)
    return {"key_length": len(key)}


@pipeline
def secret_using_pipeline(call_api):
    call_api()


api_pipeline = secret_using_pipeline(call_api=call_api())
