"""Contract suite: every ArtifactStore implementation must pass all of these."""

from __future__ import annotations

import os
import tracemalloc
import uuid

import pytest
from artifact_store_cases import StoreCase  # type: ignore[import-not-found]

from zenml_airflow.artifacts import ArtifactStore
from zenml_airflow.exceptions import ArtifactStoreError
from zenml_airflow.io import fileio


def _new_uri(store: ArtifactStore, output: str = "output") -> str:
    return store.artifact_uri("pipeline", "step", output, uuid.uuid4().hex)


def _write(uri: str, name: str, data: bytes) -> None:
    path = os.path.join(uri, name)
    fileio.makedirs(os.path.dirname(path))
    with fileio.open(path, "wb") as handle:
        handle.write(data)


def test_artifact_uri_follows_layout(store: ArtifactStore) -> None:
    uri = store.artifact_uri("training", "trainer", "model", "abc123")
    assert uri == store.path.rstrip("/") + "/training/trainer/model/abc123"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "s", "o", "id"), "Invalid artifact pipeline name '': it is empty"),
        (("p", "a/b", "o", "id"), "Invalid artifact step name 'a/b': it contains a path separator"),
        (("p", "s", "..", "id"), r"Invalid artifact output name '\.\.': it contains '\.\.'"),
        (("p", "s", "o", "x\\y"), "artifact_id name .* contains a path separator"),
        (("p", "s", "o", "a..b"), r"contains '\.\.'"),
    ],
)
def test_artifact_uri_rejects_bad_names(
    store: ArtifactStore, parts: tuple[str, str, str, str], message: str
) -> None:
    with pytest.raises(ArtifactStoreError, match=message):
        store.artifact_uri(*parts)


def test_artifact_uri_rejects_non_string(store: ArtifactStore) -> None:
    with pytest.raises(ArtifactStoreError, match="artifact_id name must be a string, got int"):
        store.artifact_uri("p", "s", "o", 7)  # type: ignore[arg-type]


def test_prepare_creates_fresh_empty_directory(store: ArtifactStore) -> None:
    uri = _new_uri(store)
    assert not store.exists(uri)
    store.prepare(uri)
    assert store.exists(uri)
    assert fileio.isdir(uri)
    assert fileio.listdir(uri) == []


def test_prepare_refuses_existing_directory(store: ArtifactStore) -> None:
    uri = _new_uri(store)
    store.prepare(uri)
    _write(uri, "data.json", b"1")
    with pytest.raises(ArtifactStoreError, match="already exists. Each artifact needs a fresh id"):
        store.prepare(uri)
    assert store.exists(os.path.join(uri, "data.json"))  # the first attempt's files are untouched


def test_write_read_list_remove(store: ArtifactStore) -> None:
    uri = _new_uri(store)
    store.prepare(uri)
    _write(uri, "a.bin", b"\x00\x01\x02")
    _write(uri, "sub/b.txt", "héllo".encode())
    assert fileio.listdir(uri) == ["a.bin", "sub"]
    with fileio.open(os.path.join(uri, "sub", "b.txt"), "r") as handle:
        assert handle.read() == "héllo"
    with fileio.open(os.path.join(uri, "a.bin"), "rb") as handle:
        assert handle.read() == b"\x00\x01\x02"
    fileio.remove(os.path.join(uri, "a.bin"))
    assert fileio.listdir(uri) == ["sub"]
    assert store.size(uri) == len("héllo".encode())


def test_discard_removes_everything_and_tolerates_missing(store: ArtifactStore) -> None:
    uri = _new_uri(store)
    store.prepare(uri)
    _write(uri, "part-0", b"x" * 100)
    _write(uri, "nested/deep/part-1", b"y")
    store.discard(uri)
    assert not store.exists(uri)
    store.discard(uri)  # already gone: no error
    store.prepare(uri)  # and the id can be reused after a discard
    assert store.exists(uri)


def test_discard_refuses_paths_outside_the_store(store: ArtifactStore) -> None:
    with pytest.raises(ArtifactStoreError, match="is not an artifact directory of the store"):
        store.discard(store.path)
    with pytest.raises(ArtifactStoreError, match="is not an artifact directory of the store"):
        store.discard("/somewhere/else")
    # Local roots are normalised first, so '..' shows up as "not under the root" there.
    with pytest.raises(
        ArtifactStoreError, match="escapes the artifact store root|is not an artifact"
    ):
        store.discard(store.path + "/p/../../outside")


def test_content_hash_is_stable_and_independent_of_write_order(store: ArtifactStore) -> None:
    first, second = _new_uri(store), _new_uri(store)
    for uri, order in ((first, ["a", "b", "c/d"]), (second, ["c/d", "b", "a"])):
        store.prepare(uri)
        for name in order:
            _write(uri, name, name.encode() * 10)
    assert store.content_hash(first) == store.content_hash(first)
    assert store.content_hash(first) == store.content_hash(second)
    assert len(store.content_hash(first)) == 64


def test_content_hash_changes_with_content_and_names(store: ArtifactStore) -> None:
    base = _new_uri(store)
    store.prepare(base)
    _write(base, "a", b"hello")
    changed_bytes, renamed, moved = _new_uri(store), _new_uri(store), _new_uri(store)
    for uri in (changed_bytes, renamed, moved):
        store.prepare(uri)
    _write(changed_bytes, "a", b"hellO")
    _write(renamed, "b", b"hello")
    # Same concatenated bytes split differently across files must not collide.
    _write(moved, "a", b"hel")
    _write(moved, "a2", b"lo")
    hashes = {store.content_hash(u) for u in (base, changed_bytes, renamed, moved)}
    assert len(hashes) == 4


def test_content_hash_of_missing_artifact_is_an_error(store: ArtifactStore) -> None:
    with pytest.raises(ArtifactStoreError, match="does not exist"):
        store.content_hash(_new_uri(store))


@pytest.mark.parametrize(
    "name",
    [
        "résumé ü.txt",
        "日本語.json",
        "with space",
        "#hash&amp",
        "percent%20x",
        "emoji-🎉",
        ".hidden",
    ],
)
def test_unicode_and_odd_file_names_round_trip(store: ArtifactStore, name: str) -> None:
    uri = _new_uri(store)
    store.prepare(uri)
    _write(uri, name, name.encode("utf-8"))
    assert fileio.listdir(uri) == [name]
    with fileio.open(os.path.join(uri, name), "rb") as handle:
        assert handle.read() == name.encode("utf-8")
    other = _new_uri(store)
    store.prepare(other)
    _write(other, name, name.encode("utf-8"))
    assert store.content_hash(uri) == store.content_hash(other)


def test_size_sums_all_files(store: ArtifactStore) -> None:
    uri = _new_uri(store)
    store.prepare(uri)
    _write(uri, "a", b"1234")
    _write(uri, "b/c", b"123456")
    assert store.size(uri) == 10


def test_register_routes_fileio_to_the_store_filesystem(store_case: StoreCase) -> None:
    store = store_case.store
    fs, _ = fileio.get_filesystem(store.path + "/anything")
    assert fs is store.fs


def test_hashing_a_large_artifact_streams(persistent_store_case: StoreCase) -> None:
    store = persistent_store_case.store
    uri = _new_uri(store)
    store.prepare(uri)
    size = 200 * 1024 * 1024
    fs, path = fileio.get_filesystem(os.path.join(uri, "big.bin"))
    with fs.open(path, "wb") as handle:
        handle.write(b"start")
        handle.truncate(size)  # sparse on most filesystems: cheap to create, still 200 MB to read
    tracemalloc.start()
    try:
        digest = store.content_hash(uri)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(digest) == 64
    assert peak < 16 * 1024 * 1024, f"hashing peaked at {peak / 2**20:.1f} MiB"


def test_construction_does_no_io(tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(os.fspath(tmp_path), "not-created")
    ArtifactStore(root)
    assert not os.path.exists(root)
    remote = ArtifactStore("s3://bucket-that-does-not-exist/prefix")  # s3fs need not be installed
    assert remote.path == "s3://bucket-that-does-not-exist/prefix"
    assert not remote.is_local
