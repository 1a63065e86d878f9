"""Materializers say which files they write (``FILENAMES``): every file a built-in materializer
writes is declared, the main one first, and readers that bypass the materializer use it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.io import fileio
from zenml_airflow.materializers import (
    BaseMaterializer,
    BuiltInMaterializer,
    NumpyMaterializer,
    PandasMaterializer,
    PydanticMaterializer,
)


class Point(BaseModel):
    x: int


def _written(artifact: DataArtifact) -> set[str]:
    return set(fileio.listdir(artifact.uri))


@pytest.mark.parametrize(
    ("materializer", "value", "main"),
    [
        (BuiltInMaterializer, {"a": 1}, "data.json"),
        (BuiltInMaterializer, b"\x00\x01", "data.bin"),
        (NumpyMaterializer, np.arange(3), "data.npy"),
        (PandasMaterializer, pd.DataFrame({"a": [1, 2]}), "df.parquet"),
        (PydanticMaterializer, Point(x=1), "data.json"),
    ],
    ids=["json", "bytes", "numpy", "pandas", "pydantic"],
)
def test_every_file_written_is_declared(
    artifact: DataArtifact, materializer: type[BaseMaterializer], value: Any, main: str
) -> None:
    materializer(artifact).handle_return(value)
    written = _written(artifact)
    assert main in written
    assert written <= set(materializer.FILENAMES)


def test_the_main_file_comes_first() -> None:
    assert BuiltInMaterializer.FILENAMES == ("data.json", "data.bin")
    assert NumpyMaterializer.FILENAMES == ("data.npy",)
    assert PandasMaterializer.FILENAMES == ("df.parquet", "metadata.json")
    assert PydanticMaterializer.FILENAMES == ("data.json",)


def test_a_materializer_that_does_not_say_declares_no_files() -> None:
    class Quiet(BaseMaterializer, register=False):
        ASSOCIATED_TYPES = (Point,)

    assert Quiet.FILENAMES == ()


def test_the_sklearn_materializer_declares_its_model_file(artifact: DataArtifact) -> None:
    pytest.importorskip("skops")
    from sklearn.linear_model import LinearRegression

    from zenml_airflow.integrations.sklearn.materializers import SklearnMaterializer

    SklearnMaterializer(artifact).handle_return(LinearRegression())
    assert _written(artifact) <= set(SklearnMaterializer.FILENAMES)
    assert SklearnMaterializer.FILENAMES == ("model.skops",)
