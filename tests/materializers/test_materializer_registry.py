from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from zenml_airflow.exceptions import (
    MaterializerError,
    MaterializerNotFoundError,
    StepInterfaceError,
)
from zenml_airflow.materializers import BaseMaterializer, BuiltInMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    MaterializerRegistry,
    default_materializer_registry,
    load_materializer,
    materializer_path,
)


class Animal:
    pass


class Dog(Animal):
    pass


class Puppy(Dog):
    pass


class AnimalMaterializer(BaseMaterializer, register=False):
    ASSOCIATED_TYPES = (Animal,)


class DogMaterializer(BaseMaterializer, register=False):
    ASSOCIATED_TYPES = (Dog,)


def test_lookup_prefers_exact_type_then_walks_the_mro() -> None:
    registry = MaterializerRegistry()
    registry.register(Animal, AnimalMaterializer)
    assert registry.get(Puppy) is AnimalMaterializer
    registry.register(Dog, DogMaterializer)
    assert registry.get(Animal) is AnimalMaterializer
    assert registry.get(Dog) is DogMaterializer
    assert registry.get(Puppy) is DogMaterializer
    assert registry.is_registered(Puppy)
    assert not registry.is_registered(int)


def test_missing_materializer_says_how_to_register_one() -> None:
    expected = (
        "No materializer is registered for type 'test_materializer_registry.Animal'. Register one "
        "by subclassing zenml_airflow.materializers.base_materializer.BaseMaterializer with "
        "ASSOCIATED_TYPES = (Animal,), or pass one to the step with .with_return_materializers(...)"
    )
    with pytest.raises(MaterializerNotFoundError) as info:
        MaterializerRegistry().get(Animal)
    assert str(info.value) == expected
    # Seed-era ``except StepInterfaceError`` clauses still catch it.
    assert isinstance(info.value, StepInterfaceError)


def test_first_registration_wins_said_at_debug_level_as_in_the_seed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = MaterializerRegistry()
    registry.register(Dog, DogMaterializer)
    with caplog.at_level(logging.INFO):
        registry.register(Dog, AnimalMaterializer)
    assert caplog.text == ""  # importing a module twice (a script and its import) must not warn
    with caplog.at_level(logging.DEBUG):
        registry.register(Dog, AnimalMaterializer)
    assert registry.get(Dog) is DogMaterializer
    assert "Type 'test_materializer_registry.Dog' already has materializer" in caplog.text
    assert "ignoring 'test_materializer_registry:AnimalMaterializer'" in caplog.text


def test_registering_the_same_pair_twice_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    registry = MaterializerRegistry()
    registry.register(Dog, DogMaterializer)
    with caplog.at_level(logging.WARNING):
        registry.register(Dog, DogMaterializer)
    assert caplog.text == ""


def test_subclassing_registers_in_the_default_registry_first_wins(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Token:
        pass

    class FirstMaterializer(BaseMaterializer):
        ASSOCIATED_TYPES = (Token,)

    with caplog.at_level(logging.DEBUG):

        class SecondMaterializer(BaseMaterializer):
            ASSOCIATED_TYPES = (Token,)

    assert default_materializer_registry.get(Token) is FirstMaterializer
    assert "already has materializer" in caplog.text and "SecondMaterializer" in caplog.text


def test_register_false_keeps_a_class_out_of_the_registry() -> None:
    class Private:
        pass

    class PrivateMaterializer(BaseMaterializer, register=False):
        ASSOCIATED_TYPES = (Private,)

    assert not default_materializer_registry.is_registered(Private)
    assert (Private,) == PrivateMaterializer.ASSOCIATED_TYPES


def test_seed_registry_method_names() -> None:
    registry = MaterializerRegistry()
    registry.register_materializer_type(Dog, DogMaterializer)
    assert registry.get_single_materializer_type(Dog) is DogMaterializer
    registry.register_and_overwrite_type(Dog, AnimalMaterializer)
    assert registry.get(Dog) is AnimalMaterializer
    assert registry.get_materializer_types() == {Dog: AnimalMaterializer}


@pytest.mark.parametrize(
    "annotation", [int, bool, list[int], dict[str, Any], tuple[int, ...], None, type(None)]
)
def test_builtins_and_generic_annotations_resolve(annotation: Any) -> None:
    assert default_materializer_registry.get(annotation) is BuiltInMaterializer


def test_non_class_annotations_are_a_clear_error() -> None:
    with pytest.raises(
        MaterializerError, match="Cannot look up a materializer for 'int': it is not a class"
    ):
        default_materializer_registry.get("int")
    assert not default_materializer_registry.is_registered(Any)


def test_a_broken_lazy_entry_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    registry = MaterializerRegistry({"json": "zenml_airflow.materializers.does_not_exist"})
    with caplog.at_level(logging.WARNING):
        assert not registry.is_registered(Dog)
    assert "Skipping materializers from 'zenml_airflow.materializers.does_not_exist'" in caplog.text


def test_lazy_entries_wait_for_their_library() -> None:
    registry = MaterializerRegistry({"library_that_is_not_imported": "json"})
    registry.is_registered(int)
    assert registry._lazy == {"library_that_is_not_imported": ["json"]}


def test_importing_and_resolving_builtins_never_imports_heavy_libraries() -> None:
    code = textwrap.dedent(
        """
        import sys
        import zenml_airflow.materializers
        import zenml_airflow.materializers.base_materializer
        import zenml_airflow.materializers.built_in_materializer
        import zenml_airflow.artifacts
        import zenml_airflow.io.fileio
        from zenml_airflow.materializers.default_materializer_registry import (
            default_materializer_registry as registry,
        )
        assert registry.get(int).__name__ == "BuiltInMaterializer"
        assert registry.is_registered(dict)
        print(sorted(m for m in ("numpy", "pandas", "pyarrow", "airflow") if m in sys.modules))
        import numpy
        print(registry.get(numpy.ndarray).__name__)
        print(sorted(m for m in ("pandas", "pyarrow") if m in sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "NumpyMaterializer", "[]"]


def test_materializer_path_round_trips() -> None:
    path = materializer_path(BuiltInMaterializer)
    assert path == "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer"
    assert load_materializer(path) is BuiltInMaterializer
    assert load_materializer("test_materializer_registry:DogMaterializer") is DogMaterializer


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "no_such_module_xyz:Thing",
            r"Cannot import materializer 'no_such_module_xyz:Thing'.*materializer_class=",
        ),
        ("test_materializer_registry:Missing", r"has no attribute 'Missing'.*materializer_class="),
        (
            "test_materializer_registry:Animal",
            r"is <class .*Animal'>, not a BaseMaterializer subclass",
        ),
        ("tests.x:f.<locals>.M", r"defined inside a function.*materializer_class=MyMaterializer"),
    ],
)
def test_load_materializer_errors_suggest_passing_the_class(path: str, message: str) -> None:
    with pytest.raises(MaterializerError, match=message):
        load_materializer(path)
