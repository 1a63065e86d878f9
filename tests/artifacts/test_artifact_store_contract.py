"""Contract suite: every ArtifactStore implementation must pass all of these."""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import sys
import threading
import tracemalloc
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from artifact_store_cases import StoreCase  # type: ignore[import-not-found]

from zenml_airflow.artifacts import ArtifactStore
from zenml_airflow.exceptions import ArtifactStoreError
from zenml_airflow.io import fileio

_WORKER = Path(__file__).with_name("large_array_worker.py")
_REPO = Path(__file__).resolve().parents[2]
# Memory a streamed write or read may need beyond the array itself, whatever its size: the
# client's buffers (s3fs holds whole 50 MiB parts while uploading: ~225 MiB measured), numpy's
# 16 MiB chunks, the interpreter.
_STREAMING_BUDGET = 320 * 1024 * 1024


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


def test_concurrent_prepare_of_one_directory_has_one_winner(store: ArtifactStore) -> None:
    """Atomic even on object stores (a create-only marker object): exactly one writer wins."""
    uri = _new_uri(store)
    barrier = threading.Barrier(8)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            store.prepare(uri)
        except ArtifactStoreError as error:
            assert "already exists" in str(error)
            return "refused"
        return "won"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert sorted(outcomes) == ["refused"] * 7 + ["won"]


def test_concurrent_writers_of_different_artifacts(store: ArtifactStore) -> None:
    def write(number: int) -> tuple[str, str]:
        uri = _new_uri(store, output=f"out{number % 2}")
        store.prepare(uri)
        _write(uri, "data.bin", bytes([number]) * (256 * 1024 + number))
        _write(uri, "nested/meta.json", f'{{"n": {number}}}'.encode())
        return uri, store.content_hash(uri)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(write, range(8)))
    assert len({uri for uri, _ in results}) == 8
    assert len({digest for _, digest in results}) == 8
    for number, (uri, digest) in enumerate(results):
        assert store.content_hash(uri) == digest
        with fileio.open(os.path.join(uri, "data.bin"), "rb") as handle:
            assert handle.read() == bytes([number]) * (256 * 1024 + number)
    for output in ("out0", "out1"):
        assert len(fileio.listdir(f"{store.path}/pipeline/step/{output}")) == 4


def test_register_routes_fileio_to_the_store_filesystem(store_case: StoreCase) -> None:
    store = store_case.store
    fs, _ = fileio.get_filesystem(store.path + "/anything")
    assert fs is store.fs


def test_hashing_a_large_artifact_streams(persistent_store_case: StoreCase) -> None:
    store = persistent_store_case.store
    uri = _new_uri(store)
    store.prepare(uri)
    size = min(max(persistent_store_case.streaming_sizes), 200 * 1024 * 1024)
    chunk = b"\x00" * (8 * 1024 * 1024)
    with fileio.open(os.path.join(uri, "big.bin"), "wb") as handle:
        handle.write(b"start")
        for _ in range(size // len(chunk)):
            handle.write(chunk)
    tracemalloc.start()
    try:
        digest = store.content_hash(uri)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(digest) == 64
    # Read-ahead of 8 MiB blocks (remote) plus 1 MiB reads: bounded, far below the file's size.
    assert peak < 48 * 1024 * 1024, (
        f"hashing {size / 2**20:.0f} MiB peaked at {peak / 2**20:.1f} MiB"
    )


def _run_worker(case: StoreCase, action: str, uri: str, size: int) -> dict[str, Any]:
    assert case.flavor is not None and case.config is not None
    # Started through sh: a process exec'd straight from pytest inherits pytest's peak RSS as its
    # own ru_maxrss (Linux keeps the larger across exec); sh's child starts from sh's tiny one.
    completed = subprocess.run(
        [
            "/bin/sh",
            "-c",
            '"$0" "$@"; exit $?',
            sys.executable,
            str(_WORKER),
            action,
            case.flavor,
            json.dumps(case.config),
            uri,
            str(size),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=_REPO,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _stream_array(case: StoreCase, size: int) -> dict[str, int]:
    """Write then read an array of ``size`` bytes, each in a fresh process; the memory each
    needed beyond the array."""
    uri = _new_uri(case.store)
    written = _run_worker(case, "write", uri, size)
    assert written["size"] > size  # the array plus the .npy header
    assert written["content_hash"] == case.store.content_hash(uri)
    read = _run_worker(case, "read", uri, size)
    assert read["equal"] is True
    for action, result in (("write", written), ("read", read)):
        print(
            f"\n{case.flavor} {action} {size / 2**20:.0f} MiB: {result['extra_bytes'] / 2**20:.0f}"
            f" MiB beyond the array, {result['seconds']} s",
            end="",
        )
    case.store.discard(uri)
    return {"write": written["extra_bytes"], "read": read["extra_bytes"]}


@pytest.mark.slow
def test_large_numpy_array_streams_through_the_store(streaming_store_case: StoreCase) -> None:
    """A large array (1 GB locally) is written and read with the NumpyMaterializer without a
    second copy in memory: peak RSS of a fresh process (``resource.getrusage``) minus the array."""
    case = streaming_store_case
    extras = {size: _stream_array(case, size) for size in case.streaming_sizes}
    for size, extra in extras.items():
        for action, needed in extra.items():
            assert needed < _STREAMING_BUDGET, (
                f"{action} of a {size / 2**20:.0f} MiB array needed {needed / 2**20:.0f} MiB "
                f"beyond the array (budget {_STREAMING_BUDGET / 2**20:.0f} MiB)"
            )
            if size >= 1024**3:
                assert needed < size / 8, f"{action} needed {needed / 2**20:.0f} MiB extra"
    if len(extras) > 1:
        small, large = min(extras), max(extras)
        for action in ("write", "read"):
            growth = extras[large][action] - extras[small][action]
            # A copy of the array would add (large - small) bytes; buffers add nothing (but
            # measure a few MiB differently depending on where the part boundaries fall).
            assert growth < (large - small) * 3 / 4, (
                f"{action}: memory beyond the array grew by {growth / 2**20:.0f} MiB from "
                f"{small / 2**20:.0f} to {large / 2**20:.0f} MiB: it does not stream"
            )


def test_construction_does_no_io(tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(os.fspath(tmp_path), "not-created")
    ArtifactStore(root)
    assert not os.path.exists(root)
    remote = ArtifactStore("s3://bucket-that-does-not-exist/prefix")  # s3fs need not be installed
    assert remote.path == "s3://bucket-that-does-not-exist/prefix"
    assert not remote.is_local


def test_the_content_hash_is_blake3_over_framed_paths_and_bytes(store: ArtifactStore) -> None:
    # ADR 0012: the algorithm and the framing are part of what cache keys and shared copies rely
    # on. Local stores hash memory-mapped files, object stores streamed chunks: the same hash.
    from blake3 import blake3

    uri = store.artifact_uri("p", "s", "output", uuid.uuid4().hex)
    store.prepare(uri)
    files = {
        "data.npy": b"\x93NUMPY" + bytes(range(256)) * 9000,  # > 2 MiB: several hash chunks
        "empty.bin": b"",
        "sub/meta.json": b'{"a": 1}',
    }
    for name, data in files.items():
        fileio.makedirs(posixpath.dirname(posixpath.join(uri, name)))
        with fileio.open(posixpath.join(uri, name), "wb") as handle:
            handle.write(data)
    expected = blake3()
    for name in sorted(files):
        encoded = name.encode()
        expected.update(f"{len(encoded)}:".encode() + encoded + f"{len(files[name])}:".encode())
        expected.update(files[name])
    assert store.content_hash(uri) == expected.hexdigest()
