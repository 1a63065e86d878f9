"""Materializers say which files they write (``FILENAMES``): every file a built-in materializer
writes is declared, the main one first, and readers that bypass the materializer use it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.exceptions import MaterializerError
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


class SubclassedNumpyMaterializer(NumpyMaterializer, register=False):
    """Writes NumpyMaterializer's format: a missing file is reported as NumpyMaterializer's."""


@pytest.mark.parametrize(
    ("materializer", "data_type", "name", "declared_by"),
    [
        (BuiltInMaterializer, dict, "data.json", "BuiltInMaterializer"),
        (NumpyMaterializer, np.ndarray, "data.npy", "NumpyMaterializer"),
        (SubclassedNumpyMaterializer, np.ndarray, "data.npy", "NumpyMaterializer"),
        (PandasMaterializer, pd.DataFrame, "df.parquet", "PandasMaterializer"),
    ],
    ids=["json", "numpy", "numpy-subclass", "pandas"],
)
def test_a_missing_file_names_the_file_and_the_materializer_that_declares_it(
    artifact: DataArtifact,
    materializer: type[BaseMaterializer],
    data_type: type,
    name: str,
    declared_by: str,
) -> None:
    with pytest.raises(
        MaterializerError,
        match=rf"^Artifact '{re.escape(artifact.uri)}' has no {re.escape(name)}: it was not "
        rf"written by {declared_by}, or its write did not finish\.$",
    ):
        materializer(artifact).handle_input(data_type)


def test_a_missing_sklearn_model_file_says_seed_pickles_are_not_loaded(
    artifact: DataArtifact,
) -> None:
    pytest.importorskip("skops")
    from sklearn.base import BaseEstimator

    from zenml_airflow.integrations.sklearn.materializers import SklearnMaterializer

    with pytest.raises(
        MaterializerError,
        match=r"has no model\.skops: it was not written by SklearnMaterializer \(artifacts "
        r"written by ZenML 0\.7 are pickles, which zenml-airflow does not load\), or its write "
        r"did not finish\.$",
    ):
        SklearnMaterializer(artifact).handle_input(BaseEstimator)
