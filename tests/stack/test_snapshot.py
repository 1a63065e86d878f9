"""A stack and its spec snapshot, both ways (zenml_airflow/stack/snapshot.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenml_airflow.core.spec import ComponentSnapshot, StackSnapshot
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import (
    AirflowOrchestratorComponent,
    LocalArtifactStoreComponent,
    PostgreSQLMetadataStoreComponent,
    SQLiteMetadataStoreComponent,
)
from zenml_airflow.stack.snapshot import (
    component_from_snapshot,
    snapshot_stack,
    stack_from_snapshot,
)


def _stack(tmp_path: Path) -> Stack:
    return Stack(
        "prod",
        orchestrator=AirflowOrchestratorComponent.from_config("af", {"password": "hunter2"}),
        metadata_store=SQLiteMetadataStoreComponent.from_config(
            "m", {"uri": str(tmp_path / "m.db")}
        ),
        artifact_store=LocalArtifactStoreComponent.from_config("a", {"path": str(tmp_path / "a")}),
    )


def test_a_snapshot_holds_the_run_time_components_as_stored_not_the_orchestrator(
    tmp_path: Path,
) -> None:
    snapshot = snapshot_stack(_stack(tmp_path))

    assert snapshot.name == "prod"
    assert sorted(snapshot.components) == ["artifact_store", "metadata_store"]
    assert snapshot.components["metadata_store"] == ComponentSnapshot(
        name="m", flavor="sqlite", config={"uri": str(tmp_path / "m.db")}
    )
    assert snapshot.components["artifact_store"] == ComponentSnapshot(
        name="a", flavor="local", config={"path": str(tmp_path / "a")}
    )


def test_a_secret_reference_stays_a_reference_in_the_snapshot(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    pg = PostgreSQLMetadataStoreComponent.from_config(
        "pg", {"host": "h", "database": "d", "password": "{{db.password}}"}
    )
    snapshot = snapshot_stack(Stack("s", stack.orchestrator, pg, stack.artifact_store))

    assert snapshot.components["metadata_store"].config["password"] == "{{db.password}}"


def test_a_stack_rebuilt_from_its_snapshot_has_the_same_components(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    snapshot = StackSnapshot.model_validate_json(snapshot_stack(stack).model_dump_json())

    rebuilt = stack_from_snapshot(snapshot)

    assert rebuilt.name == "prod"
    for rebuilt_component, component in (
        (rebuilt.metadata_store, stack.metadata_store),
        (rebuilt.artifact_store, stack.artifact_store),
    ):
        assert type(rebuilt_component) is type(component)
        assert (rebuilt_component.name, rebuilt_component.config) == (
            component.name,
            component.config,
        )
    # Inside a task Airflow is the orchestrator: its connection settings are not in the snapshot.
    assert rebuilt.orchestrator.name == "airflow"
    assert rebuilt.orchestrator.flavor == "airflow"
    assert rebuilt.orchestrator.config.get("password") != "hunter2"


def test_no_snapshot_is_refused_with_how_to_fix_it() -> None:
    with pytest.raises(StackError, match="no stack snapshot; recompile it with zenml-airflow"):
        stack_from_snapshot(None)


def test_a_component_of_an_unknown_flavor_is_refused() -> None:
    snapshot = ComponentSnapshot(name="x", flavor="no-such-flavor", config={})
    with pytest.raises(StackError, match="no-such-flavor"):
        component_from_snapshot(StackComponentType.ARTIFACT_STORE, snapshot)


def test_an_invalid_config_is_refused(tmp_path: Path) -> None:
    snapshot = ComponentSnapshot(
        name="a", flavor="local", config={"path": str(tmp_path), "bogus": 1}
    )
    with pytest.raises(StackError, match="bogus"):
        component_from_snapshot(StackComponentType.ARTIFACT_STORE, snapshot)
