"""The docker step operator without an engine: its config, limits, and the step run image column."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from zenml_airflow.core.spec import ResourceSpec
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MetadataStoreError, StackError
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.metadata.schema_migrations import alembic_config
from zenml_airflow.stack.components import DockerStepOperatorComponent
from zenml_airflow.step_operators.docker import container_limits
from zenml_airflow.step_operators.launching import load_step_operator


def test_the_docker_flavor_is_implemented_and_takes_image_or_parent_image() -> None:
    component = DockerStepOperatorComponent.from_config("box", {"parent_image": "python:3.11"})
    assert type(load_step_operator(component)).__name__ == "DockerStepOperator"
    with pytest.raises(StackError, match="either 'image'.*or 'parent_image'"):
        DockerStepOperatorComponent.from_config("box", {"image": "a:1", "parent_image": "b"})


def test_resources_become_container_limits_and_a_gpu_a_device_request() -> None:
    pytest.importorskip("docker")
    limits = container_limits(ResourceSpec(cpu=1.5, memory_mb=512, gpu=2))
    assert limits["nano_cpus"] == 1_500_000_000
    assert limits["mem_limit"] == limits["memswap_limit"] == "512m"
    (request,) = limits["device_requests"]
    assert request["Count"] == 2 and request["Capabilities"] == [["gpu"]]
    assert container_limits(None) == {} and container_limits(ResourceSpec()) == {}


def _step(store: SQLMetadataStore) -> int:
    run = store.create_run("p", "r", num_steps=1)
    step = store.start_step_run(run.id, "a", entrypoint="m:a", entrypoint_name="a",
                                docstring=None, parameters={}, source_hash="s")  # fmt: skip
    return step.id


def test_a_running_step_run_records_its_image_and_a_finished_one_refuses(tmp_path: Path) -> None:
    with SQLMetadataStore(f"sqlite:///{tmp_path / 'm.db'}") as store:
        step_id = _step(store)
        assert store.get_step_run(step_id).image is None
        store.set_step_run_image(step_id, "127.0.0.1:5000/zenml-p@sha256:" + "a" * 64)
        assert store.get_step_run(step_id).image == "127.0.0.1:5000/zenml-p@sha256:" + "a" * 64
        store.fail_step_run(step_id, "boom")
        assert str(store.get_step_run(step_id).image).endswith("a" * 64)  # kept on failure
        with pytest.raises(MetadataStoreError, match=f"Step run {step_id} is not running"):
            store.set_step_run_image(step_id, "other@sha256:b")
        assert store.get_step_run(step_id).status is ExecutionStatus.FAILED


def test_migration_0005_adds_the_image_column_and_downgrades(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'm.db'}"
    with SQLMetadataStore(url) as store:
        step_id = _step(store)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0004")
        assert "image" not in {c["name"] for c in sa.inspect(engine).get_columns("step_runs")}
    finally:
        engine.dispose()
    with SQLMetadataStore(url) as store:
        assert store.schema_revision() == "0004"
        assert store.migrate() == "0005"
        assert store.get_step_run(step_id).image is None  # rows from before: no image
        store.set_step_run_image(step_id, "repo@sha256:c")
        assert store.get_step_run(step_id).image == "repo@sha256:c"


def test_the_image_of_a_stack_with_server_stores_holds_their_drivers() -> None:
    from zenml_airflow.core.spec import ComponentSnapshot, PipelineSpec, StackSnapshot
    from zenml_airflow.step_operators.environment import image_inputs, store_requirements

    def spec(flavor: str) -> PipelineSpec:
        stores = {"metadata_store": ComponentSnapshot(name="m", flavor=flavor)}
        return PipelineSpec(name="p", steps=[], stack=StackSnapshot(name="s", components=stores))

    assert store_requirements(spec("sqlite")) == ()
    (driver,) = store_requirements(spec("postgresql"))
    assert driver.startswith("psycopg[binary]") and "extra" not in driver
    assert image_inputs(spec("postgresql")).requirements == (driver,)


def test_local_store_paths_are_mounted_as_configured_and_a_missing_artifact_dir_is_made(
    tmp_path: Path,
) -> None:
    from zenml_airflow.stack.components import (
        LocalArtifactStoreComponent,
        SQLiteMetadataStoreComponent,
    )
    from zenml_airflow.stack.components.orchestrator import LocalOrchestratorComponent
    from zenml_airflow.stack.stack import Stack
    from zenml_airflow.step_operators.docker import local_store_paths

    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    artifacts = tmp_path / "link" / "artifacts"  # not there yet
    stack = Stack(
        "s",
        orchestrator=LocalOrchestratorComponent(name="o"),
        metadata_store=SQLiteMetadataStoreComponent(name="m", uri=str(tmp_path / "db" / "m.db")),
        artifact_store=LocalArtifactStoreComponent(name="a", path=str(artifacts)),
    )
    assert local_store_paths(stack) == sorted([str(artifacts), str(tmp_path / "db")])
    assert artifacts.is_dir()
    nested = Stack(
        "n",
        orchestrator=LocalOrchestratorComponent(name="o"),
        metadata_store=SQLiteMetadataStoreComponent(name="m", uri=str(tmp_path / "m.db")),
        artifact_store=LocalArtifactStoreComponent(name="a", path=str(tmp_path / "art")),
    )
    assert local_store_paths(nested) == [str(tmp_path)]  # the artifact dir is inside it


def test_the_docker_flavor_registers_from_the_command_line_with_the_seed_options() -> None:
    from click.testing import CliRunner

    from zenml_airflow.cli.main import cli
    from zenml_airflow.repository import Repository

    runner = CliRunner()
    for args in (
        ["container-registry", "register", "reg", "--flavor", "default", "--uri=127.0.0.1:5000"],
        ["step-operator", "register", "box", "--flavor", "docker", "--parent_image=python:3.11"],
        ["stack", "register", "boxed", "-o", "default", "-m", "default", "-a", "default",
         "-s", "box", "-c", "reg"],
    ):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    stack = Repository().get_stack("boxed")
    assert isinstance(stack.step_operator, DockerStepOperatorComponent)
    assert stack.step_operator.parent_image == "python:3.11"
    assert stack.container_registry is not None and stack.container_registry.name == "reg"
