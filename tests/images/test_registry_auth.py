"""Pushing to and pulling from a registry that requires a login (htpasswd, as a real registry in
front of a team would): refused without credentials with the fix, working with a ``{{secret.key}}``
password or an Airflow Connection, and the password in no message, profile or compiled spec.

A second ``docker-registry`` (distribution) with htpasswd auth is started on a free 127.0.0.1 port
for the session; the Docker engine treats every 127.0.0.0/8 registry as insecure (plain HTTP).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from tests.images.conftest import PASSWORD, USERNAME
from tests.images.test_registry_auth_config import _stack
from zenml_airflow.images import ContainerRegistryError, ImageInputs, build_image
from zenml_airflow.images.builder import pull_image
from zenml_airflow.stack.components.container_registry import DefaultContainerRegistryComponent
from zenml_airflow.stack.snapshot import snapshot_stack


def _with_secret(uri: str) -> DefaultContainerRegistryComponent:
    return DefaultContainerRegistryComponent.from_config(
        "team", {"uri": uri, "username": USERNAME, "password": "{{registry_creds.password}}"}
    )


def test_a_push_without_credentials_names_the_registry_and_how_to_log_in(
    auth_registry: str, project: Path
) -> None:
    registry = DefaultContainerRegistryComponent.from_config("team", {"uri": auth_registry})
    with pytest.raises(ContainerRegistryError) as caught:
        build_image(ImageInputs(name="tiny", source_roots=(str(project),)), registry=registry)
    text = str(caught.value)
    assert text.startswith(f"Container registry {auth_registry} requires a login for image")
    assert "container-registry update team --username=USER" in text
    assert f"docker login {auth_registry}" in text


def test_a_secret_reference_password_pushes_and_pulls(
    docker_engine: Any, auth_registry: str, project: Path, tmp_path: Path
) -> None:
    registry = _with_secret(auth_registry)
    stack = _stack(tmp_path, registry, PASSWORD)
    inputs = ImageInputs(name="tiny", source_roots=(str(project),))
    pushed = build_image(inputs, registry=registry)
    assert pushed.pushed and pushed.digest is not None
    assert pushed.digest.startswith(f"{auth_registry}/zenml-tiny@sha256:")
    # The registry has it: drop the local copy, then it is found there, and pulled back.
    docker_engine.images.remove(pushed.image, force=True)
    found = build_image(inputs, registry=registry)
    assert not found.built and not found.pushed and found.digest == pushed.digest
    image_id = pull_image(pushed.digest, registry=registry)
    assert docker_engine.images.get(pushed.digest).id == image_id
    spec = json.dumps(snapshot_stack(stack), default=str)
    assert "{{registry_creds.password}}" in spec and PASSWORD not in spec


def test_a_wrong_password_is_refused_without_showing_it(
    auth_registry: str, project: Path, tmp_path: Path
) -> None:
    wrong = "wrong-" + secrets.token_hex(8)
    registry = _with_secret(auth_registry)
    _stack(tmp_path, registry, wrong)
    with pytest.raises(ContainerRegistryError) as caught:
        build_image(ImageInputs(name="tiny", source_roots=(str(project),)), registry=registry)
    text = str(caught.value)
    assert f"Container registry {auth_registry} refused the login of user '{USERNAME}'" in text
    assert "container-registry update team" in text
    assert wrong not in text and PASSWORD not in text


def test_pulling_without_credentials_is_refused_with_the_fix(auth_registry: str) -> None:
    registry = DefaultContainerRegistryComponent.from_config("team", {"uri": auth_registry})
    with pytest.raises(ContainerRegistryError, match=f"{auth_registry} requires a login"):
        pull_image(f"{auth_registry}/zenml-tiny:latest", registry=registry)


def test_an_airflow_connection_logs_in(
    auth_registry: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("airflow.sdk", reason="Airflow is not installed")
    connection = {"conn_type": "docker", "login": USERNAME, "password": PASSWORD}
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEAM_REGISTRY", json.dumps({**connection, "host": auth_registry})
    )
    registry = DefaultContainerRegistryComponent.from_config(
        "team", {"uri": auth_registry, "airflow_connection_id": "team_registry"}
    )
    image = build_image(ImageInputs(name="tiny", source_roots=(str(project),)), registry=registry)
    assert image.digest is not None and image.digest.startswith(f"{auth_registry}/zenml-tiny@")
