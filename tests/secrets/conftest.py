"""Secrets managers under test: ``local`` (a temporary file and key) and ``aws`` (a moto server
started by ``scripts/services.sh up``; its URL in ``$ZENML_AIRFLOW_TEST_MOTO_URL``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zenml_airflow.stack.components import AWSSecretsManagerComponent, LocalSecretsManagerComponent

MOTO_ENV = "ZENML_AIRFLOW_TEST_MOTO_URL"


def moto_url() -> str:
    url = os.environ.get(MOTO_ENV)
    if url:
        return url
    how = (
        f"${MOTO_ENV} is not set: start moto with `scripts/services.sh up` and "
        '`eval "$(scripts/services.sh env)"` (`make test` does both)'
    )
    if os.environ.get("CI") or os.environ.get("ZENML_AIRFLOW_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(how)
    pytest.skip(how)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Dummy credentials for the moto server (never real AWS)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return moto_url()


def make_local(tmp_path: Path, name: str = "local_secrets") -> LocalSecretsManagerComponent:
    return LocalSecretsManagerComponent.from_config(
        name,
        {
            "secrets_file": str(tmp_path / "secrets" / f"{name}.secrets"),
            "key_file": str(tmp_path / "keys" / "secrets.key"),
        },
    )


def make_aws(url: str) -> AWSSecretsManagerComponent:
    # A fresh prefix per test: the moto server is shared by the whole session.
    return AWSSecretsManagerComponent.from_config(
        "aws_secrets",
        {
            "endpoint_url": url,
            "region_name": "us-east-1",
            "secret_name_prefix": f"test-{uuid.uuid4().hex[:8]}/",
        },
    )


@pytest.fixture(params=["local", "aws"])
def manager(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "local":
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.delenv("ZENML_AIRFLOW_SECRETS_KEY", raising=False)
        yield make_local(tmp_path)
    else:
        component = make_aws(request.getfixturevalue("aws_env"))
        yield component
        component.delete_all_secrets(force=True)
