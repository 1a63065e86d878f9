"""Artifact metadata (issue 16): each materializer records a few facts about what it wrote, kept
in the metadata store and readable as ``artifact.metadata`` without loading the value."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel
from sklearn.linear_model import LogisticRegression

from zenml_airflow.artifact_io import METADATA_MAX_BYTES, clean_metadata
from zenml_airflow.materializers.built_in_materializer import BuiltInMaterializer
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import Output, step


class Settings(BaseModel):
    lr: float = 0.1
    layers: int = 2


@step
def produce() -> Output(
    number=int,
    words=list,
    array=np.ndarray,
    frame=pd.DataFrame,
    settings=Settings,
    model=LogisticRegression,
):
    model = LogisticRegression(C=0.5, max_iter=200).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": ["a", "b", "c"]})
    return 7, ["a", "b"], np.zeros((3, 4), dtype="float32"), frame, Settings(), model


@pipeline
def described(produce):
    produce()


def test_each_built_in_materializer_describes_what_it_wrote_and_a_cached_run_shares_it() -> None:
    run = described(produce=produce()).run()
    outputs = run.get_step("produce").outputs
    assert outputs["number"].metadata == {"type": "int"}
    assert outputs["words"].metadata == {"type": "list", "length": 2}
    assert outputs["array"].metadata == {"shape": [3, 4], "dtype": "float32", "size": 12}
    assert outputs["frame"].metadata == {
        "kind": "dataframe",
        "rows": 3,
        "columns": 2,
        "schema": {"x": "float64", "label": "str"},
    }
    assert outputs["settings"].metadata == {
        "model": "tests.test_artifact_metadata.Settings",
        "fields": ["lr", "layers"],
    }
    model = outputs["model"].metadata
    assert model["estimator"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert model["fitted"] is True and model["params"]["C"] == 0.5
    assert model["num_features"] == 1 and model["n_classes"] == 2
    assert model["params"]["max_iter"] == 200

    # Read back from the store in a fresh view, and shared by the cached run.
    again = described(produce=produce()).run()
    cached = again.get_step("produce")
    assert cached.is_cached
    assert cached.outputs["array"].metadata == outputs["array"].metadata
    fresh = Repository().get_pipeline("described").runs[0].get_step("produce")
    assert fresh.outputs["frame"].metadata["rows"] == 3


class Blob:
    def __init__(self, payload: str) -> None:
        self.payload = payload


class BrokenDescription(BuiltInMaterializer, register=False):
    """Writes like the built-in one; its description fails."""

    ASSOCIATED_TYPES = (str,)

    def extract_metadata(self, data: Any) -> dict[str, Any]:
        raise RuntimeError("cannot describe this")


@step
def text() -> str:
    return "hello"


@pipeline
def broken(text):
    text()


def test_a_failing_description_never_fails_the_step(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        run = broken(text=text().with_return_materializers(BrokenDescription)).run()
    artifact = run.get_step("text").output
    assert artifact.read() == "hello" and artifact.metadata == {}
    assert "BrokenDescription could not describe output 'output' of step 'text'" in caplog.text
    assert "RuntimeError: cannot describe this" in caplog.text


def test_metadata_is_bounded_plain_json(caplog: pytest.LogCaptureFixture) -> None:
    cleaned = clean_metadata(
        {
            "nan": math.nan,
            "numpy": np.int64(3),
            "object": Blob("x"),
            "nested": {"a": [1, 2, (3, 4)]},
            "long": "y" * 5000,
            "list": list(range(500)),
        },
        "output 'o' of step 's'",
    )
    assert cleaned["nan"] == "nan" and cleaned["numpy"] == 3 and isinstance(cleaned["numpy"], int)
    assert cleaned["object"].startswith("<tests.test_artifact_metadata.Blob object")
    assert cleaned["nested"] == {"a": [1, 2, [3, 4]]}
    assert len(cleaned["long"]) == 1000 and len(cleaned["list"]) == 100
    with caplog.at_level(logging.WARNING):
        assert clean_metadata(["not", "a", "dict"], "output 'o' of step 's'") == {}
        too_big = {f"k{i}": "v" * 900 for i in range(40)}
        assert clean_metadata(too_big, "output 'o' of step 's'") == {}
        many = clean_metadata({f"k{i}": i for i in range(80)}, "output 'o' of step 's'")
    assert len(many) == 50
    assert "is a list, not a dict" in caplog.text
    assert f"(at most {METADATA_MAX_BYTES} are kept); not recorded" in caplog.text
    assert "has 80 keys; keeping the first 50" in caplog.text
