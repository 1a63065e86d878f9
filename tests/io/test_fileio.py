"""fileio on local paths and through the prefix registry (an fsspec ``memory://`` filesystem)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from zenml_airflow.io import fileio


def _write(path: str | Path, data: str) -> None:
    with fileio.open(path, "w") as handle:
        handle.write(data)


def _read(path: str | Path) -> str:
    with fileio.open(path, "r") as handle:
        return str(handle.read())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "files"


# --- local ----------------------------------------------------------------------------------


def test_open_text_is_utf8_and_binary_is_raw(root: Path) -> None:
    fileio.makedirs(root)
    _write(root / "t.txt", "héllo ✓")
    assert (root / "t.txt").read_bytes() == "héllo ✓".encode()
    with fileio.open(root / "b.bin", "wb") as handle:
        handle.write(b"\xff\x00")
    with fileio.open(root / "b.bin", "rb") as handle:
        assert handle.read() == b"\xff\x00"


def test_local_files_open_as_real_files_and_report_their_local_path(root: Path) -> None:
    # Real file objects let numpy and pyarrow skip copying every chunk through a wrapper.
    import io

    fileio.makedirs(root)
    with fileio.open(root / "b.bin", "wb") as handle:
        assert isinstance(handle, io.BufferedWriter)
    with fileio.open(root / "b.bin", "rb") as handle:
        assert isinstance(handle, io.BufferedReader)
    with fileio.open(root / "t.txt", "w", newline="\n") as handle:
        assert isinstance(handle, io.TextIOWrapper) and handle.encoding == "utf-8"
    assert fileio.local_path(root / "b.bin") == str(root / "b.bin")
    assert fileio.local_path(f"file://{root / 'b.bin'}") == str(root / "b.bin")
    assert fileio.local_path("memory://somewhere/b.bin") is None


def test_open_missing_file_raises_file_not_found(root: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fileio.open(root / "missing.txt", "r")


def test_exists_isdir_makedirs_mkdir(root: Path) -> None:
    assert not fileio.exists(root)
    fileio.makedirs(root / "a" / "b")
    fileio.makedirs(root / "a" / "b")  # idempotent
    assert fileio.isdir(root / "a" / "b") and fileio.exists(root / "a")
    fileio.mkdir(root / "a" / "c")
    assert fileio.isdir(root / "a" / "c")
    with pytest.raises(FileExistsError):
        fileio.mkdir(root / "a" / "c")
    with pytest.raises(FileNotFoundError):
        fileio.mkdir(root / "no" / "parent")
    _write(root / "f", "x")
    assert fileio.exists(root / "f") and not fileio.isdir(root / "f")


def test_listdir_returns_sorted_names(root: Path) -> None:
    fileio.makedirs(root / "sub")
    _write(root / "b.txt", "")
    _write(root / "a.txt", "")
    assert fileio.listdir(root) == ["a.txt", "b.txt", "sub"]
    assert fileio.listdir(str(root) + "/") == ["a.txt", "b.txt", "sub"]
    with pytest.raises(FileNotFoundError, match="No such directory"):
        fileio.listdir(root / "nope")
    with pytest.raises(NotADirectoryError, match="Not a directory"):
        fileio.listdir(root / "a.txt")


def test_remove_and_rmtree(root: Path) -> None:
    fileio.makedirs(root / "d" / "e")
    _write(root / "d" / "e" / "f", "x")
    _write(root / "g", "x")
    fileio.remove(root / "g")
    assert not fileio.exists(root / "g")
    with pytest.raises(FileNotFoundError):
        fileio.remove(root / "g")
    with pytest.raises(IsADirectoryError, match="use fileio.rmtree"):
        fileio.remove(root / "d")
    fileio.rmtree(root / "d")
    assert not fileio.exists(root / "d")
    with pytest.raises(FileNotFoundError):
        fileio.rmtree(root / "d")
    _write(root / "h", "x")
    with pytest.raises(NotADirectoryError, match="use fileio.remove"):
        fileio.rmtree(root / "h")


def test_copy_overwrite_semantics(root: Path) -> None:
    fileio.makedirs(root)
    _write(root / "src", "new")
    _write(root / "dst", "old")
    with pytest.raises(FileExistsError, match=r"'.*dst' already exists; pass overwrite=True"):
        fileio.copy(root / "src", root / "dst")
    assert _read(root / "dst") == "old"
    fileio.copy(root / "src", root / "dst", overwrite=True)
    assert _read(root / "dst") == "new"
    fileio.copy(root / "src", root / "fresh")
    assert _read(root / "fresh") == "new" and _read(root / "src") == "new"
    with pytest.raises(FileNotFoundError):
        fileio.copy(root / "missing", root / "x")


def test_rename_files_and_directories(root: Path) -> None:
    fileio.makedirs(root / "dir")
    _write(root / "dir" / "f", "1")
    _write(root / "a", "a")
    _write(root / "b", "b")
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        fileio.rename(root / "a", root / "b")
    fileio.rename(root / "a", root / "b", overwrite=True)
    assert _read(root / "b") == "a" and not fileio.exists(root / "a")
    fileio.rename(root / "dir", root / "moved")
    assert _read(root / "moved" / "f") == "1" and not fileio.exists(root / "dir")
    with pytest.raises(FileNotFoundError):
        fileio.rename(root / "dir", root / "other")


def test_glob_walk_stat_size(root: Path) -> None:
    fileio.makedirs(root / "x" / "y")
    _write(root / "a.json", "12")
    _write(root / "x" / "b.json", "1234")
    _write(root / "x" / "y" / "c.txt", "1")
    assert fileio.glob(str(root / "*.json")) == [str(root / "a.json")]
    assert fileio.glob(str(root / "**" / "*.json")) == [
        str(root / "a.json"),
        str(root / "x" / "b.json"),
    ]
    walked = list(fileio.walk(root))
    assert walked == list(os.walk(root))
    assert fileio.stat(root / "x" / "b.json")["size"] == 4
    assert fileio.stat(root / "x")["type"] == "directory"
    assert fileio.size(root / "x" / "b.json") == 4
    assert fileio.size(root) == 7
    with pytest.raises(FileNotFoundError):
        fileio.stat(root / "missing")


def test_walk_prunes_in_place_and_keeps_relative_roots(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fileio.makedirs(root / "keep" / "deep")
    fileio.makedirs(root / "skip" / "deep")
    monkeypatch.chdir(root)
    roots = []
    for top, dirs, _ in fileio.walk("."):
        dirs[:] = [d for d in dirs if d != "skip"]
        roots.append(top)
    assert roots == [".", "./keep", "./keep/deep"]
    assert list(fileio.walk(root / "missing")) == []


def test_file_uris_work_like_plain_paths(root: Path) -> None:
    fileio.makedirs(root)
    _write(root.as_uri() + "/u.txt", "via uri")
    assert _read(root / "u.txt") == "via uri"
    assert not fileio.is_remote(root.as_uri())


# --- prefix registry --------------------------------------------------------------------------

# (memory_root: tests/io/conftest.py)


class _TrackingMemoryFS(MemoryFileSystem):
    """A memory filesystem instance that records the paths it opened."""

    cachable = False  # a distinct instance, not fsspec's cached default

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    def _open(self, path: str, mode: str = "rb", **kwargs: object):  # type: ignore[no-untyped-def,override]
        self.opened.append(path)
        return super()._open(path, mode, **kwargs)


def test_registered_prefix_dispatches_to_its_filesystem(memory_root: str) -> None:
    tracking = _TrackingMemoryFS()
    fileio.register_filesystem(memory_root, tracking)
    try:
        fileio.makedirs(memory_root + "/d")
        _write(memory_root + "/d/file.txt", "hi")
        assert fileio.get_filesystem(memory_root + "/d")[0] is tracking
        assert any(p.endswith("/d/file.txt") for p in tracking.opened)
        assert _read(memory_root + "/d/file.txt") == "hi"
        assert fileio.listdir(memory_root + "/d") == ["file.txt"]
        assert fileio.is_remote(memory_root)
        # Prefixes match whole path segments only.
        assert fileio.get_filesystem(memory_root + "2/x")[0] is not tracking
    finally:
        fileio.unregister_filesystem(memory_root)
    assert fileio.get_filesystem(memory_root + "/d")[0] is not tracking


def test_longest_prefix_wins_and_registrations_nest(memory_root: str) -> None:
    outer, inner, shadow = _TrackingMemoryFS(), _TrackingMemoryFS(), _TrackingMemoryFS()
    fileio.register_filesystem("memory://", outer)
    fileio.register_filesystem(memory_root + "/inner/", inner)
    try:
        assert fileio.get_filesystem(memory_root + "/inner/x")[0] is inner
        assert fileio.get_filesystem(memory_root + "/other")[0] is outer
        fileio.register_filesystem(memory_root + "/inner", shadow)
        assert fileio.get_filesystem(memory_root + "/inner/x")[0] is shadow
        fileio.unregister_filesystem(memory_root + "/inner")
        assert fileio.get_filesystem(memory_root + "/inner/x")[0] is inner
    finally:
        fileio.unregister_filesystem(memory_root + "/inner")
        fileio.unregister_filesystem("memory://")
    assert fileio.registered_filesystems() == {}
    fileio.unregister_filesystem("memory://never-registered")  # ignored


def test_memory_paths_glob_and_walk_keep_the_scheme(memory_root: str) -> None:
    fileio.makedirs(memory_root + "/a")
    _write(memory_root + "/a/x.json", "1")
    _write(memory_root + "/y.json", "2")
    assert fileio.glob(memory_root + "/**/*.json") == [
        memory_root + "/a/x.json",
        memory_root + "/y.json",
    ]
    assert [r for r, _, _ in fileio.walk(memory_root)] == [memory_root, memory_root + "/a"]


def test_copy_and_rename_across_filesystems_stream(root: Path, memory_root: str) -> None:
    fileio.makedirs(root)
    payload = os.urandom(3 * 1024 * 1024 + 17)
    with fileio.open(root / "big.bin", "wb") as handle:
        handle.write(payload)
    fileio.copy(root / "big.bin", memory_root + "/big.bin")
    with fileio.open(memory_root + "/big.bin", "rb") as handle:
        assert handle.read() == payload
    with pytest.raises(FileExistsError, match="big.bin' already exists"):
        fileio.copy(root / "big.bin", memory_root + "/big.bin")

    fileio.makedirs(root / "tree" / "sub")
    _write(root / "tree" / "sub" / "f.txt", "tree file")
    fileio.rename(root / "tree", memory_root + "/tree")
    assert not fileio.exists(root / "tree")
    assert _read(memory_root + "/tree/sub/f.txt") == "tree file"
    fileio.rename(memory_root + "/big.bin", root / "back.bin")
    assert not fileio.exists(memory_root + "/big.bin")
    with fileio.open(root / "back.bin", "rb") as handle:
        assert handle.read() == payload


def test_register_filesystem_rejects_empty_prefix() -> None:
    with pytest.raises(ValueError, match="non-empty prefix"):
        fileio.register_filesystem("", MemoryFileSystem())


def test_seed_import_style() -> None:
    from zenml_airflow.io import fileio as seed_fileio

    assert seed_fileio.open is fileio.open
