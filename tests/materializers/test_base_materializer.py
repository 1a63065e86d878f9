from __future__ import annotations

from typing import Any

import pytest

from zenml_airflow.artifacts import BaseArtifact, DataArtifact, ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.materializers.base_materializer import BaseMaterializer


class Thing:
    pass


class SubThing(Thing):
    pass


class ThingMaterializer(BaseMaterializer, register=False):
    ASSOCIATED_TYPES = (Thing,)
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)


def test_empty_associated_types_are_refused_naming_the_class() -> None:
    with pytest.raises(
        MaterializerError,
        match=r"Invalid materializer class '.*EmptyMaterializer': ASSOCIATED_TYPES must be a non-empty tuple",
    ):

        class EmptyMaterializer(BaseMaterializer):
            pass


def test_associated_types_must_be_classes() -> None:
    with pytest.raises(MaterializerError, match="ASSOCIATED_TYPES entry 'int' is not a class"):

        class StringTypeMaterializer(BaseMaterializer, register=False):
            ASSOCIATED_TYPES = ("int",)  # type: ignore[assignment]


def test_a_bare_class_instead_of_a_tuple_is_refused() -> None:
    with pytest.raises(
        MaterializerError,
        match=r"must be a non-empty tuple .* got <class 'test_base_materializer.Thing'>",
    ):

        class BareMaterializer(BaseMaterializer, register=False):
            ASSOCIATED_TYPES = Thing  # type: ignore[assignment]


def test_a_list_of_types_is_accepted_as_a_tuple() -> None:
    class ListMaterializer(BaseMaterializer, register=False):
        ASSOCIATED_TYPES = [Thing]  # type: ignore[assignment]

    assert (Thing,) == ListMaterializer.ASSOCIATED_TYPES


def test_artifact_types_must_be_base_artifact_subclasses() -> None:
    with pytest.raises(
        MaterializerError,
        match="ASSOCIATED_ARTIFACT_TYPES entry <class 'str'> is not a subclass of zenml_airflow.artifacts.BaseArtifact",
    ):

        class BadArtifactMaterializer(BaseMaterializer, register=False):
            ASSOCIATED_TYPES = (Thing,)
            ASSOCIATED_ARTIFACT_TYPES = (str,)  # type: ignore[assignment]


def test_artifact_types_default_to_data_artifact() -> None:
    class DefaultMaterializer(BaseMaterializer, register=False):
        ASSOCIATED_TYPES = (Thing,)

    assert (DataArtifact,) == DefaultMaterializer.ASSOCIATED_ARTIFACT_TYPES
    assert (ModelArtifact,) == ThingMaterializer.ASSOCIATED_ARTIFACT_TYPES


def test_base_handlers_type_check_and_accept_subclasses() -> None:
    materializer = ThingMaterializer(BaseArtifact(uri="/unused"))
    assert materializer.artifact.uri == "/unused"
    assert materializer.handle_input(SubThing) is None
    materializer.handle_return(SubThing())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m: m.handle_input(int),
            r"ThingMaterializer cannot read type 'int': it handles only \(test_base_materializer.Thing\)",
        ),
        (
            lambda m: m.handle_return("text"),
            r"ThingMaterializer cannot write type 'str': it handles only",
        ),
        (lambda m: m.handle_input("not a type"), r"cannot read type ''not a type''"),
    ],
    ids=["input", "return", "non-class"],
)
def test_base_handlers_reject_other_types(call: Any, message: str) -> None:
    with pytest.raises(MaterializerError, match=message):
        call(ThingMaterializer(DataArtifact(uri="/unused")))
