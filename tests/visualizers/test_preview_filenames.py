"""Previews read the files a built-in materializer declares (``FILENAMES``), not names of their
own: renaming a materializer's file moves the preview with it."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zenml_airflow.artifacts.store import ArtifactStore
from zenml_airflow.materializers import (
    BuiltInMaterializer,
    NumpyMaterializer,
    PandasMaterializer,
    PydanticMaterializer,
)
from zenml_airflow.visualizers import previews as pv
from zenml_airflow.visualizers.files import ArtifactFiles

BUILTIN = "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer"
PYDANTIC = "zenml_airflow.materializers.pydantic_materializer:PydanticMaterializer"
NUMPY = "zenml_airflow.materializers.numpy_materializer:NumpyMaterializer"
PANDAS = "zenml_airflow.materializers.pandas_materializer:PandasMaterializer"


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "artifacts"))


def _artifact(store: ArtifactStore, files: dict[str, bytes]) -> ArtifactFiles:
    uri = store.artifact_uri("p", "s", "out", uuid.uuid4().hex)
    store.prepare(uri)
    for name, data in files.items():
        with store.fs.open(f"{uri}/{name}", "wb") as handle:
            handle.write(data)
    return ArtifactFiles(store, uri)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow")
    return buffer.getvalue()


def test_previews_read_the_declared_files(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NumpyMaterializer, "FILENAMES", ("array.npy",))
    monkeypatch.setattr(PandasMaterializer, "FILENAMES", ("table.parquet",))
    monkeypatch.setattr(BuiltInMaterializer, "FILENAMES", ("value.json", "value.bin"))
    monkeypatch.setattr(PydanticMaterializer, "FILENAMES", ("model.json",))

    array = pv.preview_artifact(_artifact(store, {"array.npy": _npy(np.arange(5.0))}), NUMPY, "")
    assert array.kind == "array" and array.summary["stats"]["max"] == 4.0

    table_files = _artifact(store, {"table.parquet": _parquet(pd.DataFrame({"a": [1, 2, 3]}))})
    assert pv.preview_artifact(table_files, PANDAS, "").summary["rows"] == 3

    value = pv.preview_artifact(
        _artifact(store, {"value.json": b"[1, 2]"}), BUILTIN, "builtins:list"
    )
    assert value.kind == "json" and value.summary["json_type"] == "list"
    raw = pv.preview_artifact(
        _artifact(store, {"value.bin": b"\x00\x01"}), BUILTIN, "builtins:bytes"
    )
    assert raw.kind == "bytes" and raw.summary == {"bytes": 2}
    model = pv.preview_artifact(_artifact(store, {"model.json": b'{"x": 1}'}), PYDANTIC, "m:Point")
    assert model.kind == "json"


def test_a_missing_declared_file_is_refused_by_its_name(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NumpyMaterializer, "FILENAMES", ("array.npy",))
    preview = pv.preview_artifact(_artifact(store, {"data.npy": _npy(np.arange(3))}), NUMPY, "")
    assert preview.kind == "refused"
    assert (
        preview.message == "No array.npy in this artifact; it was not written by NumpyMaterializer."
    )
