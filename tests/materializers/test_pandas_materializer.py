from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers import PandasMaterializer
from zenml_airflow.materializers.default_materializer_registry import default_materializer_registry


def _frame_round_trip(artifact: DataArtifact, frame: pd.DataFrame) -> pd.DataFrame:
    PandasMaterializer(artifact).handle_return(frame)
    result = PandasMaterializer(artifact).handle_input(pd.DataFrame)
    assert isinstance(result, pd.DataFrame)
    return result


MIXED_DTYPES = pd.DataFrame(
    {
        "int": [1, 2, 3],
        "float": [1.5, np.nan, -0.0],
        "str": ["a", "ü", None],
        "bool": [True, False, True],
        "category": pd.Categorical(["x", "y", "x"]),
        "nullable": pd.array([1, None, 3], dtype="Int64"),
        "string": pd.array(["p", None, "q"], dtype="string"),
        "when": pd.to_datetime(
            ["2020-01-01", None, "2021-06-30 12:00"], format="ISO8601"
        ).tz_localize("Europe/Paris"),
        "delta": pd.to_timedelta([1, 2, 3], unit="s"),
        "bytes": [b"a", b"\x00", b""],
    },
    index=pd.Index([10, 20, 30], name="row"),
)


@pytest.mark.parametrize(
    "frame",
    [
        MIXED_DTYPES,
        pd.DataFrame(),
        pd.DataFrame({"a": pd.Series([], dtype="float32")}),
        pd.DataFrame({"a": [1, 2]}, index=pd.RangeIndex(5, 9, 2)),
        pd.DataFrame({"a": [1, 2]}, index=["x", "y"]),
        pd.DataFrame(
            {"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", "n"])
        ),
        pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
        pd.DataFrame({1: [1], 2: [2]}),
        pd.DataFrame({"a": [1, 2]}, index=pd.date_range("2020-01-01", periods=2, freq="D")),
        pd.DataFrame({"a": [1, 2, 3]}, index=pd.timedelta_range("1h", periods=3, freq="h")),
    ],
    ids=[
        "mixed-dtypes",
        "empty",
        "empty-typed",
        "range-index",
        "str-index",
        "multiindex",
        "multiindex-columns",
        "int-columns",
        "datetime-index-freq",
        "timedelta-index-freq",
    ],
)
def test_dataframe_round_trip(artifact: DataArtifact, frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(_frame_round_trip(artifact, frame), frame)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1, 2, 3], name="x", index=list("abc")),
        pd.Series([1.5, np.nan], name=None),
        pd.Series(["a", None], name=3, dtype="string"),
        pd.Series(
            pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True), name="level"
        ),
        pd.Series([], dtype="int16", name="empty"),
        pd.Series(pd.to_datetime(["2020-01-01"]).tz_localize("UTC"), name=("a", "b")),
    ],
    ids=["named", "unnamed", "int-name", "ordered-category", "empty", "tuple-name"],
)
def test_series_round_trip_restores_name_and_dtype(
    artifact: DataArtifact, series: pd.Series
) -> None:
    PandasMaterializer(artifact).handle_return(series)
    result = PandasMaterializer(artifact).handle_input(pd.Series)
    assert isinstance(result, pd.Series)
    pd.testing.assert_series_equal(result, series)
    assert result.name == series.name


def test_writes_snappy_parquet(local_artifact: DataArtifact) -> None:
    import pyarrow.parquet as pq

    PandasMaterializer(local_artifact).handle_return(pd.DataFrame({"a": [1]}))
    assert fileio.listdir(local_artifact.uri) == ["df.parquet", "metadata.json"]
    metadata = pq.ParquetFile(os.path.join(local_artifact.uri, "df.parquet")).metadata
    assert metadata.row_group(0).column(0).compression == "SNAPPY"


def test_unstorable_columns_are_refused_and_nothing_is_left(artifact: DataArtifact) -> None:
    frame = pd.DataFrame({"mixed": [1, "x"]})
    with pytest.raises(
        MaterializerError,
        match="cannot write this pandas.DataFrame as parquet: .*Give each column one type",
    ):
        PandasMaterializer(artifact).handle_return(frame)
    assert fileio.listdir(artifact.uri) == []


def test_reading_the_wrong_kind_is_explained(artifact: DataArtifact) -> None:
    PandasMaterializer(artifact).handle_return(pd.DataFrame({"a": [1]}))
    with pytest.raises(MaterializerError, match="as pandas.Series: it holds a pandas DataFrame"):
        PandasMaterializer(artifact).handle_input(pd.Series)


def test_subclasses_are_refused(artifact: DataArtifact) -> None:
    class TaggedFrame(pd.DataFrame):
        pass

    with pytest.raises(
        MaterializerError, match="stores plain DataFrames and Series; a .*TaggedFrame"
    ):
        PandasMaterializer(artifact).handle_return(TaggedFrame({"a": [1]}))


def test_type_check_from_base(artifact: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match="PandasMaterializer cannot write type 'dict'"):
        PandasMaterializer(artifact).handle_return({"a": [1]})


def test_registered_for_frame_and_series() -> None:
    assert default_materializer_registry.get(pd.DataFrame) is PandasMaterializer
    assert default_materializer_registry.get(pd.Series) is PandasMaterializer
