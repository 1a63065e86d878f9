"""Each integration's materializer describes what it wrote (``artifact.metadata``, issue 16)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from zenml_airflow.pipelines import pipeline  # noqa: E402
from zenml_airflow.steps import BaseStepConfig, Output, step  # noqa: E402


class Where(BaseStepConfig):
    directory: str


@step
def produce(config: Where) -> Output(
    frame=pl.DataFrame,
    lazy=pl.LazyFrame,
    table=pa.Table,
    sparse=sp.csr_matrix,
    image=Image.Image,
    figure=Figure,
    folder=Path,
):
    figure = Figure(figsize=(4, 3), dpi=50)
    figure.add_subplot().plot([1, 2, 3])
    folder = Path(config.directory)
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    (folder / "b.txt").write_text("bb")
    return (
        pl.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}),
        pl.LazyFrame({"x": [1.0]}),
        pa.table({"n": [1, 2]}),
        sp.csr_matrix(([1.0, 2.0], ([0, 1], [1, 2])), shape=(3, 4)),
        Image.new("RGB", (8, 5)),
        figure,
        folder,
    )


@pipeline
def facts(produce):
    produce()


def test_each_integration_records_facts_about_its_value(tmp_path: Path) -> None:
    where = Where(directory=str(tmp_path / "handover"))
    outputs = facts(produce=produce(config=where)).run().get_step("produce").outputs
    assert outputs["frame"].metadata == {
        "kind": "dataframe",
        "rows": 3,
        "columns": 2,
        "schema": {"x": "Int64", "y": "String"},
    }
    assert outputs["lazy"].metadata == {
        "kind": "lazyframe",
        "columns": 1,
        "schema": {"x": "Float64"},
    }
    assert outputs["table"].metadata == {
        "kind": "table",
        "rows": 2,
        "columns": 1,
        "schema": {"n": "int64"},
    }
    assert outputs["sparse"].metadata == {
        "class": "csr_matrix",
        "format": "csr",
        "shape": [3, 4],
        "dtype": "float64",
        "nnz": 2,
    }
    assert outputs["image"].metadata == {"width": 8, "height": 5, "mode": "RGB"}
    assert outputs["figure"].metadata == {"width_in": 4.0, "height_in": 3.0, "dpi": 50.0, "axes": 1}
    assert outputs["folder"].metadata == {"kind": "folder", "name": "handover", "files": 2}
