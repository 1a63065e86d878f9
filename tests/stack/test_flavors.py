from __future__ import annotations

import threading
from importlib.metadata import EntryPoint
from typing import ClassVar

import pytest

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack import (
    ArtifactStoreComponent,
    Flavor,
    FlavorRegistry,
    LocalArtifactStoreComponent,
    get_flavor_registry,
    import_object,
)
from zenml_airflow.stack.flavors import builtin_flavors, entry_point_flavors

ART = StackComponentType.ARTIFACT_STORE


class MemoryArtifactStore(ArtifactStoreComponent):
    FLAVOR: ClassVar[str] = "memory"
    IMPLEMENTATION: ClassVar[str | None] = "collections:OrderedDict"


def test_builtin_flavors() -> None:
    registry = get_flavor_registry()
    assert registry.flavor_names(StackComponentType.ORCHESTRATOR) == ["airflow", "local"]
    assert registry.flavor_names(ART) == ["gcs", "local", "s3"]
    assert registry.flavor_names(StackComponentType.METADATA_STORE) == [
        "mysql",
        "postgresql",
        "sqlite",
    ]
    assert registry.flavor_names(StackComponentType.STEP_OPERATOR) == [
        "docker",
        "kubernetes",
        "virtualenv",
    ]
    for component_type in StackComponentType:
        assert registry.flavor_names(component_type), component_type
    orchestrator = registry.get_flavor(StackComponentType.ORCHESTRATOR, "local")
    assert orchestrator.implementation == "zenml_airflow.orchestrators.local:LocalOrchestrator"
    assert registry.get_flavor(ART, "local").component_class is LocalArtifactStoreComponent


def test_registry_is_read_only() -> None:
    registry = get_flavor_registry()
    assert not hasattr(registry, "__setitem__")
    assert (ART, "local") in registry


def test_unknown_flavor_suggests() -> None:
    with pytest.raises(
        StackError,
        match=r"Unknown artifact store flavor 'locl'\. Did you mean "
        r"'local'\? Available flavors: gcs, local, s3\.",
    ):
        get_flavor_registry().get_flavor(ART, "locl")


def test_build_component_validates() -> None:
    registry = get_flavor_registry()
    component = registry.build_component(ART, "a", "local", {"path": "/a"})
    assert isinstance(component, LocalArtifactStoreComponent)
    with pytest.raises(StackError, match="Allowed fields: path"):
        registry.build_component(ART, "a", "local", {"root": "/a"})


def test_entry_point_flavors_loaded_and_broken_ones_skipped() -> None:
    points = [
        EntryPoint("memory", f"{__name__}:MemoryArtifactStore", "zenml_airflow.flavors"),
        EntryPoint("broken", "no_such_module_xyz:Thing", "zenml_airflow.flavors"),
        EntryPoint("wrong", "collections:OrderedDict", "zenml_airflow.flavors"),
        EntryPoint(
            "clash",
            f"{LocalArtifactStoreComponent.__module__}:LocalArtifactStoreComponent",
            "zenml_airflow.flavors",
        ),
    ]
    taken = [flavor.key for flavor in builtin_flavors()]
    with pytest.warns(RuntimeWarning) as record:
        flavors = entry_point_flavors(points, taken=taken)
    assert [flavor.name for flavor in flavors] == ["memory"]
    messages = [str(w.message) for w in record]
    assert any("'broken'" in m and "No module named" in m for m in messages)
    assert any("'wrong'" in m for m in messages)
    assert any("already registered" in m for m in messages)
    registry = FlavorRegistry([*builtin_flavors(), *flavors])
    assert registry.flavor_names(ART) == ["gcs", "local", "memory", "s3"]


def test_plugins_load_only_when_a_lookup_needs_them() -> None:
    calls: list[list[tuple[StackComponentType, str]]] = []
    points = [EntryPoint("memory", f"{__name__}:MemoryArtifactStore", "zenml_airflow.flavors")]

    def plugins(taken: list[tuple[StackComponentType, str]]) -> list[Flavor]:
        calls.append(taken)
        return entry_point_flavors(points, taken=taken)

    registry = FlavorRegistry(builtin_flavors(), plugins=plugins)
    # A built-in flavor (what every Airflow task rebuilds its stack from) scans no entry points.
    assert registry.get_flavor(ART, "local").component_class is LocalArtifactStoreComponent
    assert (ART, "s3") in registry
    assert calls == []
    # A miss loads the plugins, once, telling them which keys are taken.
    assert registry.get_flavor(ART, "memory").component_class is MemoryArtifactStore
    assert len(calls) == 1 and (ART, "local") in calls[0]
    assert registry.flavor_names(ART) == ["gcs", "local", "memory", "s3"]
    with pytest.raises(StackError, match="Unknown artifact store flavor 'nope'"):
        registry.get_flavor(ART, "nope")
    assert len(calls) == 1


def test_a_lookup_during_plugin_loading_waits_for_every_plugin() -> None:
    loading, release = threading.Event(), threading.Event()
    points = [EntryPoint("memory", f"{__name__}:MemoryArtifactStore", "zenml_airflow.flavors")]

    def slow_plugins(taken: list[tuple[StackComponentType, str]]) -> list[Flavor]:
        loading.set()
        assert release.wait(10)
        return entry_point_flavors(points, taken=taken)

    registry = FlavorRegistry(builtin_flavors(), plugins=slow_plugins)
    first = threading.Thread(target=lambda: registry.flavor_names(ART))
    first.start()
    assert loading.wait(10)
    found: list[Flavor] = []
    second = threading.Thread(target=lambda: found.append(registry.get_flavor(ART, "memory")))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first thread's load, not failing on a half registry
    release.set()
    first.join(10)
    second.join(10)
    assert [flavor.name for flavor in found] == ["memory"]


def test_listing_the_registry_includes_plugins() -> None:
    points = [EntryPoint("memory", f"{__name__}:MemoryArtifactStore", "zenml_airflow.flavors")]
    registry = FlavorRegistry(
        builtin_flavors(), plugins=lambda taken: entry_point_flavors(points, taken=taken)
    )
    assert len(registry) == len(builtin_flavors()) + 1
    assert (ART, "memory") in list(registry)


def test_duplicate_flavors_refused() -> None:
    flavor = Flavor.from_component_class(MemoryArtifactStore)
    with pytest.raises(StackError, match="Duplicate artifact store flavor 'memory'"):
        FlavorRegistry([flavor, flavor])


def test_implementation_is_imported_lazily() -> None:
    flavor = Flavor.from_component_class(MemoryArtifactStore)
    from collections import OrderedDict

    assert flavor.load_implementation() is OrderedDict
    with pytest.raises(StackError, match="has no implementation"):
        Flavor.from_component_class(LocalArtifactStoreComponent).load_implementation()


def test_import_object_errors() -> None:
    with pytest.raises(StackError, match="Invalid import path"):
        import_object("nocolon")
    with pytest.raises(StackError, match="Cannot import 'no_such_module_xyz'"):
        import_object("no_such_module_xyz:X")
    with pytest.raises(StackError, match="has no attribute 'Nope'"):
        import_object("collections:Nope")
