"""The local store's fast ``content_hash`` gives exactly the digest of the generic fsspec path.

``ArtifactStore.content_hash`` lists a local store with ``os.scandir`` and reads small files
whole instead of going through fsspec's ``exists`` + ``find`` and a memory map. Cache keys,
lineage and shared copies (ADR 0011) depend on the digest, so it must not change: every layout
here is hashed both ways (``_local_content_hash`` and ``_generic_content_hash``, the path every
other store takes) and the digests compared, and one layout is pinned to the digest the store
gave before the fast path existed.
"""

from __future__ import annotations

import os
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from zenml_airflow.artifacts import ArtifactStore
from zenml_airflow.exceptions import ArtifactStoreError

Layout = Callable[[Path], None]


def _write(root: Path, relative: str, payload: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


def _flat(root: Path) -> None:
    _write(root, "model.ubj", os.urandom(300_000))
    _write(root, "zenml_model.json", b'{"format":"x"}')


def _empty_files(root: Path) -> None:
    _write(root, "a", b"")
    _write(root, "b/c", b"")
    _write(root, "d", b"x")


def _empty_folders(root: Path) -> None:
    _write(root, "data.bin", b"payload")
    (root / "empty").mkdir()
    (root / "nested" / "empty" / "deeper").mkdir(parents=True)


def _nothing(root: Path) -> None:
    """An artifact directory with no files at all."""


def _only_empty_folders(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)


def _nested(root: Path) -> None:
    for relative in ("x/y/z/leaf.txt", "x/y/other", "x/top", "w.bin", "x/y/z/w/deep.bin"):
        _write(root, relative, relative.encode() * 3)


def _sorting(root: Path) -> None:
    # "a-b" < "a.b" < "a/b" < "a0" < "aB" < "a_b" as strings: the order is that of the relative
    # paths as text, not a per-directory walk.
    for relative in ("a-b", "a.b", "a/b", "a/a", "a0", "aB", "a_b", "A", "a b"):
        _write(root, relative, relative.encode())


def _unicode(root: Path) -> None:
    word = "caf\u00e9"
    _write(root, unicodedata.normalize("NFC", word), b"nfc")
    _write(root, unicodedata.normalize("NFD", word), b"nfd")
    _write(root, "\u65e5\u672c\u8a9e/\U0001f600.bin", b"emoji")
    _write(root, "\u00fcber/\u00e4.txt", b"umlaut")


def _undecodable(root: Path) -> None:
    # A name that is not UTF-8: Python surrogate-escapes it, and so does the hash's framing.
    _write(root, os.fsdecode(b"bad\xffname"), b"bytes")
    _write(root, "good", b"text")


def _hidden(root: Path) -> None:
    _write(root, ".hidden", b"h")
    _write(root, ".dir/.inner", b"i")


def _large_and_small(root: Path) -> None:
    # One file over the small-file limit: hashed through the memory map on every core.
    _write(root, "large.bin", os.urandom(3 * 1024 * 1024 + 17))
    _write(root, "small.bin", os.urandom(1000))
    _write(root, "exactly_one_mib.bin", os.urandom(1024 * 1024))


def _file_symlink(root: Path) -> None:
    _write(root, "target.bin", os.urandom(5000))
    (root / "link.bin").symlink_to("target.bin")
    outside = root.parent / f"{root.name}-outside.bin"
    outside.write_bytes(b"outside the artifact")
    (root / "outside_link").symlink_to(outside)


def _random(seed: int) -> Layout:
    def build(root: Path) -> None:
        rng = random.Random(seed)
        alphabet = "ab._- \u00e9\u4e2d0Z"
        for _ in range(rng.randint(0, 12)):
            depth = rng.randint(1, 4)
            parts = [
                "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))).strip() or "n"
                for _ in range(depth)
            ]
            relative = "/".join(parts)
            target = root / relative
            if any(p.exists() and not p.is_dir() for p in target.parents if root in p.parents):
                continue  # a file already sits where this path needs a folder
            if target.exists():
                continue
            if rng.random() < 0.15:
                target.mkdir(parents=True)  # an empty folder
            else:
                size = rng.choice((0, 1, 7, 4096, 70_000, 1024 * 1024 + rng.randint(0, 9)))
                _write(root, relative, rng.randbytes(size))

    return build


LAYOUTS: dict[str, Layout] = {
    "flat": _flat,
    "empty-files": _empty_files,
    "empty-folders": _empty_folders,
    "nothing": _nothing,
    "only-empty-folders": _only_empty_folders,
    "nested": _nested,
    "sorting": _sorting,
    "unicode": _unicode,
    "undecodable-name": _undecodable,
    "hidden": _hidden,
    "large-and-small": _large_and_small,
    "file-symlinks": _file_symlink,
    **{f"random-{seed}": _random(seed) for seed in range(40)},
}


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "store"))


def _artifact(store: ArtifactStore, layout: Layout, name: str = "a1") -> str:
    uri = store.artifact_uri("pipeline", "step", "output", name)
    store.prepare(uri)
    layout(Path(uri))
    return uri


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_local_fast_path_gives_the_generic_digest(store: ArtifactStore, name: str) -> None:
    uri = _artifact(store, LAYOUTS[name])

    fast = store._local_content_hash(uri)

    assert fast == store._generic_content_hash(uri)
    assert store.content_hash(uri) == fast


def test_local_digest_is_the_one_stored_before_the_fast_path(store: ArtifactStore) -> None:
    def layout(root: Path) -> None:
        _write(root, "model.ubj", b"\x7b" + bytes(range(256)) * 40)
        _write(root, "zenml_model.json", b'{"blake3":"00","file":"model.ubj"}')
        _write(root, "sub/\u00e9.txt", b"")
        (root / "empty").mkdir()

    uri = _artifact(store, layout)

    # The digest the store computed for this layout before the fast path was added.
    assert store.content_hash(uri) == (
        "d5a60d51423528cc715d68cf7004cdb2692f822ed7ae1b38a5f46418e29194f6"
    )


def test_a_symlinked_artifact_directory_is_hashed_through(store: ArtifactStore) -> None:
    uri = _artifact(store, _nested)
    link = store.artifact_uri("pipeline", "step", "output", "link")
    os.symlink(uri, link)

    assert store._local_content_hash(link) == store._generic_content_hash(link)
    assert store.content_hash(link) == store.content_hash(uri)


def test_an_artifact_that_is_a_single_file_hashes_the_same(store: ArtifactStore) -> None:
    uri = store.artifact_uri("pipeline", "step", "output", "file")
    _write(Path(uri).parent, "file", os.urandom(2000))

    assert store._local_content_hash(uri) == store._generic_content_hash(uri)


def test_a_symlink_to_a_folder_fails_both_ways(store: ArtifactStore) -> None:
    def layout(root: Path) -> None:
        _write(root, "real/inner.txt", b"x")
        (root / "alias").symlink_to("real", target_is_directory=True)

    uri = _artifact(store, layout)

    with pytest.raises(ArtifactStoreError, match="failed while reading"):
        store._generic_content_hash(uri)
    with pytest.raises(ArtifactStoreError, match="failed while reading"):
        store._local_content_hash(uri)


def test_a_broken_symlink_fails_both_ways(store: ArtifactStore) -> None:
    def layout(root: Path) -> None:
        _write(root, "data", b"x")
        (root / "dangling").symlink_to("missing-target")

    uri = _artifact(store, layout)

    with pytest.raises(FileNotFoundError):
        store._generic_content_hash(uri)
    with pytest.raises(FileNotFoundError):
        store._local_content_hash(uri)


def test_a_missing_artifact_directory_is_refused(store: ArtifactStore) -> None:
    uri = store.artifact_uri("pipeline", "step", "output", "never-written")

    with pytest.raises(ArtifactStoreError, match="does not exist"):
        store._generic_content_hash(uri)
    with pytest.raises(ArtifactStoreError, match="does not exist"):
        store.content_hash(uri)


def test_a_local_filesystem_subclass_takes_the_generic_path(tmp_path: Path) -> None:
    class RecordingFileSystem(LocalFileSystem):
        finds = 0

        def find(self, *args: object, **kwargs: object) -> object:
            RecordingFileSystem.finds += 1
            return super().find(*args, **kwargs)

    plain = ArtifactStore(str(tmp_path / "store"))
    custom = ArtifactStore(
        str(tmp_path / "store"), fs=RecordingFileSystem(skip_instance_cache=True)
    )
    uri = _artifact(plain, _nested)

    assert custom.content_hash(uri) == plain.content_hash(uri)
    assert RecordingFileSystem.finds == 1
