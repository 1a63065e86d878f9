"""Artifact store implementations the contract suite (``test_artifact_store_contract.py``) runs against.

To add one, add a factory to ``STORE_FACTORIES`` that returns an ``ArtifactStore`` rooted at a
fresh, empty location (or fails in CI / skips elsewhere when its emulator is not configured).
Every contract test then runs against it. ``s3`` runs on a moto server and ``gcs`` on
fake-gcs-server, both built by their real flavors (``tests/backends/object_stores.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.backends.object_stores import gcs_component, s3_component
from zenml_airflow.artifacts import ArtifactStore


@dataclass(frozen=True)
class StoreCase:
    """One implementation under test."""

    store: ArtifactStore
    # False where a 200 MB test file would only ever live in RAM (the memory filesystem).
    on_disk: bool
    # Sizes of the streaming tests' arrays here (see STREAMING_ON_EMULATORS).
    streaming_sizes: tuple[int, ...] = (200 * 1024**2,)
    # How a subprocess rebuilds this store: a flavor and its config (None: it cannot).
    flavor: str | None = None
    config: dict[str, Any] | None = None


def _local(tmp_path: Path) -> StoreCase:
    root = str(tmp_path / "artifact-store")
    # 1 GB: the "large artifact" size, fast enough on a local disk.
    return StoreCase(
        ArtifactStore(root),
        on_disk=True,
        streaming_sizes=(1024**3,),
        flavor="local",
        config={"path": root},
    )


def _local_file_uri(tmp_path: Path) -> StoreCase:
    return StoreCase(ArtifactStore((tmp_path / "artifact-store").as_uri()), on_disk=True)


def _memory(tmp_path: Path) -> StoreCase:
    # A non-local scheme served by fsspec's in-memory filesystem: exercises the URI code paths
    # (scheme prefixes, protocol stripping) that s3/gcs take, without a network.
    return StoreCase(ArtifactStore(f"memory://contract-{uuid.uuid4().hex}"), on_disk=False)


# The streaming tests use smaller sizes on the emulators: they keep every object in their own
# memory and move it over loopback HTTP (moto: ~10 MB/s), so 1 GB would take minutes. There the
# test runs two sizes above one upload part and checks that the memory beyond the array does not
# grow with the size (s3fs buffers whole 50 MiB parts: ~225 MiB whatever the size, measured at
# 64-256 MiB).
STREAMING_ON_EMULATORS = (56 * 1024**2, 120 * 1024**2)


def _s3(tmp_path: Path) -> StoreCase:
    component = s3_component()
    return StoreCase(
        component.open_store(),
        on_disk=True,
        streaming_sizes=STREAMING_ON_EMULATORS,
        flavor="s3",
        config=component.config,
    )


def _gcs(tmp_path: Path) -> StoreCase:
    component = gcs_component()
    return StoreCase(
        component.open_store(),
        on_disk=True,
        streaming_sizes=STREAMING_ON_EMULATORS,
        flavor="gcs",
        config=component.config,
    )


STORE_FACTORIES: dict[str, Callable[[Path], StoreCase]] = {
    "local": _local,
    "local-file-uri": _local_file_uri,
    "memory": _memory,
    "s3": _s3,
    "gcs": _gcs,
}

# Implementations whose files live outside this process's memory: the streaming tests only
# mean something there (an in-memory filesystem holds every byte in RAM by definition).
PERSISTENT_STORES = ("local", "local-file-uri", "s3", "gcs")
# Implementations the large-array test runs on, each in fresh processes (rebuilt from a flavor
# and config); the file-URI spelling of the local store adds nothing there.
STREAMING_STORES = ("local", "s3", "gcs")
