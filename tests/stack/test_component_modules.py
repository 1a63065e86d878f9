"""``zenml_airflow.stack.components``: one module per component type, flavors registered by being there."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from zenml_airflow.enums import StackComponentType
from zenml_airflow.stack import components
from zenml_airflow.stack.components import (
    BUILTIN_COMPONENT_CLASSES,
    COMPONENT_TYPE_MODULES,
    LocalArtifactStoreComponent,
    flavors_defined_in,
)
from zenml_airflow.stack.components.common import absolute_local_path, http_url, local_directory
from zenml_airflow.stack.flavors import builtin_flavors


def test_one_module_per_component_type_holds_only_that_types_flavors() -> None:
    by_type = {module.__name__.rsplit(".", 1)[1]: module for module in COMPONENT_TYPE_MODULES}
    assert sorted(by_type) == sorted(kind.value for kind in StackComponentType)
    for name, module in by_type.items():
        flavors = flavors_defined_in(module)
        assert flavors, f"{name} defines no flavor"
        assert {cls.TYPE for cls in flavors} == {StackComponentType(name)}


def test_the_builtin_flavors_are_exactly_the_flavor_classes_of_the_type_modules() -> None:
    assert [flavor.component_class for flavor in builtin_flavors()] == list(
        BUILTIN_COMPONENT_CLASSES
    )
    assert len(BUILTIN_COMPONENT_CLASSES) == 16
    assert len({(cls.TYPE, cls.FLAVOR) for cls in BUILTIN_COMPONENT_CLASSES}) == 16


def test_a_class_defined_in_a_type_module_is_a_flavor_bases_and_imports_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = ModuleType("fake_type_module")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(  # a type module as a contributor would write it
        textwrap.dedent(
            """
            from typing import ClassVar
            from zenml_airflow.stack.components import ArtifactStoreComponent, LocalArtifactStoreComponent

            class _Base(ArtifactStoreComponent):
                pass

            class MemoryArtifactStore(_Base):
                FLAVOR: ClassVar[str] = "memory"

            class Subclass(MemoryArtifactStore):
                pass
            """
        ),
        module.__dict__,
    )
    assert [cls.__name__ for cls in flavors_defined_in(module)] == ["MemoryArtifactStore"]
    assert LocalArtifactStoreComponent not in flavors_defined_in(module)


def test_every_exported_name_is_importable_from_the_package() -> None:
    for name in components.__all__:
        assert getattr(components, name) is not None
    assert LocalArtifactStoreComponent.__module__ == "zenml_airflow.stack.components.artifact_store"


def test_shared_field_checks(tmp_path: Path) -> None:
    assert local_directory(None) is None
    assert local_directory(f"file://{tmp_path}") == str(tmp_path)
    assert local_directory("~") == str(Path.home())
    with pytest.raises(
        ValueError, match="'s3://b' is not a local path; give a directory on this machine"
    ):
        local_directory("s3://b")
    with pytest.raises(ValueError, match="must not be empty"):
        absolute_local_path(" ", "give a file")
    assert http_url("https://airflow.example:8443/") == "https://airflow.example:8443"
    with pytest.raises(ValueError, match="is not an http"):
        http_url("airflow.example")
    with pytest.raises(ValueError, match="has no valid port"):
        http_url("http://airflow.example:99999")
