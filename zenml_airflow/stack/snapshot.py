"""A stack and its snapshot in a spec, both ways: the one place that knows the snapshot's shape.

A compiled pipeline carries the run-time components of its stack as they were stored (secret
*references*, never their values). A task rebuilds its stack from that snapshot - never from the
worker's own profile - and the UI plugin reads a snapshot's stores through the same components.
"""

from __future__ import annotations

from zenml_airflow.core.spec import ComponentSnapshot, StackSnapshot
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack.flavors import get_flavor_registry
from zenml_airflow.stack.stack import Stack
from zenml_airflow.stack.stack_component import StackComponent

# Components a task needs at run time; the orchestrator matters only to whoever deploys.
SNAPSHOT_TYPES = (
    StackComponentType.METADATA_STORE,
    StackComponentType.ARTIFACT_STORE,
    StackComponentType.SECRETS_MANAGER,
    StackComponentType.STEP_OPERATOR,
    StackComponentType.CONTAINER_REGISTRY,
)


def snapshot_stack(stack: Stack) -> StackSnapshot:
    """The stack's run-time components with their configs as stored (secret references stay)."""
    components = {}
    for component_type, component in stack.components.items():
        if component_type in SNAPSHOT_TYPES:
            components[component_type.value] = ComponentSnapshot(
                name=component.name, flavor=component.flavor, config=component.config
            )
    return StackSnapshot(name=stack.name, components=components)


def component_from_snapshot(
    component_type: StackComponentType, snapshot: ComponentSnapshot
) -> StackComponent:
    """The component a snapshot describes, its config validated by its flavor.

    Raises:
        StackError: for an unknown flavor or an invalid config.
    """
    return get_flavor_registry().build_component(
        component_type, snapshot.name, snapshot.flavor, dict(snapshot.config)
    )


def stack_from_snapshot(snapshot: StackSnapshot | None) -> Stack:
    """The stack a compiled pipeline runs on, rebuilt from its snapshot."""
    if snapshot is None:
        raise StackError("This DAG's spec has no stack snapshot; recompile it with zenml-airflow.")
    components = {
        StackComponentType(type_name): component_from_snapshot(
            StackComponentType(type_name), component
        )
        for type_name, component in snapshot.components.items()
    }
    if StackComponentType.ORCHESTRATOR not in components:
        # Inside a task the orchestrator is Airflow itself; its connection settings are not needed.
        registry = get_flavor_registry()
        flavor = (
            "airflow" if registry.get((StackComponentType.ORCHESTRATOR, "airflow")) else "local"
        )
        components[StackComponentType.ORCHESTRATOR] = registry.build_component(
            StackComponentType.ORCHESTRATOR, "airflow", flavor, {}
        )
    return Stack.from_components(snapshot.name, components)
