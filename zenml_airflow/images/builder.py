"""Build, find and push a pipeline's image with the docker SDK (imported lazily: an optional extra).

:func:`plan_image` computes everything that decides the image - parent image id, Python version,
zenml-airflow wheel, pinned requirements, code - and a content-addressed tag from it, without
building. :func:`build_image` then skips the build when an image with that tag exists locally or
in the container registry, else builds it (requirements in a layer below the code) and pushes it,
and returns the digest the registry gave, so a compiled spec and each step run can name exactly the
image they ran::

    inputs = ImageInputs.from_spec(spec, pipeline)
    image = build_image(inputs, registry=stack.container_registry)
    image.digest  # "127.0.0.1:55050/zenml-training@sha256:..."
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_airflow.config.global_config import get_config_dir
from zenml_airflow.images.dockerfile import DOCKERFILE_VERSION, render_dockerfile
from zenml_airflow.images.errors import (
    ContainerRegistryError,
    DockerUnavailableError,
    ImageBuildError,
)
from zenml_airflow.images.inputs import (
    CodeSnapshot,
    ImageInputs,
    image_requirements,
    read_constraints,
    snapshot_code,
)
from zenml_airflow.images.wheel import ProjectWheel, project_wheel
from zenml_airflow.logger import get_logger

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.components.container_registry import (
        ContainerRegistryComponent,
        RegistryCredentials,
    )

logger = get_logger(__name__)

#: The parent image when none is given: ``$ZENML_AIRFLOW_PARENT_IMAGE``, else the official slim
#: Python image of the compiling Python's version (scripts/docker.sh sets the variable to the
#: locally built ``local/python:3.11-bookworm`` where Docker Hub cannot be reached).
PARENT_IMAGE_ENV = "ZENML_AIRFLOW_PARENT_IMAGE"
#: A pip constraints file whose pins the image's requirements follow (e.g. constraints.txt).
CONSTRAINTS_ENV = "ZENML_AIRFLOW_IMAGE_CONSTRAINTS"
#: Lines of the build log a build error shows.
LOG_TAIL_LINES = 25
# pip colours its errors; the build log shown in an error message is plain text.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FIXED_MTIME = 315532800  # 1980-01-01, the earliest time a zip (the wheel) can hold


#: A ``docker.DockerClient`` (typed loosely: the SDK ships no type information, and the
#: repository's ``docker/`` folder would shadow it for mypy).
DockerClient = Any


def _sdk() -> Any:
    """The docker SDK module, imported on first use (an optional extra)."""
    try:
        return importlib.import_module("docker")
    except ImportError as error:
        raise DockerUnavailableError(
            "Building images needs the docker SDK; install it with "
            "pip install 'zenml-airflow[docker]'."
        ) from error


def default_parent_image() -> str:
    """The parent image used when a build names none (see :data:`PARENT_IMAGE_ENV`)."""
    configured = os.environ.get(PARENT_IMAGE_ENV, "").strip()
    if configured:
        return configured
    return f"python:{sys.version_info.major}.{sys.version_info.minor}-slim-bookworm"


def docker_client() -> DockerClient:
    """A client of the Docker engine ``DOCKER_HOST`` names (the default socket otherwise).

    Raises:
        DockerUnavailableError: without the docker SDK, or when the engine does not answer.
    """
    docker = _sdk()
    try:
        return docker.from_env()
    except docker.errors.DockerException as error:
        host = os.environ.get("DOCKER_HOST", "the default socket /var/run/docker.sock")
        raise DockerUnavailableError(
            f"Cannot reach the Docker engine at {host}: {error}. Start it (in this repository: "
            'scripts/docker.sh up, then eval "$(scripts/docker.sh env)") or set DOCKER_HOST.'
        ) from error


def repository_name(pipeline_name: str) -> str:
    """The image repository of a pipeline: ``zenml-<name>``, lower case, only ``[a-z0-9._-]``."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "-" for c in pipeline_name.lower())
    return "zenml-" + (cleaned.strip("._-") or "pipeline")


@dataclass(frozen=True)
class ImagePlan:
    """Everything that decides one image, and its content-addressed reference.

    Attributes:
        image: ``[REGISTRY/]zenml-<pipeline>:<tag>``, the tag a hash of everything below.
        parent_image: the ``FROM`` image as given; ``parent_id`` its image id or registry digest.
        requirements: the pinned requirement lines installed in the image.
        source_roots: compiling machine directory -> image directory.
    """

    image: str
    repository: str
    tag: str
    parent_image: str
    parent_id: str
    requirements: tuple[str, ...]
    constraints: str
    wheel: ProjectWheel
    source_roots: Mapping[str, str]
    dockerfile: str
    code: CodeSnapshot = field(repr=False, compare=False)


@dataclass(frozen=True)
class BuiltImage:
    """The result of :func:`build_image`.

    Attributes:
        image: the tagged reference, e.g. ``127.0.0.1:55050/zenml-training:3f2a...``.
        digest: ``repository@sha256:...`` as the registry stores it (``None`` when not pushed).
        image_id: the local image id (``None`` when the image was only found in the registry).
        built / pushed: whether this call built / pushed it (both false when nothing changed).
        source_roots: compiling machine directory -> image directory (for the step entrypoint).
    """

    image: str
    digest: str | None
    image_id: str | None
    built: bool
    pushed: bool
    source_roots: Mapping[str, str]
    seconds: float = 0.0


def _cache_dir() -> Path:
    return get_config_dir() / "images"


# Registry errors that mean "log in" (distribution, Docker Hub, GHCR, ECR phrase it these ways).
_AUTH_FAILURE = re.compile(
    r"no basic auth credentials|unauthorized|authentication required|access denied|denied:",
    re.IGNORECASE,
)


class RegistryLogin:
    """The credentials of a container registry, resolved on first use and then kept: an unchanged
    image found locally never resolves them (reading an Airflow Connection imports Airflow)."""

    def __init__(self, registry: ContainerRegistryComponent | None) -> None:
        self.registry = registry
        self._resolved = False
        self._credentials: RegistryCredentials | None = None

    def credentials(self) -> RegistryCredentials | None:
        """See :meth:`ContainerRegistryComponent.credentials`; ``None``: the Docker engine's own
        login (``~/.docker/config.json``) is used."""
        if not self._resolved and self.registry is not None:
            self._credentials = self.registry.credentials()
            if self._credentials is not None:
                logger.debug(
                    "Logging in to %s with %s", self._credentials.registry, self._credentials.source
                )
        self._resolved = True
        return self._credentials

    def auth_config(self, image: str) -> dict[str, str] | None:
        """``auth_config`` for a docker SDK call about ``image``: only an image of this registry
        gets the credentials (a parent image from elsewhere goes with the engine's own login)."""
        if self.registry is None or _image_host(image) != self.registry.host.lower():
            return None
        credentials = self.credentials()
        return None if credentials is None else credentials.auth_config()

    @property
    def resolved(self) -> RegistryCredentials | None:
        """The credentials if already resolved (never resolves them)."""
        return self._credentials

    def mask(self, text: str) -> str:
        """``text`` without the password (when one was resolved)."""
        return self._credentials.mask(text) if self._credentials is not None else text


def _image_host(image: str) -> str | None:
    """The registry ``HOST[:PORT]`` of an image reference (``None``: Docker Hub)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return None


def _parent_id(client: DockerClient, parent_image: str, login: RegistryLogin | None = None) -> str:
    docker = _sdk()
    try:
        return str(client.images.get(parent_image).id)
    except docker.errors.ImageNotFound:
        pass
    try:
        auth = login.auth_config(parent_image) if login is not None else None
        return str(client.images.get_registry_data(parent_image, auth_config=auth).id)
    except docker.errors.APIError as error:
        detail = str(error.explanation or error)
        detail = login.mask(detail) if login is not None else detail
        raise ImageBuildError(
            f"The parent image {parent_image!r} is neither in the local Docker engine nor in its "
            f"registry ({detail}). Pull or build it first (here: "
            f"scripts/docker.sh up builds local/python:3.11-bookworm), or set "
            f"{PARENT_IMAGE_ENV} / the step operator's parent_image to an image that exists."
        ) from error


def _constraints_text(constraints: str | os.PathLike[str] | None) -> str:
    if constraints is None:
        constraints = os.environ.get(CONSTRAINTS_ENV) or None
    if constraints is None:
        return ""
    try:
        return Path(constraints).read_text(encoding="utf-8")
    except OSError as error:
        raise ImageBuildError(
            f"Cannot read the constraints file {os.fspath(constraints)!r}: {error}. Fix the path "
            f"(or unset {CONSTRAINTS_ENV})."
        ) from error


def plan_image(
    inputs: ImageInputs,
    *,
    registry: ContainerRegistryComponent | None = None,
    parent_image: str | None = None,
    constraints: str | os.PathLike[str] | None = None,
    client: DockerClient | None = None,
    login: RegistryLogin | None = None,
) -> ImagePlan:
    """Resolve the inputs of the image of ``inputs`` and its tag, without building anything.

    ``login`` (default: ``registry``'s credentials) is used should the parent image be there.
    """
    client = client or docker_client()
    parent = parent_image or default_parent_image()
    parent_id = _parent_id(client, parent, login or RegistryLogin(registry))
    constraints_text = _constraints_text(constraints)
    requirements = tuple(image_requirements(inputs, read_constraints(constraints_text)))
    wheel = project_wheel(_cache_dir() / "wheels")
    code = snapshot_code(inputs)
    mapping = inputs.root_mapping()
    dockerfile = render_dockerfile(parent, wheel.path.name, mapping)
    recipe = {
        "template": DOCKERFILE_VERSION,
        "parent": parent_id,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "zenml_airflow": wheel.version,
        "wheel": wheel.sha256,
        "requirements": list(requirements),
        "constraints": hashlib.sha256(constraints_text.encode()).hexdigest(),
        "dockerfile": dockerfile,
        "code": code.digest,
    }
    tag = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:24]
    repository = repository_name(inputs.name)
    if registry is not None:
        repository = f"{registry.uri.rstrip('/')}/{repository}"
    return ImagePlan(
        image=f"{repository}:{tag}",
        repository=repository,
        tag=tag,
        parent_image=parent,
        parent_id=parent_id,
        requirements=requirements,
        constraints=constraints_text,
        wheel=wheel,
        source_roots=mapping,
        dockerfile=render_dockerfile(parent, wheel.path.name, mapping, recipe=tag),
        code=code,
    )


def _write_context(plan: ImagePlan, directory: Path) -> None:
    (directory / "Dockerfile").write_text(plan.dockerfile, encoding="utf-8")
    (directory / "requirements.txt").write_text(
        "".join(line + "\n" for line in plan.requirements), encoding="utf-8"
    )
    (directory / "constraints.txt").write_text(plan.constraints, encoding="utf-8")
    shutil.copy2(plan.wheel.path, directory / plan.wheel.path.name)
    # The legacy builder writes file times into COPY layers: fixed times make these layers the
    # same bytes wherever and whenever they are built, so registries share them.
    for name in ("requirements.txt", "constraints.txt", plan.wheel.path.name):
        os.utime(directory / name, (_FIXED_MTIME, _FIXED_MTIME))
    code = directory / "code"
    for index in range(len(plan.source_roots)):
        (code / str(index)).mkdir(parents=True, exist_ok=True)
    for file in plan.code.files:
        target = code / file.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.source, target)


def _local_image(client: DockerClient, image: str) -> Any:
    docker = _sdk()
    try:
        return client.images.get(image)
    except docker.errors.ImageNotFound:
        return None


def _local_image_id(client: DockerClient, image: str) -> str | None:
    found = _local_image(client, image)
    return None if found is None else str(found.id)


def _pushed_digest(found: Any, repository: str) -> str | None:
    """The digest the engine recorded when it pushed ``found`` to (or pulled it from)
    ``repository``: trusting it saves the registry round trip of an unchanged build."""
    for digest in (found.attrs.get("RepoDigests") or []) if found is not None else []:
        if str(digest).rsplit("@", 1)[0] == repository:
            return str(digest)
    return None


def _registry_digest(
    client: DockerClient,
    plan: ImagePlan,
    login: RegistryLogin,
) -> str | None:
    """The registry's digest of ``plan.image``, ``None`` when the registry does not have it."""
    docker = _sdk()
    try:
        data = client.images.get_registry_data(
            plan.image, auth_config=login.auth_config(plan.image)
        )
    except docker.errors.NotFound:
        return None
    except docker.errors.APIError as error:
        raise _unreachable(plan.image, error, login) from error
    return f"{plan.repository}@{data.id}"


def _unreachable(
    image: str, error: Exception, login: RegistryLogin | None = None
) -> ContainerRegistryError:
    """The error for a registry that failed a push, pull or look-up of ``image``: a refused login
    says where the credentials came from and how to give them; the password never appears."""
    host = _image_host(image) or "docker.io"
    detail = str(getattr(error, "explanation", None) or error).strip()
    registry = login.registry if login is not None else None
    # Only what was already resolved: a failure message never resolves a secret.
    credentials = login.resolved if login is not None else None
    if login is not None:
        detail = login.mask(detail)
    name = registry.name if registry is not None else "NAME"
    if _AUTH_FAILURE.search(detail):
        if credentials is not None:
            return ContainerRegistryError(
                f"Container registry {host} refused the login of user '{credentials.username}' "
                f"from {credentials.source} for image {image}: {detail}. Fix the username and "
                f"password (zenml-airflow container-registry update {name} --username=USER "
                "--password='{{secret_name.key}}', or the secret it references)."
            )
        return ContainerRegistryError(
            f"Container registry {host} requires a login for image {image}: {detail}. Give "
            f"credentials: zenml-airflow secret register registry_creds --password=... and "
            f"zenml-airflow container-registry update {name} --username=USER "
            "--password='{{registry_creds.password}}'; or --airflow_connection_id=CONN_ID (an "
            f"Airflow docker Connection); or log the Docker engine in: docker login {host}."
        )
    return ContainerRegistryError(
        f"Container registry {host} cannot be reached or refused image {image}: "
        f"{detail}. Start the registry, or fix the container registry's uri (zenml-airflow "
        "container-registry register NAME --flavor default --uri=HOST:PORT) and its credentials."
    )


def _build(client: DockerClient, plan: ImagePlan, pipeline: str) -> str:
    log: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    with tempfile.TemporaryDirectory(prefix="zenml-image-") as tmp:
        _write_context(plan, Path(tmp))
        # No bridge network exists on hosts like ours, and pip needs the network: host mode.
        stream: Iterator[dict[str, Any]] = client.api.build(
            path=tmp,
            tag=plan.image,
            rm=True,
            forcerm=True,
            network_mode="host",
            decode=True,
        )
        for chunk in stream:
            text = _ANSI.sub("", chunk.get("stream") or "")
            log.extend(line for line in text.splitlines() if line.strip())
            if "error" in chunk:
                log.append(str(chunk["error"]).rstrip())
                tail = "\n".join(log)
                raise ImageBuildError(
                    f"Building image {plan.image} for pipeline '{pipeline}' failed: "
                    f"{str(chunk['error']).strip()}\nLast lines of the build log:\n{tail}\nFix the "
                    "failing requirement or code and build again."
                )
    image_id = _local_image_id(client, plan.image)
    if image_id is None:  # pragma: no cover - the engine reported success without an image
        raise ImageBuildError(f"Docker reported building {plan.image} but has no such image.")
    return image_id


def _push(
    client: DockerClient,
    plan: ImagePlan,
    login: RegistryLogin,
) -> str:
    digest: str | None = None
    try:
        stream = client.api.push(
            plan.repository,
            tag=plan.tag,
            stream=True,
            decode=True,
            auth_config=login.auth_config(plan.image),
        )
        for chunk in stream:
            if "error" in chunk:
                failure = RuntimeError(str(chunk["error"]).strip())
                raise _unreachable(plan.image, failure, login)
            aux = chunk.get("aux") or {}
            if "Digest" in aux:
                digest = str(aux["Digest"])
    except ContainerRegistryError:
        raise
    except Exception as error:  # the SDK's APIError or a connection error
        raise _unreachable(plan.image, error, login) from error
    if digest is None:  # pragma: no cover - a registry that accepts a push reports the digest
        raise ContainerRegistryError(f"Pushing {plan.image} gave no digest; push it again.")
    return f"{plan.repository}@{digest}"


def build_image(
    inputs: ImageInputs,
    *,
    registry: ContainerRegistryComponent | None = None,
    parent_image: str | None = None,
    constraints: str | os.PathLike[str] | None = None,
    push: bool = True,
    build: bool = True,
    client: DockerClient | None = None,
) -> BuiltImage:
    """Make sure the image of ``inputs`` exists (and is in ``registry``); build and push only what
    is missing.

    Args:
        registry: where the image is pushed (its ``uri`` prefixes the repository); ``None`` keeps
            it in the local engine only.
        parent_image: the ``FROM`` image (default :func:`default_parent_image`).
        constraints: a pip constraints file the requirements follow (default
            ``$ZENML_AIRFLOW_IMAGE_CONSTRAINTS``, else the versions installed here).
        push: push to ``registry`` (when there is one) after building.
        build: ``False`` only looks the image up and raises when it does not exist.

    Raises:
        DockerUnavailableError, ImageBuildError, ContainerRegistryError: with what to do.
    """
    started = time.perf_counter()
    client = client or docker_client()
    login = RegistryLogin(registry)
    plan = plan_image(
        inputs,
        registry=registry,
        parent_image=parent_image,
        constraints=constraints,
        client=client,
        login=login,
    )
    found = _local_image(client, plan.image)
    image_id = None if found is None else str(found.id)
    remote = None
    if registry is not None:
        remote = _pushed_digest(found, plan.repository) or _registry_digest(client, plan, login)
    built = pushed = False
    if image_id is None and remote is None:
        if not build:
            where = f"locally or in {registry.uri}" if registry is not None else "locally"
            raise ContainerRegistryError(
                f"No image {plan.image} for pipeline '{inputs.name}' exists {where}. Build it "
                "with `zenml-airflow image build SOURCE`, or drop --no-build."
            )
        logger.info("Building image %s", plan.image)
        image_id = _build(client, plan, inputs.name)
        built = True
    if registry is not None and remote is None and push:
        logger.info("Pushing image %s", plan.image)
        remote = _push(client, plan, login)
        pushed = True
    return BuiltImage(
        image=plan.image,
        digest=remote,
        image_id=image_id,
        built=built,
        pushed=pushed,
        source_roots=dict(plan.source_roots),
        seconds=time.perf_counter() - started,
    )


def pull_image(
    image: str,
    *,
    registry: ContainerRegistryComponent | None = None,
    client: DockerClient | None = None,
) -> str:
    """Pull ``image`` (a tag or ``repository@sha256:...``) with ``registry``'s credentials when it
    is in that registry, and return the local image id.

    Raises:
        DockerUnavailableError: without the docker SDK or engine.
        ContainerRegistryError: the registry cannot be reached, refuses the login or lacks the
            image (the password never appears in the message).
    """
    client = client or docker_client()
    login = RegistryLogin(registry)
    docker = _sdk()
    try:
        pulled = client.images.pull(image, auth_config=login.auth_config(image))
    except docker.errors.NotFound as error:
        detail = login.mask(str(error.explanation or error))
        raise ContainerRegistryError(
            f"Image {image} is not in its registry ({detail}). Build and push it: "
            "zenml-airflow image build SOURCE."
        ) from error
    except docker.errors.APIError as error:
        raise _unreachable(image, error, login) from error
    return str(pulled.id)
