"""Artifact I/O (zenml_airflow.artifact_io): writing outputs through their materializers, sharing
identical copies, cleaning up after failures, and reading artifacts back with uniform errors."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from zenml_airflow.artifact_io import SHARE_MIN_BYTES, OutputWriter, artifact_of, read_artifact
from zenml_airflow.artifacts import ArtifactStore, DataArtifact, ModelArtifact
from zenml_airflow.core.spec import OutputSpec
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import ArtifactStoreError, MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.built_in_materializer import BuiltInMaterializer
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.metadata.records import ArtifactRecord, NewArtifact
from zenml_airflow.utils.source_utils import object_path

BUILT_IN = object_path(BuiltInMaterializer)


class Token:
    """A value only the test materializers below handle."""

    def __init__(self, text: str) -> None:
        self.text = text


class HalfWritingMaterializer(BaseMaterializer, register=False):
    """Writes one file, then fails: what a crash in the middle of a write leaves."""

    ASSOCIATED_TYPES = (Token,)

    def handle_return(self, data: Token) -> None:
        with fileio.open(os.path.join(self.artifact.uri, "part.txt"), "w") as handle:
            handle.write(data.text)
        raise OSError("disk full")

    def handle_input(self, data_type: Any) -> Token:
        with fileio.open(os.path.join(self.artifact.uri, "part.txt"), "r") as handle:
            return Token(handle.read())


class RefusingMaterializer(BaseMaterializer, register=False):
    """Fails with an error of ours, which must pass unchanged."""

    ASSOCIATED_TYPES = (Token,)

    def handle_return(self, data: Token) -> None:
        raise MaterializerError("Token values are refused on purpose.")


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[ArtifactStore, SQLMetadataStore]]:
    artifact_store = ArtifactStore(str(tmp_path / "artifacts"))
    with (
        SQLMetadataStore(f"sqlite:///{tmp_path / 'metadata.db'}") as metadata_store,
        artifact_store,
    ):
        yield artifact_store, metadata_store


def _writer(
    stores: tuple[ArtifactStore, SQLMetadataStore],
    materializer: type[BaseMaterializer] = BuiltInMaterializer,
    *,
    outputs: tuple[str, ...] = ("output",),
    artifact_type: str = "DataArtifact",
) -> OutputWriter:
    artifact_store, metadata_store = stores
    specs = {
        name: OutputSpec(
            data_type="builtins:int",
            materializer=object_path(materializer),
            materializer_hash="h",
            artifact_type=artifact_type,
        )
        for name in outputs
    }
    return OutputWriter(
        artifact_store,
        metadata_store,
        pipeline_name="pipe",
        step_name="trainer",
        outputs=specs,
        materializers={name: materializer for name in outputs},
    )


def _record(new: NewArtifact) -> ArtifactRecord:
    return ArtifactRecord(
        id=new.id, uri=new.uri, artifact_type=new.artifact_type, data_type=new.data_type,
        materializer=new.materializer, content_hash=new.content_hash, size_bytes=new.size_bytes,
        producer_step_run_id=1, created_at=datetime.now(UTC),
    )  # fmt: skip


def _register(metadata_store: SQLMetadataStore, outputs: dict[str, NewArtifact]) -> None:
    run = metadata_store.create_run("pipe", f"run-{uuid.uuid4().hex}", num_steps=1)
    step_run = metadata_store.start_step_run(
        run.id, "trainer", entrypoint="m:trainer", entrypoint_name="trainer", docstring=None,
        parameters={}, source_hash="s",
    )  # fmt: skip
    metadata_store.finish_step_run(
        step_run.id, status=ExecutionStatus.COMPLETED, cache_key=None, inputs={}, outputs=outputs
    )


def test_outputs_get_fresh_directories_in_the_store_layout_before_anything_is_written(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    writer = _writer(stores, outputs=("a", "b"), artifact_type="ModelArtifact")
    root = stores[0].path.rstrip("/")
    assert set(writer.uris) == {"a", "b"}
    for name, uri in writer.uris.items():
        assert uri.startswith(f"{root}/pipe/trainer/{name}/")
        assert not stores[0].exists(uri)
        assert isinstance(writer.artifact(name), ModelArtifact)
        assert writer.artifact(name).uri == uri
    assert writer.uris["a"] != writer.uris["b"]


def test_write_stores_the_value_and_describes_the_artifact_to_register(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    writer = _writer(stores)
    new = writer.write("output", {"answer": 42})
    artifact_store = stores[0]
    assert new.uri == writer.uris["output"]
    assert new.id == new.uri.rsplit("/", 1)[-1]
    assert new.artifact_type == "DataArtifact"
    assert new.data_type == "builtins:dict"
    assert new.materializer == BUILT_IN
    assert new.content_hash == artifact_store.content_hash(new.uri)
    assert new.size_bytes == artifact_store.size(new.uri) == len('{"answer": 42}')
    assert read_artifact(_record(new)) == {"answer": 42}


def test_a_none_value_is_recorded_with_the_declared_data_type(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    new = _writer(stores).write("output", None)
    assert new.data_type == "builtins:int"


def test_materializer_bound_to_an_output_writes_into_its_directory(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    writer = _writer(stores)
    materializer = writer.materializer("output")
    assert isinstance(materializer, BuiltInMaterializer)
    assert materializer.artifact is writer.artifact("output")
    custom = writer.materializer("output", HalfWritingMaterializer)
    assert isinstance(custom, HalfWritingMaterializer)
    assert custom.artifact.uri == writer.uris["output"]


def test_a_materializer_that_raises_mid_write_leaves_nothing_behind(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    artifact_store = stores[0]
    with (
        pytest.raises(
            MaterializerError,
            match=r"Writing output 'output' of step 'trainer' with HalfWritingMaterializer failed: "
            r"OSError: disk full",
        ) as raised,
        _writer(stores, HalfWritingMaterializer) as writer,
    ):
        writer.write("output", Token("half"))
    assert isinstance(raised.value.__cause__, OSError)
    assert not artifact_store.exists(writer.uris["output"])
    assert artifact_store.artifact_directories() == []


def test_a_failure_after_the_writes_removes_every_written_output(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    artifact_store = stores[0]
    with (
        pytest.raises(RuntimeError, match="registration failed"),
        _writer(stores, outputs=("a", "b")) as writer,
    ):
        writer.write("a", 1)
        writer.write("b", 2)
        assert all(artifact_store.exists(uri) for uri in writer.uris.values())
        raise RuntimeError("registration failed")
    assert artifact_store.artifact_directories() == []


def test_a_successful_block_keeps_what_was_written(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    with _writer(stores) as writer:
        new = writer.write("output", 7)
    assert stores[0].exists(new.uri)


def test_errors_of_ours_pass_unchanged_and_still_clean_up(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    with (
        pytest.raises(MaterializerError, match=r"^Token values are refused on purpose\.$"),
        _writer(stores, RefusingMaterializer) as writer,
    ):
        writer.write("output", Token("x"))
    assert not stores[0].exists(writer.uris["output"])


def test_writing_one_output_twice_is_refused_by_the_store(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    writer = _writer(stores)
    writer.write("output", 1)
    with pytest.raises(ArtifactStoreError, match="already exists"):
        writer.write("output", 2)


def test_a_large_output_identical_to_a_registered_artifact_shares_its_copy(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    artifact_store, metadata_store = stores
    value = "x" * SHARE_MIN_BYTES
    first = _writer(stores).write("output", value)
    _register(metadata_store, {"output": first})

    with _writer(stores) as writer:
        second = writer.write("output", value)
    assert second.uri == first.uri
    assert second.id != first.id
    assert not artifact_store.exists(writer.uris["output"])  # the fresh copy is gone
    assert read_artifact(_record(second)) == value


def test_a_small_identical_output_keeps_its_own_copy(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    metadata_store = stores[1]
    first = _writer(stores).write("output", "small")
    _register(metadata_store, {"output": first})
    second = _writer(stores).write("output", "small")
    assert second.uri != first.uri
    assert second.content_hash == first.content_hash


def test_reading_a_missing_artifact_gives_the_uniform_error(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    writer = _writer(stores, HalfWritingMaterializer)
    record = ArtifactRecord(
        id="0" * 32, uri=writer.uris["output"], artifact_type="DataArtifact",
        data_type=object_path(Token), materializer=object_path(HalfWritingMaterializer),
        content_hash="", size_bytes=None, producer_step_run_id=1, created_at=datetime.now(UTC),
    )  # fmt: skip
    uri = writer.uris["output"]
    with pytest.raises(
        MaterializerError,
        match=rf"^Reading artifact '0{{32}}' from {uri} with HalfWritingMaterializer failed: "
        r"FileNotFoundError: ",
    ) as raised:
        read_artifact(record, Token)
    assert isinstance(raised.value.__cause__, FileNotFoundError)

    with pytest.raises(
        MaterializerError, match=r"^Reading input 'x' of step 's' from .* FileNotFoundError"
    ):
        read_artifact(record, Token, what="input 'x' of step 's'")


def test_read_uses_the_given_materializer_and_type(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    new = _writer(stores).write("output", [1, 2])
    record = _record(new)
    assert read_artifact(record) == [1, 2]
    assert read_artifact(record, tuple) == (1, 2)
    with pytest.raises(MaterializerError, match="BuiltInMaterializer cannot read type"):
        read_artifact(record, Token)
    with pytest.raises(
        MaterializerError, match="HalfWritingMaterializer failed: FileNotFoundError"
    ):
        read_artifact(record, Token, materializer=HalfWritingMaterializer)


def test_artifact_of_builds_the_recorded_artifact_type(
    stores: tuple[ArtifactStore, SQLMetadataStore],
) -> None:
    new = _writer(stores, artifact_type="ModelArtifact").write("output", 3)
    artifact = artifact_of(_record(new))
    assert isinstance(artifact, ModelArtifact)
    assert (artifact.uri, artifact.materializer, artifact.datatype) == (
        new.uri,
        new.materializer,
        new.data_type,
    )
    assert not isinstance(artifact_of(_record(_writer(stores).write("output", 1))), ModelArtifact)
    assert isinstance(artifact_of(_record(_writer(stores).write("output", 1))), DataArtifact)
