"""An empty artifact directory on a local, S3 (moto) or GCS (fake-gcs-server) artifact store,
for materializer round trips on every kind of store (see tests/backends/object_stores.py for
how the emulators are found)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.backends.object_stores import gcs_component, s3_component
from zenml_airflow.artifacts import ArtifactStore, DataArtifact

STORE_KINDS = ("local", "s3", "gcs")


def open_store(kind: str, tmp_path: Path) -> ArtifactStore:
    """A fresh artifact store of ``kind`` (a new prefix of the test bucket for s3 and gcs)."""
    if kind == "s3":
        return s3_component().open_store()
    if kind == "gcs":
        return gcs_component().open_store()
    return ArtifactStore(str(tmp_path / "store"))


@contextlib.contextmanager
def artifact_on(kind: str, tmp_path: Path) -> Iterator[DataArtifact]:
    """A prepared, empty artifact directory on a store of ``kind``, its scheme registered."""
    store = open_store(kind, tmp_path)
    uri = store.artifact_uri("pipeline", "step", "output", uuid.uuid4().hex)
    with store:
        store.prepare(uri)
        yield DataArtifact(uri=uri)
