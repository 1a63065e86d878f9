"""Pipeline names must work as Airflow DAG ids and artifact-store folder names (issue 14, "weak
messages"): ``@pipeline(name=".")`` was accepted."""

from __future__ import annotations

from typing import Any

import pytest

from zenml_airflow.exceptions import PipelineInterfaceError
from zenml_airflow.pipelines import BasePipeline, pipeline


def _body(first: Any) -> None:
    first()


@pytest.mark.parametrize("name", [".", "..", "...", "a b", "a/b", "../up", "dag:1", "naïve"])
def test_unusable_names_are_refused(name: str) -> None:
    with pytest.raises(
        PipelineInterfaceError,
        match=r"Invalid pipeline name .*: use letters, digits, '_', '-' and '\.' \(not only dots\)",
    ):
        pipeline(name=name)(_body)


def test_a_name_longer_than_a_dag_id_is_refused() -> None:
    pipeline(name="p" * 250)(_body)
    with pytest.raises(
        PipelineInterfaceError, match=r"\(251 characters\): a pipeline name may have at most 250"
    ):
        pipeline(name="p" * 251)(_body)


@pytest.mark.parametrize("name", ["training", "Train-2.v1", "a.b", "_x", ".hidden"])
def test_usable_names_are_kept(name: str) -> None:
    defined = pipeline(name=name)(_body)
    assert name == defined.NAME, "the given name is kept"


def test_an_empty_name_means_the_function_name_as_in_the_seed() -> None:
    defined = pipeline(name="")(_body)
    assert defined.NAME == "_body"


def test_class_based_pipelines_are_checked_too() -> None:
    with pytest.raises(PipelineInterfaceError, match=r"Invalid pipeline name '\.'"):

        class Dots(BasePipeline):
            NAME = "."

            def connect(self, first: Any) -> None:  # type: ignore[override]
                first()
