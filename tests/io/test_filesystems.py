"""The filesystem routing: which filesystem serves a path, how a registered store's failures are
reported, and the directory primitives the artifact store builds on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from zenml_airflow.exceptions import ArtifactStoreError
from zenml_airflow.io import fileio, filesystems


class _OwnMemoryFS(MemoryFileSystem):
    """A memory filesystem instance of its own (not fsspec's cached default)."""

    cachable = False


class _BrokenFile:
    """A remote file whose transport fails the way botocore/aiohttp do: not an OSError subclass
    that means something on its own."""

    closed = False

    def write(self, data: Any) -> int:
        raise RuntimeError("connection reset by peer")

    def read(self, *args: Any) -> bytes:
        raise FileNotFoundError("gone")

    def close(self) -> None:
        self.closed = True


def test_fileio_keeps_the_routing_names_as_the_same_objects() -> None:
    for name in (
        "PathType",
        "get_filesystem",
        "is_object_store",
        "make_directory",
        "register_filesystem",
        "registered_filesystems",
        "unregister_filesystem",
    ):
        assert getattr(fileio, name) is getattr(filesystems, name), name
    # The helpers only fileio uses do not become part of its public surface.
    for name in ("lookup", "is_local", "reporting", "ReportingFile"):
        assert not hasattr(fileio, name), name


def test_lookup_names_the_registration_serving_a_path(memory_root: str) -> None:
    own = _OwnMemoryFS()
    assert filesystems.lookup(memory_root + "/x")[2] is None  # fsspec's own: no label
    filesystems.register_filesystem(memory_root, own, label="artifact store 'mem'")
    try:
        fs, stripped, label = filesystems.lookup(memory_root + "/x")
        assert fs is own and label == "artifact store 'mem'"
        assert stripped == own._strip_protocol(memory_root + "/x")
        filesystems.register_filesystem(memory_root + "/unnamed", own)
        try:
            assert filesystems.lookup(memory_root + "/unnamed/y")[2] == (
                f"the filesystem registered for '{memory_root}/unnamed'"
            )
        finally:
            filesystems.unregister_filesystem(memory_root + "/unnamed")
    finally:
        filesystems.unregister_filesystem(memory_root)
    assert filesystems.lookup(memory_root + "/x")[0] is not own


def test_is_local_and_is_object_store() -> None:
    local = fsspec.filesystem("file")
    assert filesystems.is_local(local) and not filesystems.is_object_store(local)
    assert not filesystems.is_local(_OwnMemoryFS())
    assert not filesystems.is_object_store(_OwnMemoryFS())

    class _FakeS3(MemoryFileSystem):
        protocol = ("s3", "s3a")

    assert filesystems.is_object_store(_FakeS3())


def test_make_directory_creates_one_directory_and_refuses_an_existing_one(
    tmp_path: Path, memory_root: str
) -> None:
    local = LocalFileSystem()
    filesystems.make_directory(local, str(tmp_path / "d"))
    assert (tmp_path / "d").is_dir()
    with pytest.raises(FileExistsError):
        filesystems.make_directory(local, str(tmp_path / "d"))
    with pytest.raises(FileNotFoundError):
        filesystems.make_directory(local, str(tmp_path / "missing" / "d"))

    memory = fsspec.filesystem("memory")
    path = memory._strip_protocol(memory_root + "/d")
    filesystems.make_directory(memory, path)
    assert memory.isdir(path)
    with pytest.raises(FileExistsError, match="already exists"):
        filesystems.make_directory(memory, path)


def test_reporting_names_the_store_for_transport_failures_only() -> None:
    with (
        pytest.raises(
            ArtifactStoreError,
            match=r"^Artifact store 's3://b' failed while reading 's3://b/x': RuntimeError: boom\. "
            r"Check that the store is reachable",
        ),
        filesystems.reporting("artifact store 's3://b'", "reading", "s3://b/x"),
    ):
        raise RuntimeError("boom")
    # Errors that mean what they say pass unchanged, and so does everything without a label.
    with (
        pytest.raises(FileNotFoundError, match="nope"),
        filesystems.reporting("artifact store 's3://b'", "reading", "s3://b/x"),
    ):
        raise FileNotFoundError("nope")
    with (
        pytest.raises(RuntimeError, match="local"),
        filesystems.reporting(None, "reading", "/tmp/x"),
    ):
        raise RuntimeError("local")


def test_reporting_file_names_the_store_and_discards_on_failure() -> None:
    broken = _BrokenFile()
    handle = filesystems.ReportingFile(broken, "artifact store 'mem'", "mem://x", "wb")  # type: ignore[arg-type]
    with pytest.raises(
        ArtifactStoreError, match="Artifact store 'mem' failed while writing 'mem://x'"
    ):
        handle.write(b"data")
    with pytest.raises(FileNotFoundError, match="gone"):
        handle.read()
    with pytest.raises(RuntimeError, match="inside"), handle:
        raise RuntimeError("inside")
    assert broken.closed and handle.closed
