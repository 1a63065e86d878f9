from __future__ import annotations

import os

import numpy as np
import pytest

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers import NumpyMaterializer
from zenml_airflow.materializers.default_materializer_registry import default_materializer_registry

STRUCTURED = np.dtype([("name", "U10"), ("pos", "<f8", (2,)), ("ok", "?"), ("n", ">i4")])


def _round_trip(artifact: DataArtifact, array: np.ndarray) -> np.ndarray:
    NumpyMaterializer(artifact).handle_return(array)
    return NumpyMaterializer(artifact).handle_input(np.ndarray)


@pytest.mark.parametrize(
    "array",
    [
        np.array(3.5),
        np.array(7, dtype=np.int8),
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.zeros((0, 3), dtype=np.int64),
        np.array([1 + 2j, 3 - 4j]),
        np.array([True, False]),
        np.array(["héllo", "日本語"]),
        np.array([b"ab", b"\x00c"]),
        np.array(["2020-01-01T00:00", "NaT"], dtype="datetime64[m]"),
        np.array([1, 2], dtype=">u2"),
        np.array([("a", (1.0, 2.0), True, 3), ("b", (np.nan, -1.0), False, -4)], dtype=STRUCTURED),
        np.arange(1_000_000, dtype=np.float64).reshape(1000, 1000),
    ],
    ids=[
        "0d-float",
        "0d-int8",
        "2d-float32",
        "empty",
        "complex",
        "bool",
        "unicode",
        "bytes",
        "datetime",
        "big-endian",
        "structured",
        "large",
    ],
)
def test_round_trip_keeps_dtype_shape_and_values(artifact: DataArtifact, array: np.ndarray) -> None:
    result = _round_trip(artifact, array)
    assert type(result) is np.ndarray
    assert result.dtype == array.dtype
    assert result.shape == array.shape
    # Bit-exact (NaN inside structured records defeats ==), in logical C order.
    assert result.tobytes() == array.tobytes()
    if array.dtype.names is None:
        np.testing.assert_array_equal(result, array)


def test_fortran_order_is_preserved(artifact: DataArtifact) -> None:
    array = np.asfortranarray(np.arange(6).reshape(2, 3))
    result = _round_trip(artifact, array)
    assert result.flags.f_contiguous and not result.flags.c_contiguous
    np.testing.assert_array_equal(result, array)


def test_non_contiguous_view_is_stored_as_its_values(artifact: DataArtifact) -> None:
    array = np.arange(20).reshape(4, 5)[::2, 1::2]
    np.testing.assert_array_equal(_round_trip(artifact, array), array)


def test_file_is_a_standard_npy_without_pickle(local_artifact: DataArtifact) -> None:
    NumpyMaterializer(local_artifact).handle_return(np.arange(3))
    assert fileio.listdir(local_artifact.uri) == ["data.npy"]
    loaded = np.load(os.path.join(local_artifact.uri, "data.npy"), allow_pickle=False)
    np.testing.assert_array_equal(loaded, np.arange(3))


@pytest.mark.parametrize(
    "array",
    [
        np.array([{"a": 1}, None], dtype=object),
        np.array([(1, "x")], dtype=[("n", "i4"), ("o", "O")]),
    ],
    ids=["object", "structured-with-object-field"],
)
def test_object_arrays_are_refused_without_pickle(
    artifact: DataArtifact, array: np.ndarray
) -> None:
    with pytest.raises(
        MaterializerError, match="holds Python objects, which only pickle could save"
    ):
        NumpyMaterializer(artifact).handle_return(array)
    assert fileio.listdir(artifact.uri) == []


def test_ndarray_subclasses_are_refused(artifact: DataArtifact) -> None:
    masked = np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    with pytest.raises(
        MaterializerError, match="a numpy.ma.MaskedArray would come back as numpy.ndarray"
    ):
        NumpyMaterializer(artifact).handle_return(masked)


def test_type_check_from_base(artifact: DataArtifact) -> None:
    with pytest.raises(
        MaterializerError,
        match=r"NumpyMaterializer cannot write type 'list': it handles only \(numpy.ndarray\)",
    ):
        NumpyMaterializer(artifact).handle_return([1, 2])
    with pytest.raises(MaterializerError, match="NumpyMaterializer cannot read type 'int'"):
        NumpyMaterializer(artifact).handle_input(int)


def test_reading_an_empty_artifact_is_an_error(artifact: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match="has no data.npy"):
        NumpyMaterializer(artifact).handle_input(np.ndarray)


def test_registered_for_ndarray() -> None:
    assert default_materializer_registry.get(np.ndarray) is NumpyMaterializer
