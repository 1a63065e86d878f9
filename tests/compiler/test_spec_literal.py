"""The spec literal of a DAG file: the compiler writes it, everyone reads it through one function
(``core.spec_format.spec_literal``) - the compiler's ``spec_from_dag_file`` and the UI plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compiler import fixture_steps
from zenml_airflow.compiler import compile_pipeline, render_dag_file, spec_from_dag_file
from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.core.spec_format import (
    DAG_TAG,
    PIPELINE_TAG_PREFIX,
    SPEC_VARIABLE,
    pipeline_tag,
    spec_literal,
)
from zenml_airflow.exceptions import PipelineConfigurationError
from zenml_airflow.stack import Stack


def test_the_literal_the_compiler_writes_is_read_back_equal(stack: Stack) -> None:
    spec, _ = build_spec(
        fixture_steps.build(), stack=stack, source="tests.compiler.fixture_steps:training"
    )
    text = render_dag_file(spec)

    assert f"\n{SPEC_VARIABLE} = " in text
    assert spec_literal(text) == spec.model_dump(mode="json")


def test_spec_from_dag_file_reads_the_same_literal(tmp_path: Path) -> None:
    path = compile_pipeline(fixture_steps.build(), tmp_path / "dags")
    assert spec_from_dag_file(path) == spec_literal(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "source",
    [
        "SPEC = {",  # not Python
        "from airflow.sdk import DAG\ndag = DAG('x')\n",  # no spec
        "SPEC = dict(name='p')\n",  # a call, not a literal: never run
        "SPEC = [1, 2]\n",  # a literal, but not a spec's mapping
        "def f():\n    SPEC = {'name': 'p'}\n",  # not at module level
    ],
)
def test_a_source_without_a_spec_literal_has_none(source: str, tmp_path: Path) -> None:
    assert spec_literal(source) is None
    path = tmp_path / "other.py"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(
        PipelineConfigurationError, match=r"is not a zenml-airflow DAG file \(no SPEC literal\)"
    ):
        spec_from_dag_file(path)


def test_reading_a_literal_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').close()\nSPEC = {{'name': 'p'}}\n"
    assert spec_literal(source) == {"name": "p"}
    assert not marker.exists()


def test_the_pipeline_tag_names_the_pipeline() -> None:
    assert DAG_TAG == "zenml-airflow"
    assert pipeline_tag("training") == "pipeline:training"
    assert pipeline_tag("training").removeprefix(PIPELINE_TAG_PREFIX) == "training"
