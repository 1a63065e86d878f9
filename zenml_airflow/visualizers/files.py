"""Bounded, validated access to the files of one artifact directory.

Everything a preview or a download reads goes through :class:`ArtifactFiles`: the artifact's
directory must lie strictly inside its artifact store's root (after resolving symlinks on local
stores), file names from a request must be plain relative paths inside that directory, and every
read has a byte limit. Nothing here unpickles or imports user code.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from zenml_airflow.exceptions import ArtifactStoreError

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore

#: At most this many files are listed for one artifact.
MAX_LISTED_FILES = 200
_BAD_NAME = re.compile(r"[\x00-\x1f\\]")


class UnsafePathError(ArtifactStoreError):
    """A path from a request or the metadata store points outside the artifact store."""


class TooLargeError(ArtifactStoreError):
    """A file is larger than the limit for reading it whole."""


@dataclass(frozen=True)
class FileInfo:
    name: str  # relative posix path inside the artifact directory
    size: int


def _split(uri: str) -> tuple[str, str]:
    if "://" in uri:
        scheme, _, rest = uri.partition("://")
        return scheme, rest
    return "", uri


def check_relative_name(name: str) -> str:
    """``name`` as a normalised relative posix path, or :class:`UnsafePathError`."""
    if not name or len(name) > 512 or _BAD_NAME.search(name):
        raise UnsafePathError(f"Invalid file name {name[:80]!r}: use a plain relative path.")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise UnsafePathError(f"Invalid file name {name[:80]!r}: absolute paths are not allowed.")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafePathError(
            f"Invalid file name {name[:80]!r}: '.', '..' and empty path parts are not allowed."
        )
    return posixpath.normpath(name)


class ArtifactFiles:
    """The files of the artifact at ``uri`` in ``store`` (checked to lie inside the store).

    Raises:
        UnsafePathError: when ``uri`` is not strictly inside the store's root.
    """

    def __init__(self, store: ArtifactStore, uri: str) -> None:
        self.store = store
        self.uri = uri
        self.is_local = store.is_local
        self.base = self._checked_base(store, uri)

    @staticmethod
    def _checked_base(store: ArtifactStore, uri: str) -> str:
        root = store.path.rstrip("/")
        scheme, rest = _split(uri)
        if store.is_local:
            if scheme not in ("", "file", "local"):
                raise UnsafePathError(f"Artifact '{uri}' is not in the local store at '{root}'.")
            real_root = os.path.realpath(root)
            real = os.path.realpath(rest)
            if not real.startswith(real_root + os.sep):
                raise UnsafePathError(
                    f"Artifact '{uri}' is outside the artifact store at '{root}'; not reading it."
                )
            return real
        text = uri.rstrip("/")
        relative = posixpath.normpath(text[len(root) + 1 :]) if text.startswith(root + "/") else ""
        if not relative or relative == "." or relative.startswith(".."):
            raise UnsafePathError(
                f"Artifact '{uri}' is outside the artifact store at '{root}'; not reading it."
            )
        return str(store.fs._strip_protocol(root + "/" + relative))

    def path(self, name: str) -> str:
        """The full path of file ``name`` inside the artifact directory (validated)."""
        relative = check_relative_name(name)
        full = posixpath.join(self.base, relative)
        if self.is_local:
            real = os.path.realpath(full)
            if not real.startswith(self.base + os.sep):
                raise UnsafePathError(f"File {name!r} resolves outside its artifact directory.")
            return real
        return full

    def exists(self) -> bool:
        return bool(self.store.fs.exists(self.base))

    def list(self) -> list[FileInfo]:
        """Files under the artifact directory, sorted by name (at most :data:`MAX_LISTED_FILES`)."""
        fs = self.store.fs
        if not fs.exists(self.base):
            raise ArtifactStoreError(f"Artifact directory '{self.uri}' does not exist any more.")
        found: list[FileInfo] = []
        for name, info in sorted(fs.find(self.base, detail=True).items()):
            if info.get("type") == "directory":
                continue
            relative = posixpath.relpath(str(name), self.base.rstrip("/"))
            found.append(FileInfo(relative, int(info.get("size") or 0)))
            if len(found) >= MAX_LISTED_FILES:
                break
        return found

    def size(self, name: str) -> int | None:
        """Size of file ``name`` in bytes, or None when it does not exist."""
        path = self.path(name)
        fs = self.store.fs
        if not fs.isfile(path):
            return None
        return int(fs.size(path) or 0)

    def open(self, name: str) -> IO[bytes]:
        """Open file ``name`` for binary reading."""
        handle: IO[bytes] = self.store.fs.open(self.path(name), "rb")
        return handle

    def read(self, name: str, limit: int) -> bytes:
        """The whole file, or :class:`TooLargeError` when it is larger than ``limit`` bytes."""
        size = self.size(name)
        if size is None:
            raise FileNotFoundError(name)
        if size > limit:
            raise TooLargeError(
                f"{name} is {size:,} bytes, over the {limit:,}-byte limit for reading it whole."
            )
        with self.open(name) as handle:
            return handle.read(limit + 1)[:limit]

    def local_path(self, name: str) -> str | None:
        """A path usable with ``open()``/``np.load`` when the store is local, else None."""
        return self.path(name) if self.is_local else None
