"""The ``docker`` step operator: a step runs in a container of the pipeline's image.

On a cache miss (the orchestrator side checks the cache first, ADR 0018) the step's body runs as
``python -m zenml_airflow.execution.entrypoint --launch-json ...`` in a container of:

- the component's ``image`` when set (its source root mapping is read from the image's
  ``io.zenml-airflow.source-roots`` label when it has one), else
- the pipeline's image recorded in a compiled spec (``pipeline compile|deploy`` built and pushed
  it: a task neither plans nor hashes anything, and its cache identity is the recorded tag), else
- the pipeline's image built by :mod:`zenml_airflow.images` (source roots, the requirements of
  the pipeline's integrations and the user's, zenml-airflow itself), pushed to the stack's
  container registry when it has one (``p.run()``). Resolved once per process and spec: a
  pipeline of ten docker steps hashes its code once, and the build is skipped when an image with
  the content-addressed tag exists.

The container uses the host network (stores on 127.0.0.1 are reachable), has the paths of local
stores bind-mounted at the same path, runs as the calling user, and is labelled with
:data:`STEP_RUN_LABEL`. One container per try; it is removed afterwards, and also when the
waiting process is interrupted or killed (a small reaper process, in its own session, removes it
once the waiting process's pipe closes). Per-step ``resources`` become container limits.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenml_airflow.core.spec import PipelineSpec, ResourceSpec
from zenml_airflow.execution.launch import RESULT_PREFIX, StepLaunch
from zenml_airflow.stack.components.step_operator import DockerStepOperatorComponent
from zenml_airflow.stack.stack import Stack
from zenml_airflow.step_operators.base import (
    ENTRYPOINT_MODULE,
    MAX_LAUNCH_ARGUMENT,
    OUTPUT_TAIL_LINES,
    BaseStepOperator,
    StepOperatorError,
    _parse_result,
)
from zenml_airflow.step_operators.environment import image_inputs

#: Label on every container this flavor starts: the id of the step run it runs.
STEP_RUN_LABEL = "io.zenml-airflow.step-run"
_SOURCE_ROOTS_LABEL = "io.zenml-airflow.source-roots"


@dataclass(frozen=True)
class ResolvedImage:
    """The image a step runs in.

    Attributes:
        run: the reference the container is created from (the registry digest when pushed).
        recorded: what the step run records: ``repository@sha256:...`` when the image has a
            registry digest, else ``reference (image id)``.
        source_roots: compiling machine directory -> directory in the image.
    """

    run: str
    recorded: str
    source_roots: Mapping[str, str]


_resolved: dict[str, ResolvedImage] = {}
_planned: dict[str, str] = {}
_lock = threading.Lock()


def container_limits(resources: ResourceSpec | None) -> dict[str, Any]:
    """The docker SDK arguments enforcing a step's ``resources``: ``nano_cpus``, ``mem_limit``
    (no swap beyond it) and a GPU ``device_requests`` (needs the NVIDIA container toolkit)."""
    if resources is None:
        return {}
    limits: dict[str, Any] = {}
    if resources.cpu is not None:
        limits["nano_cpus"] = int(resources.cpu * 1_000_000_000)
    if resources.memory_mb is not None:
        limits["mem_limit"] = f"{resources.memory_mb}m"
        limits["memswap_limit"] = f"{resources.memory_mb}m"
    if resources.gpu:
        types = _docker().types
        limits["device_requests"] = [
            types.DeviceRequest(count=resources.gpu, capabilities=[["gpu"]])
        ]
    return limits


def local_store_paths(stack: Stack) -> list[str]:
    """Directories of the stack's local stores, to bind-mount at the same path: a local
    artifact store's directory (created if missing: a container must never write into its own
    file system what the metadata store then records), a sqlite metadata store's directory
    (with its journal files). Paths as configured, not resolved: the container uses those."""
    paths: list[str] = []
    artifact = stack.artifact_store
    path = getattr(artifact, "path", None)
    if artifact.is_local and isinstance(path, str) and path:
        Path(path).mkdir(parents=True, exist_ok=True)
        paths.append(os.path.abspath(path))
    metadata = stack.metadata_store
    uri = getattr(metadata, "uri", None)
    if metadata.is_local and isinstance(uri, str) and uri:
        paths.append(os.path.dirname(os.path.abspath(uri)))
    # A directory inside another mounted one is already visible.
    return sorted({p for p in paths if not any(p != o and p.startswith(o + "/") for o in paths)})


def _docker() -> Any:
    """The docker SDK (typed loosely: it ships no types, and the repository's ``docker/``
    folder would shadow it for mypy)."""
    import importlib

    return importlib.import_module("docker")


def _key(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DockerStepOperator(BaseStepOperator):
    """Runs step bodies in containers of the pipeline's image (or the configured ``image``)."""

    component: DockerStepOperatorComponent

    def __init__(self, component: DockerStepOperatorComponent) -> None:
        super().__init__(component)
        self._client: Any = None

    # --- the engine and the image --------------------------------------------------------------

    def client(self) -> Any:
        """The docker SDK client of ``docker_url`` (default ``DOCKER_HOST``), made once."""
        if self._client is None:
            from zenml_airflow.images import DockerUnavailableError, docker_client

            if self.component.docker_url is None:
                self._client = docker_client()
            else:
                docker = _docker()
                try:
                    self._client = docker.DockerClient(base_url=self.component.docker_url)
                    self._client.ping()
                except docker.errors.DockerException as error:
                    raise DockerUnavailableError(
                        f"Step operator '{self.name}' cannot reach the Docker engine at "
                        f"{self.component.docker_url}: {error}. Start it or fix docker_url "
                        f"(zenml-airflow step-operator update {self.name} --docker_url=...)."
                    ) from error
        return self._client

    def _registry(self) -> Any:
        return self.stack.container_registry if self.stack is not None else None

    def _cache_key(self, spec: PipelineSpec) -> str:
        registry = self._registry()
        return _key(
            spec.model_dump(mode="json", exclude={"stack"}),
            self.component.config,
            getattr(registry, "uri", None),
            os.environ.get("ZENML_AIRFLOW_PARENT_IMAGE"),
        )

    def cache_identity(self) -> str:
        """The configured ``image`` reference, or the content-addressed tag of the pipeline's
        image (its code, requirements, parent image, zenml-airflow): a changed image re-runs
        the step. A compiled spec records the tag (``spec.image``); otherwise planning it
        hashes the code once per process and spec. Nothing starts."""
        if self.component.image is not None:
            return json.dumps({"image": self.component.image})
        if self.spec is None:
            return super().cache_identity()
        if self.spec.image is not None:  # compiled: the tag recorded then, nothing planned
            return json.dumps({"image_tag": self.spec.image.tag})
        key = self._cache_key(self.spec)
        with _lock:
            if key not in _planned:
                from zenml_airflow.images import plan_image

                plan = plan_image(
                    image_inputs(self.spec),
                    registry=self._registry(),
                    parent_image=self.component.parent_image,
                    client=self.client(),
                )
                _planned[key] = plan.tag
            return json.dumps({"image_tag": _planned[key]})

    def resolve_image(self, spec: PipelineSpec) -> ResolvedImage:
        """The image of ``spec``'s docker steps: the configured one, else the image the compiled
        spec records, else the pipeline's image built (once per process and spec; skipped when
        its tag exists) and pushed.

        Raises:
            ImageError: the engine, the build or the registry failed (with what to do).
        """
        if self.component.image is None and spec.image is not None:
            # Built (or found) and pushed at compile time: run exactly that (launch() pulls it
            # on an engine that does not have it; nothing here asks the engine anything).
            recorded = spec.image.digest or spec.image.reference
            return ResolvedImage(spec.image.run_reference, recorded, spec.image.source_roots)
        key = self._cache_key(spec)
        with _lock:
            if key not in _resolved:
                _resolved[key] = (
                    self._configured_image(self.component.image)
                    if self.component.image is not None
                    else self._built_image(spec)
                )
            return _resolved[key]

    def _local_image(self, reference: str, *, fix: str) -> Any:
        """The engine's image ``reference``; pulled first when the engine does not have it, with
        the stack's container registry login when the image is in that registry.

        Raises:
            ContainerRegistryError: it is not in the engine and cannot be pulled (``fix`` says
                what to do).
        """
        docker = _docker()
        client = self.client()
        try:
            return client.images.get(reference)
        except docker.errors.ImageNotFound:
            from zenml_airflow.images import ContainerRegistryError
            from zenml_airflow.images.builder import pull_image

            try:
                return client.images.get(
                    pull_image(reference, registry=self._registry(), client=client)
                )
            except ContainerRegistryError as error:
                raise ContainerRegistryError(
                    f"Step operator '{self.name}': image {reference!r} is neither in the Docker "
                    f"engine nor pullable ({error}). {fix}."
                ) from error

    def _configured_image(self, reference: str) -> ResolvedImage:
        found = self._local_image(
            reference,
            fix="Build and push it, or fix the step operator's image (zenml-airflow "
            f"step-operator update {self.name} --image=...)",
        )
        repository = reference.split("@", 1)[0]
        if ":" in repository.rsplit("/", 1)[-1]:
            repository = repository.rsplit(":", 1)[0]
        digests = [str(d) for d in found.attrs.get("RepoDigests") or []]
        matching = [d for d in digests if d.split("@", 1)[0] == repository]
        recorded = (matching or digests or [f"{reference} ({found.id})"])[0]
        labels = found.attrs.get("Config", {}).get("Labels") or {}
        roots = json.loads(labels[_SOURCE_ROOTS_LABEL]) if _SOURCE_ROOTS_LABEL in labels else {}
        return ResolvedImage(run=reference, recorded=recorded, source_roots=roots)

    def _built_image(self, spec: PipelineSpec) -> ResolvedImage:
        from zenml_airflow.images import build_image

        built = build_image(
            image_inputs(spec),
            registry=self._registry(),
            parent_image=self.component.parent_image,
            client=self.client(),
        )
        if built.digest is not None:
            return ResolvedImage(built.digest, built.digest, dict(built.source_roots))
        return ResolvedImage(
            built.image, f"{built.image} ({built.image_id})", dict(built.source_roots)
        )

    # --- running a step --------------------------------------------------------------------------

    def launch(self, launch: StepLaunch) -> None:
        """Run ``launch``'s step body in a container and wait for it (one container per try).

        Raises:
            StepOperatorError: the image could not be had, the container could not start, or
                the step failed in it (with the step's error and the container's output tail).
        """
        from zenml_airflow.images import ImageError

        step = launch.step.name
        stack = self.stack
        if stack is None:
            from zenml_airflow.stack.snapshot import stack_from_snapshot

            stack = stack_from_snapshot(launch.spec.stack)
        try:
            image = self.resolve_image(launch.spec)
            if self.component.image is None and launch.spec.image is not None:
                # a worker other than the compiling machine may not have it yet
                self._local_image(
                    image.run,
                    fix="Deploy the pipeline again (pipeline deploy builds and pushes its "
                    "image), or check the container registry and its login",
                )
        except ImageError as error:
            raise StepOperatorError(
                f"Step '{step}': step operator '{self.name}' has no image to run it in: {error}",
                step_name=step,
                detail=str(error),
            ) from error
        stack.metadata_store.open_store().set_step_run_image(launch.step_run_id, image.recorded)
        with tempfile.TemporaryDirectory(prefix="zenml-airflow-docker-") as tmp:
            mounts = local_store_paths(stack)
            text = launch.to_json()
            if len(text) <= MAX_LAUNCH_ARGUMENT:
                source = ["--launch-json", text]
            else:
                launch_file = Path(tmp) / "launch.json"
                launch_file.write_text(text, encoding="utf-8")
                launch_file.chmod(0o644)
                Path(tmp).chmod(0o755)
                source = ["--launch", str(launch_file)]
                mounts.append(tmp)
            command = ["python", "-m", ENTRYPOINT_MODULE, *source]
            for old, new in sorted(image.source_roots.items()):
                command += ["--map-root", f"{old}={new}"]
            arguments = self.container_arguments(launch, image.run, command, mounts)
            self._run(arguments, launch)

    def container_arguments(
        self, launch: StepLaunch, image: str, command: list[str], mounts: list[str]
    ) -> dict[str, Any]:
        """The ``containers.create`` arguments of ``launch``'s container."""
        volumes = {path: {"bind": path, "mode": "rw"} for path in mounts}
        user = f"{os.getuid()}:{os.getgid()}" if hasattr(os, "getuid") else None
        return {
            "image": image,
            "command": command,
            "network_mode": "host",  # stores on 127.0.0.1; no bridge network needed
            "volumes": volumes,
            "environment": {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"},
            "labels": {STEP_RUN_LABEL: str(launch.step_run_id)},
            "user": user,
            "detach": True,
            **container_limits(launch.step.resources),
        }

    def _run(self, arguments: Mapping[str, Any], launch: StepLaunch) -> None:
        docker = _docker()
        step = launch.step.name
        client = self.client()
        try:
            container = client.containers.create(**arguments)
        except docker.errors.APIError as error:
            raise StepOperatorError(
                f"Step '{step}': step operator '{self.name}' could not create its container "
                f"from {arguments['image']}: {error.explanation or error}. Check the image and "
                "the Docker engine.",
                step_name=step,
                detail=str(error),
            ) from error
        tail: collections.deque[str] = collections.deque(maxlen=OUTPUT_TAIL_LINES)
        result: str | None = None
        with _reaper(container.id, self.component.docker_url), contextlib.ExitStack() as cleanup:
            cleanup.callback(_remove, container)
            container.start()
            for line in _lines(container.logs(stream=True, follow=True)):
                if line.startswith(RESULT_PREFIX):
                    result = line[len(RESULT_PREFIX) :]
                    continue
                sys.stdout.write(line + "\n")
                tail.append(line)
            code = int(container.wait().get("StatusCode", -1))
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled"))
        self._check(launch, code, _parse_result(result), tail, oom=oom)

    def _check(
        self,
        launch: StepLaunch,
        code: int,
        result: dict[str, Any],
        tail: collections.deque[str],
        *,
        oom: bool,
    ) -> None:
        step = launch.step.name
        if code == 0 and result.get("status") == "completed":
            return
        output = "\n".join(tail) or "(no output)"
        if result.get("status") == "failed":
            raise StepOperatorError(
                f"{result.get('error')} (in step operator '{self.name}')",
                step_name=step,
                detail=f"{result.get('traceback', '')}\nOutput of the container (last "
                f"{OUTPUT_TAIL_LINES} lines):\n{output}",
            )
        how = f"exited with code {code}"
        if oom:
            resources = launch.step.resources
            limit = resources.memory_mb if resources is not None else None
            how += f", killed for exceeding its memory limit ({limit} MiB: raise the step's "
            how += "resources={'memory': ...})"
        raise StepOperatorError(
            f"Step '{step}' in step operator '{self.name}': its container {how} without "
            f"reporting a result. Last output: {tail[-1] if tail else '(none)'}",
            step_name=step,
            detail=f"Output of the container (last {OUTPUT_TAIL_LINES} lines):\n{output}",
        )


def _lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Whole lines of a container's log stream (its chunks split lines anywhere)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            yield raw.decode("utf-8", errors="replace").rstrip("\r")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def _remove(container: Any) -> None:
    with contextlib.suppress(Exception):  # already gone (the reaper, or the engine) is fine
        container.remove(force=True)


@contextlib.contextmanager
def _reaper(container_id: str, docker_url: str | None) -> Iterator[None]:
    """Remove the container if this process dies while it runs (even by SIGKILL, which no
    ``finally`` sees): a reaper process in its own session (Airflow kills the task's process
    group) waits for its stdin pipe to close; closed without the word ``done``, it removes the
    container."""
    process = subprocess.Popen(
        [sys.executable, "-c", _REAPER, container_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "DOCKER_HOST": docker_url} if docker_url else None,
    )
    assert process.stdin is not None
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            process.stdin.write(b"done\n")
            process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)  # told "done", it exits at once


# Only the docker SDK is imported: the reaper starts beside every container.
_REAPER = """
import signal, sys
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
if sys.stdin.buffer.read().strip() != b"done":
    import docker
    try:
        docker.from_env().containers.get(sys.argv[1]).remove(force=True)
    except Exception:
        pass
"""
