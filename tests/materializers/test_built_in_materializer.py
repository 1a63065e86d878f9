from __future__ import annotations

import enum
import math
import os
from collections import OrderedDict
from typing import Any

import pytest

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers import BuiltInMaterializer


def _round_trip(artifact: DataArtifact, value: Any, as_type: Any = None) -> Any:
    BuiltInMaterializer(artifact).handle_return(value)
    return BuiltInMaterializer(artifact).handle_input(
        as_type if as_type is not None else type(value)
    )


@pytest.mark.parametrize(
    "value",
    [
        0,
        -17,
        2**200,
        -(3**150),
        1.5,
        -0.0,
        1e308,
        float("inf"),
        True,
        False,
        "",
        "unicode ✓ 日本語 🎉 and a lone surrogate \ud800",
        'quotes " and \\ backslashes\nnewlines',
        b"",
        b"\x00\xff binary \x80",
        {},
        [],
        (),
        {"a": [1, {"b": None, "c": [True, 2.5]}], "": "empty key", "ü": {}},
        [1, "x", [2, [3, []]], {"k": [None]}],
        (1, "a", None, [2, 3], {"t": 1.0}),
        None,
    ],
    ids=repr,
)
def test_round_trip_is_exact(artifact: DataArtifact, value: Any) -> None:
    result = _round_trip(artifact, value)
    assert type(result) is type(value)
    assert result == value
    if isinstance(value, float):
        assert math.copysign(1, result) == math.copysign(1, value)  # -0.0 stays negative


def test_nan_survives(artifact: DataArtifact) -> None:
    result = _round_trip(artifact, [float("nan")])
    assert math.isnan(result[0])


def test_bytes_are_stored_raw_and_values_as_json(local_artifact: DataArtifact) -> None:
    BuiltInMaterializer(local_artifact).handle_return(b"raw")
    assert fileio.listdir(local_artifact.uri) == ["data.bin"]
    with open(os.path.join(local_artifact.uri, "data.bin"), "rb") as handle:
        assert handle.read() == b"raw"


def test_json_file_is_plain_json(local_artifact: DataArtifact) -> None:
    BuiltInMaterializer(local_artifact).handle_return({"a": [1, 2]})
    with open(os.path.join(local_artifact.uri, "data.json"), encoding="utf-8") as handle:
        assert handle.read() == '{"a": [1, 2]}'


def test_reading_returns_the_type_asked_for(artifact: DataArtifact) -> None:
    BuiltInMaterializer(artifact).handle_return([1, 2])
    assert BuiltInMaterializer(artifact).handle_input(tuple) == (1, 2)
    assert BuiltInMaterializer(artifact).handle_input(list[int]) == [1, 2]


def test_int_can_be_read_as_float(artifact: DataArtifact) -> None:
    result = _round_trip(artifact, 3, float)
    assert type(result) is float and result == 3.0


def test_bool_is_not_confused_with_int(artifact: DataArtifact) -> None:
    BuiltInMaterializer(artifact).handle_return(True)
    assert BuiltInMaterializer(artifact).handle_input(bool) is True
    with pytest.raises(MaterializerError, match="as int: it holds a bool"):
        BuiltInMaterializer(artifact).handle_input(int)


def test_none_read_as_other_type_is_an_error(artifact: DataArtifact) -> None:
    BuiltInMaterializer(artifact).handle_return(None)
    assert BuiltInMaterializer(artifact).handle_input(None) is None
    with pytest.raises(MaterializerError, match="as str: it holds a NoneType"):
        BuiltInMaterializer(artifact).handle_input(str)


def test_bytes_and_json_mismatch_is_explained(artifact: DataArtifact) -> None:
    BuiltInMaterializer(artifact).handle_return(b"x")
    with pytest.raises(MaterializerError, match="as str: it holds bytes"):
        BuiltInMaterializer(artifact).handle_input(str)


def test_reading_an_empty_artifact_is_an_error(artifact: DataArtifact) -> None:
    with pytest.raises(
        MaterializerError, match="has no data.json: it was not written by BuiltInMaterializer"
    ):
        BuiltInMaterializer(artifact).handle_input(int)


class Color(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {1: "a"},
            r"the key 1 is a int, and JSON object keys come back as strings \('1'\) at data",
        ),
        ({"x": {None: 1}}, r"the key None is a NoneType.* at data\['x'\]"),
        ([(1, 2)], r"a nested tuple would come back as a list at data\[0\]"),
        ({"s": {1, 2}}, r"a set is not representable in JSON at data\['s'\]"),
        ([1, object()], r"a object is not representable in JSON at data\[1\]"),
        ([b"bytes inside"], r"a bytes is not representable in JSON at data\[0\]"),
        (
            OrderedDict(a=1),
            r"collections.OrderedDict is a subclass of dict and would come back as a plain dict at data",
        ),
        (Color.RED, r"Color is a subclass of int and would come back as a plain int"),
        ([1.5, [Color.RED]], r"at data\[1\]\[0\]"),
    ],
    ids=[
        "int-key",
        "none-key",
        "nested-tuple",
        "set",
        "object",
        "nested-bytes",
        "ordereddict",
        "intenum",
        "deep",
    ],
)
def test_lossy_values_are_refused_with_path_and_advice(
    artifact: DataArtifact, value: Any, message: str
) -> None:
    with pytest.raises(MaterializerError, match=message) as info:
        BuiltInMaterializer(artifact).handle_return(value)
    assert "Use a pydantic model for structured data, or write a custom materializer" in str(
        info.value
    )
    assert fileio.listdir(artifact.uri) == []  # nothing half-written


def test_reference_cycles_are_refused(artifact: DataArtifact) -> None:
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    with pytest.raises(MaterializerError, match=r"contains a reference cycle at data\[1\]"):
        BuiltInMaterializer(artifact).handle_return(cyclic)


def test_shared_but_acyclic_references_are_fine(artifact: DataArtifact) -> None:
    shared = [1, 2]
    assert _round_trip(artifact, [shared, shared]) == [[1, 2], [1, 2]]


def test_int_beyond_json_digit_limit_is_a_clear_error(artifact: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match="cannot write this int: Exceeds the limit"):
        BuiltInMaterializer(artifact).handle_return(10**5000)


def test_too_deep_nesting_is_a_clear_error(artifact: DataArtifact) -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(MaterializerError, match="nested too deeply for JSON"):
        BuiltInMaterializer(artifact).handle_return(deep)


def test_unsupported_types_fail_the_base_type_check(artifact: DataArtifact) -> None:
    with pytest.raises(
        MaterializerError,
        match=r"BuiltInMaterializer cannot write type 'set': it handles only \(int, float",
    ):
        BuiltInMaterializer(artifact).handle_return({1, 2})
    with pytest.raises(MaterializerError, match="BuiltInMaterializer cannot read type 'frozenset'"):
        BuiltInMaterializer(artifact).handle_input(frozenset)


def test_subclass_types_cannot_be_read(artifact: DataArtifact) -> None:
    BuiltInMaterializer(artifact).handle_return(1)
    with pytest.raises(
        MaterializerError, match="reads exact built-in types; .*Color is a subclass"
    ):
        BuiltInMaterializer(artifact).handle_input(Color)


def test_creates_the_directory_if_missing(tmp_path: Any) -> None:
    artifact = DataArtifact(uri=str(tmp_path / "not" / "yet"))
    BuiltInMaterializer(artifact).handle_return("x")
    assert BuiltInMaterializer(artifact).handle_input(str) == "x"
