"""The docker step operator: a step runs in a container of the pipeline's image, cache first."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.images.conftest import docker_engine, registry  # noqa: F401 - session fixtures
from zenml_airflow.enums import ExecutionStatus, StackComponentType
from zenml_airflow.exceptions import StepExecutionError
from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import DockerStepOperatorComponent
from zenml_airflow.step_operators.docker import STEP_RUN_LABEL

STEPS = textwrap.dedent(
    '''
    """Steps the docker step operator tests run, some in a container."""

    import os
    import socket
    import sys

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import Output, step


    @step(custom_step_operator="box", resources={"cpu": 1, "memory": "512Mi"})
    def inside() -> Output(dockerenv=bool, prefix=str, host=str):
        return os.path.exists("/.dockerenv"), sys.prefix, socket.gethostname()


    @step
    def outside(prefix: str) -> Output(mine=str, theirs=str):
        return sys.prefix, prefix


    @pipeline
    def boxed(inside, outside):
        _, prefix, _ = inside()
        outside(prefix=prefix)


    @pipeline
    def boxed_pg(inside, outside):
        _, prefix, _ = inside()
        outside(prefix=prefix)


    @step(custom_step_operator="box")
    def sleepy() -> int:
        import time

        time.sleep(600)
        return 1


    @pipeline
    def sleeping(sleepy):
        sleepy()


    @step(custom_step_operator="box")
    def broken() -> int:
        raise ValueError("broken in a box")


    @pipeline
    def failing(broken):
        broken()
    '''
)


@pytest.fixture(scope="module")
def steps_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("docker-steps")
    (root / "docker_steps.py").write_text(STEPS, encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("docker_steps")
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("docker_steps", None)


#: Image repositories of the pipelines this module builds.
PIPELINE_IMAGES = (
    "zenml-boxed",
    "zenml-boxed_pg",
    "zenml-failing",
    "zenml-greedy_pipeline",
    "zenml-killed_docker",
    "zenml-sleeping",
)


@pytest.fixture(scope="module", autouse=True)
def _keep_only_the_newest_images(request: pytest.FixtureRequest) -> Iterator[None]:
    """Afterwards only the newest image of each of this module's pipelines stays in the engine
    (the next session's build cache): each session's wheel differs, so they would pile up."""
    yield
    if "docker_engine" not in request.fixturenames:
        return
    client = request.getfixturevalue("docker_engine")
    by_repository: dict[str, list[tuple[str, str]]] = {}
    for found in client.images.list():
        for tag in found.tags:
            repository = tag.rsplit(":", 1)[0]
            if repository.rsplit("/", 1)[-1] in PIPELINE_IMAGES:
                by_repository.setdefault(repository, []).append((found.attrs["Created"], tag))
    for tags in by_repository.values():
        for _, tag in sorted(tags)[:-1]:
            client.images.remove(tag, force=True)
    client.images.prune(filters={"dangling": True})


def use_docker(registry_component: Any, **config: object) -> Stack:
    """Register and activate a stack: the default one plus docker step operator 'box' and the
    test registry."""
    repo = Repository()
    default = repo.active_stack
    stack = Stack(
        "with-docker",
        orchestrator=default.orchestrator,
        metadata_store=default.metadata_store,
        artifact_store=default.artifact_store,
        step_operator=DockerStepOperatorComponent.from_config("box", dict(config)),
        container_registry=registry_component,
    )
    repo.register_stack(stack, activate=True)
    return stack


def _describe_run_json(name: str) -> Any:
    import json

    from click.testing import CliRunner

    from zenml_airflow.cli.main import cli

    result = CliRunner().invoke(cli, ["pipeline", "describe-run", name, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def created_containers(client: Any, since: float) -> int:
    """Containers of step runs the engine created since ``since`` (removed ones included)."""
    events = client.events(
        since=int(since), until=int(time.time()) + 1, decode=True,
        filters={"type": "container", "event": "create", "label": STEP_RUN_LABEL},
    )  # fmt: skip
    # The API takes whole seconds; the events' own nanosecond times decide.
    return sum(1 for event in events if event["timeNano"] >= since * 1e9)


def test_a_docker_step_runs_in_a_container_the_rest_in_process_and_a_rerun_is_cached(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
) -> None:
    use_docker(registry)
    since = time.time()
    started = time.perf_counter()
    run = steps_module.boxed(inside=steps_module.inside(), outside=steps_module.outside()).run()
    first = time.perf_counter() - started
    assert run.status is ExecutionStatus.COMPLETED
    inside, outside = run.get_step("inside"), run.get_step("outside")
    assert inside.outputs["dockerenv"].read() is True
    assert inside.outputs["prefix"].read() == "/opt/zenml-venv"  # the image's environment
    assert inside.outputs["host"].read() == os.uname().nodename  # host network: same name
    assert outside.outputs["mine"].read() == sys.prefix
    assert outside.outputs["theirs"].read() == "/opt/zenml-venv"
    # Lineage as in-process: the downstream step's input is the container step's output.
    assert outside.inputs["prefix"].id == inside.outputs["prefix"].id
    records = {s.name: s for s in Repository().active_stack.metadata_store.open_store()
               .list_step_runs(run.id)}  # fmt: skip
    assert records["inside"].image is not None
    assert records["inside"].image.startswith(f"{registry.uri}/zenml-boxed@sha256:")
    assert records["outside"].image is None
    assert run.get_step("inside").image == records["inside"].image
    described = _describe_run_json(run.name)
    assert {s["name"]: s["image"] for s in described["steps"]} == {
        "inside": records["inside"].image,
        "outside": None,
    }
    assert created_containers(docker_engine, since) == 1
    assert docker_engine.containers.list(all=True, filters={"label": STEP_RUN_LABEL}) == []

    since = time.time()
    started = time.perf_counter()
    again = steps_module.boxed(inside=steps_module.inside(), outside=steps_module.outside()).run()
    cached = time.perf_counter() - started
    assert [s.status for s in again.steps] == [ExecutionStatus.CACHED] * 2
    assert created_containers(docker_engine, since) == 0
    print(f"\nfirst run (build + container) {first:.2f}s, cached rerun {cached:.2f}s")


def test_a_failing_step_in_a_container_is_recorded_failed_with_its_error(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
) -> None:
    use_docker(registry)
    with pytest.raises(StepExecutionError, match=r"broken in a box.*step operator 'box'"):
        steps_module.failing(broken=steps_module.broken()).run()
    pipeline = Repository().get_pipeline("failing")
    assert pipeline is not None
    run = pipeline.runs[-1]
    step = run.get_step("broken")
    assert step.status is ExecutionStatus.FAILED
    assert step.outputs == {}
    store = Repository().active_stack.metadata_store.open_store()
    (record,) = store.list_step_runs(run.id)
    assert "ValueError: broken in a box" in (record.error or "")
    assert record.image is not None and "@sha256:" in record.image
    assert docker_engine.containers.list(all=True, filters={"label": STEP_RUN_LABEL}) == []


def test_a_configured_image_runs_the_step_and_its_digest_is_recorded(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
) -> None:
    use_docker(registry)
    pipeline = steps_module.boxed(inside=steps_module.inside(), outside=steps_module.outside())
    pipeline.run()  # the pipeline's image, built (or found) and pushed
    store = Repository().active_stack.metadata_store.open_store()
    last = Repository().get_pipeline("boxed").runs[-1]  # type: ignore[union-attr]
    built = {s.name: s for s in store.list_step_runs(last.id)}
    digest = built["inside"].image
    assert digest is not None and "@sha256:" in digest
    tagged = f"{digest.split('@')[0]}:configured"
    docker_engine.images.get(digest).tag(tagged)
    try:
        Repository().update_stack_component(
            "box",
            StackComponentType.STEP_OPERATOR,
            DockerStepOperatorComponent.from_config("box", {"image": tagged}),
        )
        since = time.time()
        run = steps_module.boxed(inside=steps_module.inside(), outside=steps_module.outside())
        finished = run.run()
        # Another cache identity (the configured reference): the step runs again, in it.
        assert finished.get_step("inside").status is ExecutionStatus.COMPLETED
        assert finished.get_step("inside").outputs["dockerenv"].read() is True
        assert created_containers(docker_engine, since) == 1
        records = {s.name: s for s in store.list_step_runs(finished.id)}
        assert records["inside"].image == digest  # the tag names the same pushed content
    finally:
        docker_engine.images.remove(tagged)


def test_the_cache_identity_follows_the_image_content_without_starting_anything(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from zenml_airflow.core.spec import PipelineSpec
    from zenml_airflow.images import ImageInputs, plan_image
    from zenml_airflow.step_operators.docker import DockerStepOperator

    stack = use_docker(registry)
    (tmp_path / "code.py").write_text("A = 1\n")
    spec = PipelineSpec(name="identity", steps=[], source_roots=[str(tmp_path)])
    operator = DockerStepOperator(DockerStepOperatorComponent.from_config("box", {}))
    operator.bind(stack, spec)
    since = time.time()
    first = operator.cache_identity()
    tag = plan_image(ImageInputs.from_spec(spec), registry=registry).tag
    assert tag in first
    assert operator.cache_identity() == first  # planned once per process and spec
    (tmp_path / "code.py").write_text("A = 2\n")
    changed = spec.model_copy(update={"dag_id": "changed"})  # a new compile of the changed code
    operator.bind(stack, changed)
    assert operator.cache_identity() != first
    configured = DockerStepOperator(
        DockerStepOperatorComponent.from_config("box", {"image": "x/y:1"})
    )
    assert "x/y:1" in configured.cache_identity()
    assert created_containers(docker_engine, since) == 0


def test_a_step_over_its_memory_limit_fails_saying_so(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    use_docker(registry)
    source = tmp_path / "greedy_steps.py"
    source.write_text(
        textwrap.dedent("""
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.steps import step

        @step(custom_step_operator="box", resources={"memory": "64Mi"})
        def greedy() -> int:
            hog = bytearray(512 * 1024 * 1024)
            return len(hog)

        @pipeline
        def greedy_pipeline(greedy):
            greedy()
        """)
    )
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("greedy_steps")
        with pytest.raises(StepExecutionError, match=r"exceeding its memory limit \(64 MiB"):
            module.greedy_pipeline(greedy=module.greedy()).run()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("greedy_steps", None)
    assert docker_engine.containers.list(all=True, filters={"label": STEP_RUN_LABEL}) == []


def test_a_large_launch_document_is_passed_as_a_mounted_file(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zenml_airflow.step_operators import docker as docker_flavor

    monkeypatch.setattr(docker_flavor, "MAX_LAUNCH_ARGUMENT", 10)
    use_docker(registry)
    # The entrypoint reads the document from the mounted file and runs the (failing) step.
    with pytest.raises(StepExecutionError, match=r"broken in a box"):
        steps_module.failing(broken=steps_module.broken()).run()


def test_a_killed_run_takes_its_container_with_it(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    use_docker(registry)
    source = tmp_path / "killed_docker.py"
    source.write_text(
        textwrap.dedent("""
        import time
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.steps import step

        @step(custom_step_operator="box")
        def sleepy() -> int:
            time.sleep(600)
            return 1

        @pipeline
        def killed_docker(sleepy):
            sleepy()

        killed_docker(sleepy=sleepy()).run()
        """)
    )
    parent = subprocess.Popen(
        [sys.executable, str(source)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    labelled = {"label": STEP_RUN_LABEL}
    deadline = time.monotonic() + 180
    while not docker_engine.containers.list(filters=labelled):
        assert parent.poll() is None, parent.stderr.read() if parent.stderr else ""
        assert time.monotonic() < deadline, "the container never started"
        time.sleep(0.2)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while docker_engine.containers.list(all=True, filters=labelled):
        assert time.monotonic() < deadline, "the container outlived its run"
        time.sleep(0.2)
    run = Repository().get_pipeline("killed_docker").runs[-1]  # type: ignore[union-attr]
    assert run.get_step("sleepy").status is ExecutionStatus.FAILED


def test_a_configured_image_that_does_not_exist_fails_the_step_naming_the_fix(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
) -> None:
    missing = f"{registry.uri}/no-such-image:1"
    use_docker(registry, image=missing)
    with pytest.raises(
        StepExecutionError,
        match=rf"Step 'broken': step operator 'box' has no image to run it in: .*{missing}.*"
        r"neither in the Docker engine nor pullable.*step-operator update box --image",
    ):
        steps_module.failing(broken=steps_module.broken()).run()
    run = Repository().get_pipeline("failing").runs[-1]  # type: ignore[union-attr]
    assert run.get_step("broken").status is ExecutionStatus.FAILED


def test_an_unreachable_registry_fails_the_step_naming_the_registry(
    docker_engine: Any,  # noqa: F811
    steps_module: Any,
) -> None:
    from zenml_airflow.stack.components.container_registry import (
        DefaultContainerRegistryComponent,
    )

    nowhere = DefaultContainerRegistryComponent.from_config("nowhere", {"uri": "127.0.0.1:9"})
    use_docker(nowhere)
    with pytest.raises(
        StepExecutionError, match=r"Container registry 127.0.0.1:9 cannot be reached"
    ):
        steps_module.failing(broken=steps_module.broken()).run()


def test_a_docker_step_writes_its_lineage_to_postgresql_over_the_host_network(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
    tmp_path: Path,
) -> None:
    import sqlalchemy as sa

    from zenml_airflow.stack.components import (
        LocalArtifactStoreComponent,
        PostgreSQLMetadataStoreComponent,
    )

    value = os.environ.get("ZENML_AIRFLOW_TEST_POSTGRES_URL")
    if not value:
        pytest.fail(
            'ZENML_AIRFLOW_TEST_POSTGRES_URL is not set: eval "$(scripts/services.sh env)" '
            "(make test-heavy does it)."
        )
    url = sa.make_url(value)
    assert url.host is not None and url.database is not None
    postgres = PostgreSQLMetadataStoreComponent(
        name="pg", host=url.host, port=url.port, database=url.database,
        username=url.username, password=url.password,
    )  # fmt: skip
    postgres.open_store().migrate()
    repo = Repository()
    stack = Stack(
        "docker-on-postgres",
        orchestrator=repo.active_stack.orchestrator,
        metadata_store=postgres,
        artifact_store=LocalArtifactStoreComponent(name="pg-artifacts", path=str(tmp_path)),
        step_operator=DockerStepOperatorComponent.from_config("box", {}),
        container_registry=registry,
    )
    repo.register_stack(stack, activate=True)
    since = time.time()
    run = steps_module.boxed_pg(inside=steps_module.inside(), outside=steps_module.outside()).run()
    assert created_containers(docker_engine, since) == 1
    inside, outside = run.get_step("inside"), run.get_step("outside")
    assert inside.status is ExecutionStatus.COMPLETED
    assert inside.outputs["dockerenv"].read() is True
    assert outside.inputs["prefix"].id == inside.outputs["prefix"].id
    assert inside.image is not None and "/zenml-boxed_pg@sha256:" in inside.image


def test_an_interrupted_launch_removes_its_container_at_once(
    docker_engine: Any,  # noqa: F811
    registry: Any,  # noqa: F811
    steps_module: Any,
) -> None:
    """Airflow's task timeout raises in the task's main thread (SIGALRM); here a signal raises
    once the container runs: the container is gone when the exception leaves ``p.run()``."""
    import threading

    class Interrupted(Exception):
        pass

    def interrupt(signum: int, frame: Any) -> None:
        raise Interrupted("timed out")

    labelled = {"label": STEP_RUN_LABEL}
    main = threading.get_ident()

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if docker_engine.containers.list(filters=labelled):
                signal.pthread_kill(main, signal.SIGUSR1)
                return
            time.sleep(0.1)

    use_docker(registry)
    previous = signal.signal(signal.SIGUSR1, interrupt)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with pytest.raises(Interrupted):
            steps_module.sleeping(sleepy=steps_module.sleepy()).run()
    finally:
        signal.signal(signal.SIGUSR1, previous)
        watcher.join(timeout=5)
    assert docker_engine.containers.list(all=True, filters=labelled) == []
    run = Repository().get_pipeline("sleeping").runs[-1]  # type: ignore[union-attr]
    assert run.get_step("sleepy").status is ExecutionStatus.FAILED
