"""``ArtifactView.read``: reads through zenml_airflow.artifact_io, so a failing read says which
artifact, where and with which materializer - the same translation step inputs get (issue 15)."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.pipelines import pipeline
from zenml_airflow.post_execution.views import ArtifactView
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@step
def numbers() -> dict:
    return {"a": 1}


@pipeline
def one_step(numbers: Any) -> None:
    numbers()


class TextFileMaterializer(BaseMaterializer, register=False):
    """Reads ``text.txt``, which the built-in materializer never writes."""

    ASSOCIATED_TYPES = (dict,)

    def handle_input(self, data_type: Any) -> dict:
        with fileio.open(os.path.join(self.artifact.uri, "text.txt"), "r") as handle:
            return {"text": handle.read()}


def _output() -> ArtifactView:
    one_step(numbers=numbers()).run()
    pipeline_view = Repository().get_pipeline("one_step")
    assert pipeline_view is not None
    run = pipeline_view.runs[-1]
    return run.get_step("numbers").output


def test_read_returns_the_stored_value() -> None:
    assert _output().read() == {"a": 1}


def test_a_failing_read_names_the_artifact_its_uri_and_the_materializer() -> None:
    output = _output()
    with pytest.raises(
        MaterializerError,
        match=rf"^Reading artifact '{output.id}' from {output.uri} with TextFileMaterializer "
        r"failed: FileNotFoundError: ",
    ) as raised:
        output.read(materializer_class=TextFileMaterializer)
    assert isinstance(raised.value.__cause__, FileNotFoundError)


def test_reading_a_deleted_artifact_is_a_materializer_error() -> None:
    output = _output()
    shutil.rmtree(output.uri)
    with pytest.raises(MaterializerError, match=r"has no data\.json"):
        output.read()
