"""Artifact store implementations the contract suite (``test_artifact_store_contract.py``) runs against.

To add one (e.g. s3 against a MinIO/moto emulator, gcs against fake-gcs-server), add a factory
to ``STORE_FACTORIES`` that returns an ``ArtifactStore`` rooted at a fresh, empty location (or
calls ``pytest.skip`` when the emulator is not configured). Every contract test then runs
against it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zenml_airflow.artifacts import ArtifactStore


@dataclass(frozen=True)
class StoreCase:
    """One implementation under test."""

    store: ArtifactStore
    # False where a 200 MB test file would only ever live in RAM (the memory filesystem).
    on_disk: bool


def _local(tmp_path: Path) -> StoreCase:
    return StoreCase(ArtifactStore(str(tmp_path / "artifact-store")), on_disk=True)


def _local_file_uri(tmp_path: Path) -> StoreCase:
    return StoreCase(ArtifactStore((tmp_path / "artifact-store").as_uri()), on_disk=True)


def _memory(tmp_path: Path) -> StoreCase:
    # A non-local scheme served by fsspec's in-memory filesystem: exercises the URI code paths
    # (scheme prefixes, protocol stripping) that s3/gcs take, without a network.
    return StoreCase(ArtifactStore(f"memory://contract-{uuid.uuid4().hex}"), on_disk=False)


STORE_FACTORIES: dict[str, Callable[[Path], StoreCase]] = {
    "local": _local,
    "local-file-uri": _local_file_uri,
    "memory": _memory,
}

# Implementations whose files live outside this process's memory: the streaming-hash test only
# means something there (an in-memory filesystem holds every byte in RAM by definition).
PERSISTENT_STORES = ("local", "local-file-uri")
