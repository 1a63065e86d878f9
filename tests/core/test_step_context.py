"""``StepContext`` over the executor's output writer: output locations, bound materializers
(the output's own or one the step names) and clear errors for unknown outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zenml_airflow.artifact_io import OutputWriter
from zenml_airflow.artifacts import ArtifactStore
from zenml_airflow.core.context import RunInfo, StepContext
from zenml_airflow.core.spec import OutputSpec
from zenml_airflow.exceptions import StepContextError
from zenml_airflow.materializers import BaseMaterializer, BuiltInMaterializer
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.utils.source_utils import object_path


class TextMaterializer(BaseMaterializer, register=False):
    ASSOCIATED_TYPES = (str,)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[OutputWriter]:
    artifact_store = ArtifactStore(str(tmp_path / "artifacts"))
    spec = OutputSpec(
        data_type="builtins:int",
        materializer=object_path(BuiltInMaterializer),
        materializer_hash="h",
    )
    with SQLMetadataStore(f"sqlite:///{tmp_path / 'metadata.db'}") as metadata_store:
        yield OutputWriter(
            artifact_store,
            metadata_store,
            pipeline_name="p",
            step_name="s",
            outputs={"a": spec, "b": spec},
            materializers={"a": BuiltInMaterializer, "b": BuiltInMaterializer},
        )


def _context(outputs: OutputWriter) -> StepContext:
    return StepContext(step_name="s", run_info=RunInfo("p", "run"), outputs=outputs)


def test_output_uris_and_materializers_come_from_the_writer(writer: OutputWriter) -> None:
    context = _context(writer)
    assert context.get_output_artifact_uri("a") == writer.uris["a"]
    bound = context.get_output_materializer("b")
    assert isinstance(bound, BuiltInMaterializer)
    assert bound.artifact is writer.artifact("b")
    custom = context.get_output_materializer("a", custom_materializer_class=TextMaterializer)
    assert isinstance(custom, TextMaterializer)
    assert custom.artifact.uri == writer.uris["a"]


def test_unknown_or_ambiguous_outputs_are_errors(writer: OutputWriter) -> None:
    context = _context(writer)
    with pytest.raises(StepContextError, match=r"has 2 outputs \['a', 'b'\]; pass output_name="):
        context.get_output_artifact_uri()
    with pytest.raises(
        StepContextError, match=r"has no output named 'c' \(outputs: \['a', 'b'\]\)"
    ):
        context.get_output_materializer("c")
