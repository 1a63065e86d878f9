"""PyarrowMaterializer: pyarrow tables and record batches round-trip as parquet on every store
with their exact schema and metadata, deterministically; unions, Python extension types and
foreign files are refused; pyarrow is imported only when a pipeline uses it."""

from __future__ import annotations

import base64
import datetime as dt
import pickle
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.integrations.test_scipy import assert_not_imported, store_artifact
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.constants import PYARROW
from zenml_airflow.integrations.pyarrow import PyarrowIntegration
from zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer import (
    DEFAULT_FILENAME,
    PyarrowMaterializer,
)
from zenml_airflow.integrations.registry import integration_registry
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@pytest.fixture(params=["local", "s3", "gcs"])
def artifact(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DataArtifact]:
    with store_artifact(request.param, tmp_path) as prepared:
        yield prepared


@pytest.fixture
def local(tmp_path: Path) -> DataArtifact:
    uri = tmp_path / "artifact"
    uri.mkdir()
    return DataArtifact(uri=str(uri))


def table() -> pa.Table:
    """A table of many Arrow types, with schema and field metadata (built anew on each call).
    Several types are ones parquet stores differently (list item names, time32[s], maps,
    large and view strings, float16, durations): they must come back exactly."""
    columns: dict[str, pa.Array] = {
        "i8": pa.array([1, None, 3], pa.int8()),
        "u32": pa.array([1, 2, 3], pa.uint32()),
        "f16": pa.array([1.0, 2.5, None], pa.float16()),
        "f64": pa.array([1.0, float("inf"), -0.0]),
        "text": pa.array(["a", None, "ü"]),
        "large": pa.array(["x", "y", None], pa.large_string()),
        "view": pa.array(["x", None, "z"], pa.string_view()),
        "dict": pa.array(["x", "y", "x"]).dictionary_encode(),
        "day": pa.array([dt.date(2020, 1, 1), None, dt.date(2021, 2, 28)]),
        "at": pa.array([dt.datetime(2020, 1, 1, 12)] * 3, pa.timestamp("ns", tz="Europe/Paris")),
        "seconds": pa.array([1, 2, None], pa.time32("s")),
        "took": pa.array([1, None, 3], pa.duration("ms")),
        "flag": pa.array([True, False, None]),
        "raw": pa.array([b"\x00", b"", None]),
        "fixed": pa.array([b"ab", b"cd", None], pa.binary(2)),
        "price": pa.array([Decimal("1.23"), None, Decimal("-4.56")], pa.decimal128(5, 2)),
        "tags": pa.array([["a"], [], None], pa.list_(pa.string())),
        "big_list": pa.array([[1], [2, 3], None], pa.large_list(pa.int16())),
        "pair": pa.array([[1, 2], [3, 4], None], pa.list_(pa.int32(), 2)),
        "point": pa.array([{"x": 1, "y": "p"}, None, {"x": 3, "y": None}]),
        "attrs": pa.array([[("k", 1)], [], None], pa.map_(pa.string(), pa.int64())),
        "id": pa.array([b"0" * 16, b"1" * 16, None], pa.uuid()),
        "doc": pa.array(['{"a": 1}', None, "[]"], pa.json_()),
        "ok": pa.ExtensionArray.from_storage(pa.bool8(), pa.array([1, 0, None], pa.int8())),
        "tensor": pa.FixedShapeTensorArray.from_numpy_ndarray(
            np.arange(12, dtype=np.float32).reshape(3, 2, 2)
        ),
        "nothing": pa.nulls(3),
    }
    schema = pa.schema(
        [
            pa.field(name, array.type, metadata={"unit": "m"} if name == "f64" else None)
            for name, array in columns.items()
        ],
        metadata={"owner": "data-team", "version": "3"},
    )
    return pa.Table.from_arrays(list(columns.values()), schema=schema)


def round_trip(value: Any, artifact: DataArtifact, data_type: type) -> Any:
    PyarrowMaterializer(artifact).handle_return(value)
    return PyarrowMaterializer(artifact).handle_input(data_type)


def stored(artifact: DataArtifact) -> bytes:
    with fileio.open(f"{artifact.uri}/{DEFAULT_FILENAME}", "rb") as handle:
        return handle.read()


def test_registered_lazily_for_table_and_record_batch() -> None:
    assert default_materializer_registry.get(pa.Table) is PyarrowMaterializer
    assert default_materializer_registry.get(pa.RecordBatch) is PyarrowMaterializer
    assert PyarrowIntegration.NAME == PYARROW == "pyarrow"
    assert integration_registry.integrations["pyarrow"] is PyarrowIntegration
    assert PyarrowIntegration.check_installation()


def test_a_table_round_trips_with_its_exact_schema_on_every_store(artifact: DataArtifact) -> None:
    value = table()
    loaded = round_trip(value, artifact, pa.Table)
    assert isinstance(loaded, pa.Table) and loaded is not value
    assert loaded.schema.equals(value.schema, check_metadata=True)
    assert loaded.schema.metadata == {b"owner": b"data-team", b"version": b"3"}
    assert loaded.schema.field("f64").metadata == {b"unit": b"m"}
    assert loaded.equals(value, check_metadata=True)
    assert fileio.listdir(artifact.uri) == [DEFAULT_FILENAME]


def test_nan_survives(local: DataArtifact) -> None:
    value = pa.table({"x": [float("nan"), 1.0]})
    loaded = round_trip(value, local, pa.Table)
    assert loaded.schema == value.schema
    assert loaded.column("x").is_nan().to_pylist() == [True, False]


def test_a_pandas_table_keeps_its_pandas_metadata(local: DataArtifact) -> None:
    import pandas as pd

    source = pd.DataFrame({"a": [1, 2]}, index=pd.Index(["r1", "r2"], name="row"))
    value = pa.Table.from_pandas(source)
    loaded = round_trip(value, local, pa.Table)
    assert loaded.schema.pandas_metadata == value.schema.pandas_metadata
    pd.testing.assert_frame_equal(loaded.to_pandas(), source)


def test_a_record_batch_round_trips_as_a_record_batch(local: DataArtifact) -> None:
    value = table().combine_chunks().to_batches()[0]
    loaded = round_trip(value, local, pa.RecordBatch)
    assert isinstance(loaded, pa.RecordBatch)
    assert loaded.equals(value, check_metadata=True)
    as_table = PyarrowMaterializer(local).handle_input(pa.Table)
    assert isinstance(as_table, pa.Table) and as_table.num_rows == 3


def test_empty_tables_and_batches_keep_their_schema(local: DataArtifact) -> None:
    empty = table().slice(0, 0)
    loaded = round_trip(empty, local, pa.Table)
    assert loaded.num_rows == 0 and loaded.schema.equals(empty.schema, check_metadata=True)
    batch = PyarrowMaterializer(local).handle_input(pa.RecordBatch)
    assert isinstance(batch, pa.RecordBatch) and batch.num_rows == 0
    assert batch.schema.equals(empty.schema, check_metadata=True)


def test_equal_tables_give_identical_bytes_whatever_their_chunks(tmp_path: Path) -> None:
    whole = table()
    chunked = pa.concat_tables([whole.slice(0, 1), whole.slice(1)])
    assert chunked.column(0).num_chunks == 2
    payloads = []
    for index, value in enumerate([table(), whole, chunked]):
        artifact = DataArtifact(uri=str(tmp_path / str(index)))
        fileio.makedirs(artifact.uri)
        PyarrowMaterializer(artifact).handle_return(value)
        payloads.append(stored(artifact))
    assert payloads[0] == payloads[1] == payloads[2]
    assert payloads[0][:4] == payloads[0][-4:] == b"PAR1"


def test_a_union_is_refused_and_nothing_is_left_behind(local: DataArtifact) -> None:
    union = pa.UnionArray.from_sparse(
        pa.array([0, 1], pa.int8()), [pa.array([1, 2]), pa.array(["a", "b"])]
    )
    with pytest.raises(MaterializerError, match=r"cannot write this .*Table as parquet.*union"):
        PyarrowMaterializer(local).handle_return(pa.table({"u": union}))
    assert fileio.listdir(local.uri) == []


class Rational(pa.ExtensionType):
    """A Python-defined extension type (what the materializer refuses)."""

    def __init__(self) -> None:
        super().__init__(pa.struct([("n", pa.int64()), ("d", pa.int64())]), "test.rational")

    def __arrow_ext_serialize__(self) -> bytes:
        return b""

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> Rational:
        return cls()


def test_a_python_extension_type_is_refused_even_when_nested(local: DataArtifact) -> None:
    storage = pa.array([{"n": 1, "d": 2}], Rational().storage_type)
    nested = pa.ListArray.from_arrays([0, 1], pa.ExtensionArray.from_storage(Rational(), storage))
    with pytest.raises(MaterializerError, match=r"field\(s\) 'r' \(extension<test\.rational"):
        PyarrowMaterializer(local).handle_return(pa.table({"ok": [1], "r": nested}))
    assert fileio.listdir(local.uri) == []


def test_a_missing_file_says_what_happened(local: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match=r"has no table\.parquet: .*PyarrowMaterializer"):
        PyarrowMaterializer(local).handle_input(pa.Table)


@pytest.mark.parametrize(
    "payload",
    [pickle.dumps({"a": [1, 2]}), b"PAR1 not really parquet PAR1", b""],
    ids=["pickle", "fake-magic", "empty"],
)
def test_a_foreign_or_damaged_file_is_refused(payload: bytes, local: DataArtifact) -> None:
    with fileio.open(f"{local.uri}/{DEFAULT_FILENAME}", "wb") as handle:
        handle.write(payload)
    with pytest.raises(MaterializerError, match=r"Cannot read .*table\.parquet' as a pyarrow"):
        PyarrowMaterializer(local).handle_input(pa.Table)


def test_a_damaged_stored_schema_is_refused(local: DataArtifact) -> None:
    value = pa.table({"a": [1, 2]})
    # pyarrow writes a schema metadata entry named ARROW:schema as given: a tampered one.
    pq.write_table(
        value.replace_schema_metadata({"ARROW:schema": base64.b64encode(b"junk").decode()}),
        f"{local.uri}/{DEFAULT_FILENAME}",
    )
    with pytest.raises(MaterializerError, match=r"Cannot read .*ArrowInvalid: .*metadata bytes"):
        PyarrowMaterializer(local).handle_input(pa.Table)


def test_a_foreign_parquet_file_without_an_arrow_schema_reads_as_it_is(
    local: DataArtifact,
) -> None:
    value = pa.table({"a": [1, 2], "s": ["x", "y"]})
    pq.write_table(value, f"{local.uri}/{DEFAULT_FILENAME}", store_schema=False)
    assert PyarrowMaterializer(local).handle_input(pa.Table).equals(value)


# --- pipelines ------------------------------------------------------------------------------


@step
def extract() -> pa.Table:
    """A table with schema metadata."""
    return table()


@step
def count_ids(rows: pa.Table) -> int:
    """Proves the table arrived with its types: counts the non-null uuids."""
    assert rows.schema.field("id").type == pa.uuid()
    return int(rows.column("id").drop_null().length())


@pipeline(required_integrations=[PYARROW])
def arrow_pipeline(extract, count_ids):
    count_ids(rows=extract())


def test_a_step_passes_a_table_to_the_next_and_a_rerun_is_cached() -> None:
    for name in ("arrow-a", "arrow-b"):
        run = arrow_pipeline(extract=extract(), count_ids=count_ids()).run(run_name=name)
        assert run.status is ExecutionStatus.COMPLETED
    p = Repository().get_pipeline("arrow_pipeline")
    assert p is not None
    first, second = p.get_run("arrow-a"), p.get_run("arrow-b")
    assert second.get_step("extract").is_cached
    assert first.get_step("extract").output.uri == second.get_step("extract").output.uri
    assert first.get_step("count_ids").output.read() == 2
    assert second.get_step("extract").output.read().equals(table(), check_metadata=True)


def test_pyarrow_is_not_imported_unless_a_pipeline_uses_it(tmp_path: Path) -> None:
    assert_not_imported("pyarrow", tmp_path)


def test_a_stored_schema_that_does_not_fit_the_data_is_refused(local: DataArtifact) -> None:
    value = pa.table({"a": ["x", "y"]})
    claimed = pa.schema([pa.field("a", pa.int64())])
    pq.write_table(
        value.replace_schema_metadata(
            {"ARROW:schema": base64.b64encode(claimed.serialize().to_pybytes()).decode()}
        ),
        f"{local.uri}/{DEFAULT_FILENAME}",
    )
    with pytest.raises(MaterializerError, match=r"Cannot read .*table\.parquet' as a pyarrow"):
        PyarrowMaterializer(local).handle_input(pa.Table)
