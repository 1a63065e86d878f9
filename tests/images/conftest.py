"""A real Docker engine and container registry for the image tests, started by scripts/docker.sh.

``scripts/docker.sh up`` installs and starts dockerd (networking off, unix socket) and a registry
on 127.0.0.1, and imports the locally built base image ``local/python:3.11-bookworm``; this
conftest runs it once per session when they are not running yet and exports its environment
(``DOCKER_HOST``, the registry, the base image as the default parent image). The tests skip with
the reason when the engine cannot be started here, and fail instead on CI.

One image of a tiny pipeline is built and pushed once per session (:func:`built_image`) and shared
by the tests that only read it; tests that build more use their own copies of the project.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.images.image_projects import write_project

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "docker.sh"
CONSTRAINTS = ROOT / "constraints.txt"


def _required() -> bool:
    return (
        bool(os.environ.get("CI")) or os.environ.get("ZENML_AIRFLOW_TEST_REQUIRE_SERVICES") == "1"
    )


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"the Docker engine is required here: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[Any]:
    """A docker SDK client of the engine scripts/docker.sh runs, with its environment exported."""
    pytest.importorskip("docker", reason="the docker SDK is not installed (extra 'docker')")
    if subprocess.run([SCRIPT, "running"], check=False).returncode != 0:
        if os.geteuid() != 0:
            _unavailable("dockerd is not running and starting it needs root: scripts/docker.sh up")
        result = subprocess.run([SCRIPT, "up"], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            _unavailable(f"scripts/docker.sh up failed: {result.stderr.strip()[-2000:]}")
    env = subprocess.run([SCRIPT, "env"], capture_output=True, text=True, check=True).stdout
    saved = dict(os.environ)
    for line in env.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        os.environ[name] = value
    os.environ["ZENML_AIRFLOW_PARENT_IMAGE"] = os.environ["ZENML_AIRFLOW_TEST_BASE_IMAGE"]
    os.environ["ZENML_AIRFLOW_IMAGE_CONSTRAINTS"] = str(CONSTRAINTS)
    from zenml_airflow.images import builder, docker_client
    from zenml_airflow.images.wheel import project_wheel

    # Other work may edit zenml_airflow's files while the session runs; the image tags would
    # follow (as they should), so the session freezes the wheel it builds at its start.
    wheel = project_wheel(Path(os.environ["ZENML_AIRFLOW_CONFIG_DIR"]) / "session-wheel")
    client = docker_client()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builder, "project_wheel", lambda cache_dir: wheel)
        try:
            yield client
        finally:
            client.close()
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="session")
def registry(docker_engine: Any) -> Any:
    """The container registry component of the local registry."""
    from zenml_airflow.stack.components.container_registry import (
        DefaultContainerRegistryComponent,
    )

    uri = os.environ["ZENML_AIRFLOW_TEST_REGISTRY"]
    return DefaultContainerRegistryComponent.from_config("local", {"uri": uri})


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("tiny-project"))


@pytest.fixture(scope="session")
def built_image(docker_engine: Any, registry: Any, project: Path) -> Iterator[Any]:
    """The tiny pipeline's image, built and pushed once per session.

    At the end of the session the other images of the tiny pipeline leave the engine (they stay
    in the registry as small manifests) with the layers failed builds left, so sessions do not
    pile them up. This one stays: its layers are the build cache of the next session.
    """
    from zenml_airflow.images import ImageInputs, build_image

    image = build_image(ImageInputs(name="tiny", source_roots=(str(project),)), registry=registry)
    yield image
    for name in ("zenml-tiny", f"{registry.uri}/zenml-tiny"):
        for found in docker_engine.images.list(name=name):
            for tag in found.tags:
                if tag != image.image:
                    docker_engine.images.remove(tag, force=True)
    docker_engine.images.prune(filters={"dangling": True})


# --- a registry that requires a login ----------------------------------------------------------

USERNAME = "ci-user"
# One password per session: the assertions below look for it in every text that could leak it.
PASSWORD = "pw-" + secrets.token_hex(12)


def _bcrypt(password: str) -> str:
    """A bcrypt hash (the only scheme distribution's htpasswd accepts)."""
    try:
        import bcrypt

        return str(bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode())
    except ImportError:
        pass
    with warnings.catch_warnings():  # crypt: deprecated since 3.11, gone in 3.13
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            crypt = None  # type: ignore[assignment]
    if crypt is None or crypt.METHOD_BLOWFISH not in crypt.methods:
        _unavailable("making a bcrypt hash needs the 'bcrypt' package (or crypt with blowfish)")
    return str(crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


@pytest.fixture(scope="session")
def auth_registry(docker_engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:PORT`` of a registry that takes ``USERNAME``/``PASSWORD`` only."""
    binary = shutil.which("docker-registry")
    if binary is None:
        _unavailable("docker-registry is not installed (scripts/docker.sh up installs it)")
    directory = tmp_path_factory.mktemp("auth-registry")
    (directory / "htpasswd").write_text(f"{USERNAME}:{_bcrypt(PASSWORD)}\n", encoding="utf-8")
    port = free_port()
    config = directory / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {directory / 'data'}\n"
        f"auth:\n  htpasswd:\n    realm: zenml-airflow-tests\n    path: {directory / 'htpasswd'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: {secrets.token_hex(16)}\n",
        encoding="utf-8",
    )
    log = (directory / "registry.log").open("wb")
    process = subprocess.Popen([str(binary), "serve", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while _status(f"http://127.0.0.1:{port}/v2/") != 401:
            if process.poll() is not None or time.monotonic() > deadline:
                text = (directory / "registry.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"the htpasswd registry did not start: {text}")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
