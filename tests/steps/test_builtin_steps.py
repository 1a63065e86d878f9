"""``PandasDatasource`` reads a CSV file as pandas does; ``PandasAnalyzer`` gives the train split's
statistics (``describe``) and schema (the dtype names)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from zenml_airflow.artifacts.base_artifact import SchemaArtifact, StatisticsArtifact
from zenml_airflow.steps import builtin_steps
from zenml_airflow.steps.builtin_steps import (
    PandasAnalyzer,
    PandasAnalyzerConfig,
    PandasDatasource,
    PandasDatasourceConfig,
)
from zenml_airflow.steps.step_interfaces import BaseAnalyzerStep, BaseDatasourceStep

FRAME = pd.DataFrame(
    {
        "age": [31, 45, 27, 60, 52],
        "bmi": [22.5, 30.1, 19.8, 27.3, 33.0],
        "city": ["Oslo", "Rome", "Lima", "Oslo", "Pune"],
    }
)


def read(**config: Any) -> pd.DataFrame:
    frame: pd.DataFrame = PandasDatasource().entrypoint(config=PandasDatasourceConfig(**config))
    return frame


def test_the_seed_import_paths_work() -> None:
    assert builtin_steps.__all__ == [
        "PandasAnalyzer", "PandasAnalyzerConfig", "PandasDatasource", "PandasDatasourceConfig",
    ]  # fmt: skip
    assert issubclass(PandasDatasource, BaseDatasourceStep)
    assert issubclass(PandasAnalyzer, BaseAnalyzerStep)
    assert PandasDatasource.entrypoint_path() == (
        "zenml_airflow.steps.builtin_steps.pandas_datasource:PandasDatasource"
    )


def test_datasource_reads_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    FRAME.to_csv(path, index=False)
    frame = read(path=str(path))
    pd.testing.assert_frame_equal(frame, pd.read_csv(path))
    assert list(frame.columns) == ["age", "bmi", "city"] and len(frame) == 5
    assert frame["age"].tolist() == FRAME["age"].tolist()


def test_datasource_passes_separator_header_names_and_index_column(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    path.write_text("a;1;2.5\nb;3;4.5\n", encoding="utf-8")
    frame = read(path=str(path), sep=";", header=None, names=["key", "x", "y"], index_col="key")
    assert frame.index.tolist() == ["a", "b"]
    assert frame.to_dict() == {"x": {"a": 1, "b": 3}, "y": {"a": 2.5, "b": 4.5}}

    path.write_text("skip me\nk,v\nz,9\n", encoding="utf-8")
    assert read(path=str(path), header=1, index_col=0).to_dict() == {"v": {"z": 9}}


def test_a_relative_path_is_made_absolute_so_a_worker_reads_the_same_file() -> None:
    Path("data.csv").write_text("x\n1\n", encoding="utf-8")  # the test's own working directory
    config = PandasDatasourceConfig(path="data.csv")
    assert config.path == os.path.abspath("data.csv")
    os.chdir("/")
    assert read(path=config.path)["x"].tolist() == [1]
    # URLs are pandas' business and stay as they are.
    assert (
        PandasDatasourceConfig(path="https://example.com/d.csv").path == "https://example.com/d.csv"
    )


def test_datasource_config_defaults_and_required_path() -> None:
    config = PandasDatasourceConfig(path="/d.csv")
    assert (config.sep, config.header, config.names, config.index_col) == (",", "infer", None, None)
    with pytest.raises(ValidationError, match=r"path\s+Field required"):
        PandasDatasourceConfig()  # type: ignore[call-arg]


def test_datasource_fails_with_the_missing_file_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nothing\.csv"):
        read(path=str(tmp_path / "nothing.csv"))


def test_analyzer_statistics_and_schema() -> None:
    statistics, schema = PandasAnalyzer().entrypoint(dataset=FRAME, config=PandasAnalyzerConfig())
    # One row per numeric column, one column per statistic.
    assert statistics.index.tolist() == ["age", "bmi"]
    assert statistics.columns.tolist() == [
        "count", "mean", "std", "min", "25%", "50%", "75%", "max",
    ]  # fmt: skip
    assert statistics.loc["age", "count"] == 5
    assert statistics.loc["age", "mean"] == pytest.approx(43.0)
    assert statistics.loc["bmi", "max"] == pytest.approx(33.0)
    assert statistics.loc["age", "std"] == pytest.approx(FRAME["age"].std())
    assert statistics.loc["age", "50%"] == 45
    # One row holding every column's dtype name.
    assert schema.shape == (1, 3)
    assert schema.loc[0, "age"] == "int64" and schema.loc[0, "bmi"] == "float64"
    assert schema.loc[0, "city"] == str(FRAME["city"].dtype)


def test_analyzer_percentiles_include_and_exclude() -> None:
    statistics, _ = PandasAnalyzer().entrypoint(
        dataset=FRAME, config=PandasAnalyzerConfig(percentiles=[0.2, 0.4, 0.6, 0.8, 1.0])
    )
    assert statistics.columns.tolist() == [
        "count", "mean", "std", "min", "20%", "40%", "60%", "80%", "100%", "max",
    ]  # fmt: skip
    assert statistics.loc["age", "100%"] == 60

    everything, _ = PandasAnalyzer().entrypoint(
        dataset=FRAME, config=PandasAnalyzerConfig(include="all")
    )
    assert everything.index.tolist() == ["age", "bmi", "city"]
    assert everything.loc["city", "unique"] == 4 and everything.loc["city", "top"] == "Oslo"

    without_floats, _ = PandasAnalyzer().entrypoint(
        dataset=FRAME, config=PandasAnalyzerConfig(exclude=["float", "object", "string"])
    )
    assert without_floats.index.tolist() == ["age"]


@pytest.mark.parametrize("bad", [[1.5], [-0.1, 0.5]])
def test_analyzer_refuses_percentiles_outside_zero_to_one(bad: list[float]) -> None:
    with pytest.raises(ValidationError, match=r"percentiles must lie between 0 and 1"):
        PandasAnalyzerConfig(percentiles=bad)


def test_analyzer_outputs_are_statistics_and_schema_artifacts() -> None:
    types = PandasAnalyzer.OUTPUT_ARTIFACT_TYPES
    assert types == {"statistics": StatisticsArtifact, "schema": SchemaArtifact}
    assert list(PandasAnalyzer.SIGNATURE.outputs) == ["statistics", "schema"]
