"""PolarsMaterializer: polars frames round-trip as parquet on every store with their dtypes,
deterministically; LazyFrames are collected; Object columns and foreign files are refused;
polars is imported only when a pipeline uses it."""

from __future__ import annotations

import datetime as dt
import io
import pickle
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.integrations.test_scipy import assert_not_imported, store_artifact
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.constants import POLARS
from zenml_airflow.integrations.polars import PolarsIntegration
from zenml_airflow.integrations.polars.materializers.polars_materializer import (
    DEFAULT_FILENAME,
    PolarsMaterializer,
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


def frame() -> pl.DataFrame:
    """A frame with every kind of dtype parquet holds (built anew on each call)."""
    return pl.DataFrame(
        {
            "i64": [1, None, 3],
            "u8": pl.Series([1, 2, 255], dtype=pl.UInt8),
            "f32": pl.Series([1.5, None, -0.25], dtype=pl.Float32),
            "text": ["a", None, "ü"],
            "cat": pl.Series(["x", "y", "x"], dtype=pl.Categorical),
            "enum": pl.Series(["lo", "hi", "lo"], dtype=pl.Enum(["lo", "hi"])),
            "day": [dt.date(2020, 1, 1), None, dt.date(2021, 2, 28)],
            "at": pl.Series([dt.datetime(2020, 1, 1, 12, 30)] * 3).dt.replace_time_zone(
                "Europe/Paris"
            ),
            "ns": pl.Series([dt.datetime(2020, 1, 1)] * 3, dtype=pl.Datetime("ns")),
            "clock": [dt.time(1, 2, 3), dt.time(0, 0), None],
            "took": [dt.timedelta(seconds=1), None, dt.timedelta(days=2)],
            "flag": [True, False, None],
            "raw": [b"\x00\x01", b"", None],
            "price": pl.Series([Decimal("1.23"), Decimal("4.56"), None], dtype=pl.Decimal(10, 2)),
            "tags": [["a", "b"], [], None],
            "nested": [[[1], [2, 3]], [], None],
            "pair": pl.Series([[1, 2], [3, 4], [5, 6]], dtype=pl.Array(pl.Int64, 2)),
            "point": [{"x": 1, "y": "p"}, {"x": 2, "y": None}, None],
            "nothing": pl.Series([None, None, None], dtype=pl.Null),
        }
    )


def round_trip(value: object, artifact: DataArtifact, data_type: type) -> object:
    PolarsMaterializer(artifact).handle_return(value)
    return PolarsMaterializer(artifact).handle_input(data_type)


def stored(artifact: DataArtifact) -> bytes:
    with fileio.open(f"{artifact.uri}/{DEFAULT_FILENAME}", "rb") as handle:
        return handle.read()


def test_registered_lazily_for_dataframe_lazyframe_and_series() -> None:
    for cls in (pl.DataFrame, pl.LazyFrame, pl.Series):
        assert default_materializer_registry.get(cls) is PolarsMaterializer
    assert PolarsIntegration.NAME == POLARS == "polars"
    assert integration_registry.integrations["polars"] is PolarsIntegration
    assert PolarsIntegration.check_installation()


def test_a_frame_round_trips_with_every_dtype_on_every_store(artifact: DataArtifact) -> None:
    value = frame()
    loaded = round_trip(value, artifact, pl.DataFrame)
    assert isinstance(loaded, pl.DataFrame) and loaded is not value
    assert loaded.schema == value.schema
    assert loaded.equals(value)
    assert fileio.listdir(artifact.uri) == [DEFAULT_FILENAME]


def test_floats_keep_nan_and_infinities(local: DataArtifact) -> None:
    value = pl.DataFrame({"x": [float("nan"), float("inf"), -0.0, None]})
    loaded = round_trip(value, local, pl.DataFrame)
    assert isinstance(loaded, pl.DataFrame) and loaded.equals(value)


def test_an_empty_frame_keeps_its_schema(local: DataArtifact) -> None:
    value = pl.DataFrame(schema={"a": pl.Int16, "c": pl.Categorical, "l": pl.List(pl.String)})
    loaded = round_trip(value, local, pl.DataFrame)
    assert isinstance(loaded, pl.DataFrame)
    assert loaded.schema == value.schema and loaded.height == 0


def test_equal_frames_give_identical_bytes_whatever_their_chunks(tmp_path: Path) -> None:
    payloads = []
    for index, value in enumerate(
        [frame(), frame(), pl.concat([frame().head(1), frame().tail(2)], rechunk=False)]
    ):
        artifact = DataArtifact(uri=str(tmp_path / str(index)))
        fileio.makedirs(artifact.uri)
        PolarsMaterializer(artifact).handle_return(value)
        payloads.append(stored(artifact))
    assert payloads[0] == payloads[1] == payloads[2]
    assert payloads[0][:4] == payloads[0][-4:] == b"PAR1"


def test_a_lazyframe_is_collected_and_read_back_lazy_or_eager(local: DataArtifact) -> None:
    query = frame().lazy().filter(pl.col("i64").is_not_null()).select("i64", "text")
    expected = query.collect()
    loaded = round_trip(query, local, pl.LazyFrame)
    assert isinstance(loaded, pl.LazyFrame)
    assert loaded.collect().equals(expected)
    eager = PolarsMaterializer(local).handle_input(pl.DataFrame)
    assert isinstance(eager, pl.DataFrame) and eager.equals(expected)


def test_a_failing_lazy_query_is_refused_with_its_error(local: DataArtifact) -> None:
    query = pl.LazyFrame({"a": [1]}).select(pl.col("missing"))
    with pytest.raises(MaterializerError, match=r"collecting failed: ColumnNotFoundError"):
        PolarsMaterializer(local).handle_return(query)


def test_a_series_round_trips_with_its_name_and_dtype(local: DataArtifact) -> None:
    value = pl.Series("prices", [Decimal("1.5"), None], dtype=pl.Decimal(8, 3))
    loaded = round_trip(value, local, pl.Series)
    assert isinstance(loaded, pl.Series)
    assert loaded.name == "prices" and loaded.dtype == value.dtype
    assert loaded.equals(value)


def test_a_wide_frame_is_not_read_as_a_series(local: DataArtifact) -> None:
    PolarsMaterializer(local).handle_return(frame())
    with pytest.raises(MaterializerError, match=r"as a polars Series: it holds a frame with 19"):
        PolarsMaterializer(local).handle_input(pl.Series)


def test_object_columns_are_refused_even_when_nested(local: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match=r"column\(s\) 'obj' of dtype Object.*pickle"):
        PolarsMaterializer(local).handle_return(
            pl.DataFrame({"ok": [1, 2], "obj": pl.Series([object(), 1], dtype=pl.Object)})
        )
    assert fileio.listdir(local.uri) == []


def test_a_subclass_is_refused(local: DataArtifact) -> None:
    class MyFrame(pl.DataFrame):
        pass

    with pytest.raises(MaterializerError, match=r"would come back as its polars base class"):
        PolarsMaterializer(local).handle_return(MyFrame({"a": [1]}))


def test_a_missing_file_says_what_happened(local: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match=r"has no data\.parquet: .*PolarsMaterializer"):
        PolarsMaterializer(local).handle_input(pl.DataFrame)


@pytest.mark.parametrize(
    "payload",
    [pickle.dumps({"a": [1, 2]}), b"PAR1 not really parquet PAR1", b""],
    ids=["pickle", "fake-magic", "empty"],
)
def test_a_foreign_or_damaged_file_is_refused(payload: bytes, local: DataArtifact) -> None:
    with fileio.open(f"{local.uri}/{DEFAULT_FILENAME}", "wb") as handle:
        handle.write(payload)
    with pytest.raises(MaterializerError, match=r"Cannot read .*data\.parquet' as a polars frame"):
        PolarsMaterializer(local).handle_input(pl.DataFrame)


def test_a_truncated_file_is_refused(local: DataArtifact) -> None:
    buffer = io.BytesIO()
    frame().write_parquet(buffer)
    with fileio.open(f"{local.uri}/{DEFAULT_FILENAME}", "wb") as handle:
        handle.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(MaterializerError, match=r"not a parquet file written by"):
        PolarsMaterializer(local).handle_input(pl.DataFrame)


# --- pipelines ------------------------------------------------------------------------------


@step
def load_sales() -> pl.DataFrame:
    """A small sales table."""
    return frame()


@step
def summarize(sales: pl.DataFrame) -> pl.LazyFrame:
    """Consumes the frame and returns a query over it (collected when stored)."""
    return summary_of(sales.lazy())


def summary_of(sales: pl.LazyFrame) -> pl.LazyFrame:
    return sales.group_by("cat").agg(pl.col("u8").cast(pl.Int64).sum()).sort("cat")


@pipeline(required_integrations=[POLARS])
def sales_pipeline(load_sales, summarize):
    summarize(sales=load_sales())


def test_a_step_passes_a_frame_to_the_next_and_a_rerun_is_cached() -> None:
    for name in ("sales-a", "sales-b"):
        run = sales_pipeline(load_sales=load_sales(), summarize=summarize()).run(run_name=name)
        assert run.status is ExecutionStatus.COMPLETED
    p = Repository().get_pipeline("sales_pipeline")
    assert p is not None
    first, second = p.get_run("sales-a"), p.get_run("sales-b")
    assert second.get_step("load_sales").is_cached and second.get_step("summarize").is_cached
    assert first.get_step("load_sales").output.uri == second.get_step("load_sales").output.uri
    assert second.get_step("load_sales").output.read().equals(frame())
    summary = second.get_step("summarize").output.read()
    assert isinstance(summary, pl.LazyFrame)
    assert summary.collect().equals(summary_of(frame().lazy()).collect())
    assert summary.collect()["u8"].to_list() == [256, 2]


def test_polars_is_not_imported_unless_a_pipeline_uses_it(tmp_path: Path) -> None:
    assert_not_imported("polars", tmp_path)
