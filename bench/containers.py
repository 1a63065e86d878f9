"""Area 8: container images and steps in containers (issue 17).

- "Nothing changed": ``build_image`` of an image that exists (built and pushed before) in a warm
  process: plan (parent id, pins, wheel fingerprint, code hash) + the local engine lookup. Target
  < 50 ms.
- Code-only change: ``build_image`` rebuilding and pushing after one source file changed, against
  a plain ``docker build`` (CLI) of the same change from the same build context, and a plain
  ``docker build`` + ``docker push``. Samples interleaved, each with a new change.
- Cached task: ``execute_step_task`` (the function an Airflow task runs) with a compiled spec, for
  a cached docker step and a cached in-process step doing the same work: the cache is checked in
  the task, so no container starts (counted). Target <= 1.1x. The ratio is the median of per-pair
  ratios (samples interleaved).
- Uncached step in a container: the same docker step with caching off, against the in-process
  step with caching off and ``docker run --network host IMAGE python -c pass``; the overhead is
  docker task - in-process task - ``docker run``; ``docker run`` of the step entrypoint's imports
  shows how much of it is imports.

The Docker engine and registry of ``scripts/docker.sh`` are started when they do not run (this
needs root); without them the area prints ``skipped: no Docker engine``. Images the bench tags
are removed from the engine afterwards (the registry keeps its small manifests).

``python containers.py`` prints JSON.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common import REPO, emit, quiet_logging, reps, stats

SCRIPT = REPO / "scripts" / "docker.sh"
PLAIN_REPOSITORY = "bench-plain"
ENTRYPOINT = "import zenml_airflow.execution.entrypoint"

STEPS = textwrap.dedent(
    '''
    """Steps of the container bench: the same work in a container and in process."""

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import step

    MARKER = 0


    @step(custom_step_operator="box")
    def boxed() -> int:
        return 41


    @step
    def local() -> int:
        return 41


    @step(custom_step_operator="box", enable_cache=False)
    def boxed_fresh() -> int:
        return 41


    @step(enable_cache=False)
    def local_fresh() -> int:
        return 41


    @pipeline
    def bench_containers(boxed, local, boxed_fresh, local_fresh):
        boxed()
        local()
        boxed_fresh()
        local_fresh()
    '''
)


def engine_environment() -> str | None:
    """Export the environment of scripts/docker.sh's engine, starting it if needed; the reason
    when it cannot run."""
    if subprocess.run([SCRIPT, "running"], capture_output=True).returncode != 0:
        up = subprocess.run([SCRIPT, "up"], capture_output=True, text=True)
        if up.returncode != 0:
            return "scripts/docker.sh up failed: " + " ".join(up.stderr.splitlines()[-3:])
    env = subprocess.run([SCRIPT, "env"], capture_output=True, text=True, check=True).stdout
    for line in env.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        os.environ[name] = value.strip("'\"")
    os.environ["ZENML_AIRFLOW_PARENT_IMAGE"] = os.environ["ZENML_AIRFLOW_TEST_BASE_IMAGE"]
    os.environ["ZENML_AIRFLOW_IMAGE_CONSTRAINTS"] = str(REPO / "constraints.txt")
    return None


def change_code(root: Path, marker: int) -> None:
    path = root / "bench_container_steps.py"
    text = path.read_text(encoding="utf-8")
    head, _, tail = text.partition("MARKER = ")
    path.write_text(head + f"MARKER = {marker}" + tail[tail.index("\n") :], encoding="utf-8")


def image_figures(root: Path, registry: Any, created: list[str]) -> dict[str, Any]:
    from zenml_airflow.images import ImageInputs, build_image, builder, docker_client

    client = docker_client()
    inputs = ImageInputs(name="bench_containers", source_roots=(str(root),))
    first = build_image(inputs, registry=registry, client=client)
    created.append(first.image)
    build_image(inputs, registry=registry, client=client)  # warm-up of the check
    unchanged = []
    for _ in range(reps(15, 3)):
        started = time.perf_counter()
        again = build_image(inputs, registry=registry, client=client)
        unchanged.append(time.perf_counter() - started)
        assert not (again.built or again.pushed)
    ours, ours_build, plain_build, plain_push = [], [], [], []
    marker = 1000
    for i in range(reps(5)):
        marker += 1
        change_code(root, marker)
        started = time.perf_counter()
        image = build_image(inputs, registry=registry, client=client)
        ours.append(time.perf_counter() - started)
        created.append(image.image)
        assert image.built and image.pushed
        # The same kind of change, built by the docker CLI from the same context.
        marker += 1
        change_code(root, marker)
        plan = builder.plan_image(inputs, registry=registry, client=client)
        with tempfile.TemporaryDirectory(prefix="bench-plain-") as context:
            builder._write_context(plan, Path(context))  # the builder's own context layout
            tag = f"{registry.uri}/{PLAIN_REPOSITORY}:{i}-{marker}"
            started = time.perf_counter()
            subprocess.run(
                ["docker", "build", "-q", "--network", "host", "-t", tag, context],
                check=True,
                capture_output=True,
            )
            built = time.perf_counter() - started
            subprocess.run(["docker", "push", "-q", tag], check=True, capture_output=True)
            plain_build.append(built)
            plain_push.append(time.perf_counter() - started)
            created.append(tag)
        ours_build.append(image.seconds)
    return {
        "image": first.image,
        "first_build_s": first.seconds,
        "first_built": first.built,
        "nothing_changed_s": stats(unchanged),
        "code_change_build_push_s": stats(ours),
        "plain_docker_build_s": stats(plain_build),
        "plain_docker_build_push_s": stats(plain_push),
        "ratio_vs_plain_build": statistics.median(ours) / statistics.median(plain_build),
        "ratio_vs_plain_build_push": statistics.median(ours) / statistics.median(plain_push),
    }


def created_containers(client: Any, since: float) -> int:
    from zenml_airflow.step_operators.docker import STEP_RUN_LABEL

    events = client.events(
        since=int(since),
        until=int(time.time()) + 1,
        decode=True,
        filters={"type": "container", "event": "create", "label": STEP_RUN_LABEL},
    )
    return sum(1 for event in events if event["timeNano"] >= since * 1e9)


def task_figures(module: Any, registry: Any, created: list[str]) -> dict[str, Any]:
    from zenml_airflow.compiler.compile import build_spec
    from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV
    from zenml_airflow.images import docker_client
    from zenml_airflow.repository import Repository
    from zenml_airflow.runtime.execute import execute_step_task
    from zenml_airflow.stack import Stack
    from zenml_airflow.stack.components import DockerStepOperatorComponent

    os.environ[PREVENT_EXECUTION_ENV] = ""
    repo = Repository()
    default = repo.active_stack
    stack = Stack(
        "bench-docker",
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=default.artifact_store,
        step_operator=DockerStepOperatorComponent.from_config("box", {}),
        container_registry=registry,
    )
    repo.register_stack(stack, activate=True)
    pipeline = module.bench_containers(
        boxed=module.boxed(),
        local=module.local(),
        boxed_fresh=module.boxed_fresh(),
        local_fresh=module.local_fresh(),
    )
    spec, _ = build_spec(pipeline, stack=stack)
    dag_id = spec.dag_id or spec.name
    client = docker_client()
    runs = iter(range(1, 10_000))

    def task(step: str) -> tuple[float, dict[str, Any]]:
        context = {
            "run_id": f"manual__{next(runs)}",
            "ti": SimpleNamespace(dag_id=dag_id, try_number=1),
        }
        started = time.perf_counter()
        result = execute_step_task(spec, step, context)
        return time.perf_counter() - started, result

    for step in ("boxed", "local"):  # misses: fill the cache (and warm the engine)
        assert task(step)[1]["status"] == "completed"
    boxed, local, ratios = [], [], []
    since = time.time()
    for _ in range(reps(15, 3)):
        seconds_local, result = task("local")
        assert result["status"] == "cached"
        seconds_boxed, result = task("boxed")
        assert result["status"] == "cached"
        local.append(seconds_local)
        boxed.append(seconds_boxed)
        ratios.append(seconds_boxed / seconds_local)
    cached_containers = created_containers(client, since)

    assert spec.image is not None
    image = spec.image.run_reference
    created.append(spec.image.reference)  # the last one stays: the next run's build cache
    task("boxed_fresh")  # warm-up
    task("local_fresh")
    fresh_boxed, fresh_local, docker_run, docker_import = [], [], [], []
    for _ in range(reps(5)):
        seconds, result = task("boxed_fresh")
        assert result["status"] == "completed"
        fresh_boxed.append(seconds)
        fresh_local.append(task("local_fresh")[0])
        started = time.perf_counter()
        subprocess.run(
            ["docker", "run", "--rm", "--network", "host", image, "python", "-c", "pass"],
            check=True,
            capture_output=True,
        )
        docker_run.append(time.perf_counter() - started)
        # Part of the overhead: the step entrypoint's imports in the container.
        started = time.perf_counter()
        subprocess.run(
            ["docker", "run", "--rm", "--network", "host", image, "python", "-c", ENTRYPOINT],
            check=True,
            capture_output=True,
        )
        docker_import.append(time.perf_counter() - started)
    overhead = [
        boxed_s - local_s - run_s
        for boxed_s, local_s, run_s in zip(fresh_boxed, fresh_local, docker_run, strict=True)
    ]
    return {
        "image": image,
        "cached_docker_task_s": stats(boxed),
        "cached_in_process_task_s": stats(local),
        "cached_ratio": statistics.median(ratios),
        "containers_started_by_cached_tasks": cached_containers,
        "uncached_docker_task_s": stats(fresh_boxed),
        "uncached_in_process_task_s": stats(fresh_local),
        "docker_run_python_pass_s": stats(docker_run),
        "docker_run_import_entrypoint_s": stats(docker_import),
        "uncached_overhead_beyond_docker_run_s": stats(overhead),
    }


def cleanup(created: list[str]) -> None:
    from zenml_airflow.images import docker_client

    client = docker_client()
    keep = created[-1] if created else None  # the next run's build cache
    for tag in sorted(set(created) - {keep}):
        # Already gone, or still used by a container: the bench goes on.
        with contextlib.suppress(Exception):
            client.images.remove(tag, force=True)
    client.images.prune(filters={"dangling": True})


def main() -> None:
    reason = engine_environment()
    if reason is not None:
        emit({"skipped": f"no Docker engine ({reason})"})
        return
    try:
        import docker  # noqa: F401
    except ImportError:
        emit({"skipped": "no Docker engine (the docker SDK is not installed: extra 'docker')"})
        return
    work = Path(tempfile.mkdtemp(prefix="bench-containers-"))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    os.chdir(work)
    root = work / "project"
    root.mkdir()
    (root / "bench_container_steps.py").write_text(STEPS, encoding="utf-8")
    sys.path.insert(0, str(root))
    quiet_logging()
    import importlib

    from zenml_airflow.stack.components.container_registry import (
        DefaultContainerRegistryComponent,
    )

    registry = DefaultContainerRegistryComponent.from_config(
        "local", {"uri": os.environ["ZENML_AIRFLOW_TEST_REGISTRY"]}
    )
    created: list[str] = []
    result: dict[str, Any] = {}
    try:
        result["images"] = image_figures(root, registry, created)
        change_code(root, 0)  # the module the tasks import is the original again
        module = importlib.import_module("bench_container_steps")
        result["tasks"] = task_figures(module, registry, created)
    finally:
        cleanup(created)
    emit(result)


if __name__ == "__main__":
    main()
