"""Which fsspec filesystem serves a path: the routing beneath :mod:`zenml_airflow.io.fileio`.

A path or URI is served by the filesystem registered for its longest matching prefix, otherwise
by the filesystem fsspec builds from the URL. An artifact store registers its own filesystem
(built with its credentials and options) under its root
(:meth:`zenml_airflow.artifacts.store.ArtifactStore.register`), so that materializers writing
through ``fileio`` reach it without knowing which store they write to. Files opened on a
registered remote filesystem report its failures as
:class:`~zenml_airflow.exceptions.ArtifactStoreError` naming the registration.

Also here: the filesystem-level primitives the artifact store builds on (:func:`is_object_store`,
:func:`make_directory`). Users call :mod:`zenml_airflow.io.fileio`, which re-exports the public
names of this module under their seed-era home.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import IO, Any

import fsspec.core
from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

from zenml_airflow.exceptions import ArtifactStoreError, ZenMLAirflowError

PathType = str | os.PathLike[str]

# Object stores have no directories: a "directory" is a key prefix, and an empty one is marked by
# a zero-byte object named "<dir>/" (the convention of the S3 and GCS consoles).
_OBJECT_STORE_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs"})

# prefix -> stack of (filesystem, label) (a stack so nested registrations of one prefix unwind
# cleanly). The label names the owner in error messages, e.g. "artifact store 's3://b/root'".
_registry: dict[str, list[tuple[AbstractFileSystem, str]]] = {}
_registry_lock = threading.Lock()


def register_filesystem(prefix: str, fs: AbstractFileSystem, label: str | None = None) -> None:
    """Serve every path under ``prefix`` with ``fs`` (longest registered prefix wins).

    ``prefix`` is a URI or path prefix, matched on path boundaries: ``s3://bucket/root`` serves
    ``s3://bucket/root/x`` but not ``s3://bucket/root2``. A scheme alone (``memory://``) serves
    the whole scheme. Registering the same prefix again shadows the earlier filesystem until
    :func:`unregister_filesystem` is called.

    Files opened on a registered remote filesystem report its failures (a lost connection,
    refused credentials) as :class:`~zenml_airflow.exceptions.ArtifactStoreError` naming
    ``label`` (default: the prefix), instead of a bare botocore/aiohttp error.
    """
    if not prefix:
        raise ValueError("register_filesystem needs a non-empty prefix, e.g. 's3://bucket/root'.")
    with _registry_lock:
        _registry.setdefault(_normalise_prefix(prefix), []).append(
            (fs, label or f"the filesystem registered for '{prefix}'")
        )


def unregister_filesystem(prefix: str) -> None:
    """Undo the latest :func:`register_filesystem` for ``prefix``; unknown prefixes are ignored."""
    key = _normalise_prefix(prefix)
    with _registry_lock:
        stack = _registry.get(key)
        if stack:
            stack.pop()
            if not stack:
                del _registry[key]


def registered_filesystems() -> dict[str, AbstractFileSystem]:
    """A snapshot of the active ``prefix -> filesystem`` registrations."""
    with _registry_lock:
        return {prefix: stack[-1][0] for prefix, stack in _registry.items()}


def _normalise_prefix(prefix: str) -> str:
    # Scheme-only prefixes keep their "://"; others lose a trailing "/" so "a/" and "a" are one key.
    if prefix.endswith("://"):
        return prefix
    return prefix.rstrip("/") or "/"


def _matches(path: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return path.startswith(prefix)
    return path == prefix or path.startswith(prefix + "/")


def lookup(path: PathType) -> tuple[AbstractFileSystem, str, str | None]:
    """``(filesystem, path in its form, label of the registration or None)``.

    The label is ``None`` when no registration serves ``path`` (fsspec built the filesystem from
    the URL): such filesystems' failures are passed on unchanged by :func:`reporting`.
    """
    text = os.fspath(path)
    with _registry_lock:
        candidates = [(p, s[-1]) for p, s in _registry.items() if _matches(text, p)]
    if candidates:
        _, (fs, label) = max(candidates, key=lambda item: len(item[0]))
        return fs, fs._strip_protocol(text), label
    fs, stripped = fsspec.core.url_to_fs(text)
    return fs, stripped, None


def get_filesystem(path: PathType) -> tuple[AbstractFileSystem, str]:
    """Return the filesystem serving ``path`` and the path in that filesystem's own form."""
    fs, stripped, _ = lookup(path)
    return fs, stripped


def is_local(fs: AbstractFileSystem) -> bool:
    """Whether ``fs`` is this machine's own file system (paths are plain local paths)."""
    return isinstance(fs, LocalFileSystem)


def is_object_store(fs: AbstractFileSystem) -> bool:
    """Whether ``fs`` is an object store (S3, GCS): no real directories, only key prefixes."""
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    return any(protocol in _OBJECT_STORE_PROTOCOLS for protocol in protocols)


def make_directory(fs: AbstractFileSystem, path: str) -> None:
    """Create the single directory ``path`` of ``fs``, failing if anything exists there.

    Atomic where the filesystem allows: ``os.mkdir`` locally, and on object stores a
    create-only (``If-None-Match: *`` / ``ifGenerationMatch=0``) write of the directory marker,
    so of two writers racing for one directory exactly one succeeds.

    Raises:
        FileExistsError: if ``path`` already exists.
    """
    if is_local(fs):
        os.mkdir(path)
        return
    if is_object_store(fs):
        fs.invalidate_cache(path)
        if fs.exists(path):
            raise FileExistsError(f"'{path}' already exists")
        fs.pipe_file(path.rstrip("/") + "/", b"", mode="create")
        fs.invalidate_cache(path)
        return
    if fs.exists(path):
        raise FileExistsError(f"'{path}' already exists")
    fs.mkdir(path, create_parents=False)


# Errors that mean what they say whatever the filesystem: passed on unchanged.
_PLAIN_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    ValueError,
    TypeError,
    AttributeError,
    ZenMLAirflowError,
)


@contextlib.contextmanager
def reporting(label: str | None, action: str, path: str) -> Iterator[None]:
    """Re-raise a remote filesystem's own failure (connection lost, access denied, botocore or
    aiohttp errors) as an ArtifactStoreError naming the store; local I/O is left alone."""
    if label is None:
        yield
        return
    try:
        yield
    except _PLAIN_ERRORS:
        raise
    except Exception as error:
        raise ArtifactStoreError(
            f"{label[:1].upper()}{label[1:]} failed while {action} '{path}': {type(error).__name__}: {error}. "
            "Check that the store is reachable and that its credentials allow this."
        ) from error


class ReportingFile:
    """A file of a registered remote filesystem whose failures name the store (see
    :func:`reporting`). Everything else is delegated to the underlying file."""

    def __init__(self, handle: IO[Any], label: str, path: str, mode: str) -> None:
        self._handle = handle
        self._label = label
        self._path = path
        self._action = "writing" if any(flag in mode for flag in "wax+") else "reading"

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        return reporting(self._label, self._action, self._path)

    def read(self, *args: Any) -> Any:
        with self._guard():
            return self._handle.read(*args)

    def readinto(self, buffer: Any) -> Any:
        with self._guard():
            return self._handle.readinto(buffer)  # type: ignore[attr-defined]

    def readline(self, *args: Any) -> Any:
        with self._guard():
            return self._handle.readline(*args)

    def write(self, data: Any) -> Any:
        with self._guard():
            return self._handle.write(data)

    def flush(self) -> None:
        with self._guard():
            self._handle.flush()

    def seek(self, *args: Any) -> int:
        with self._guard():
            return self._handle.seek(*args)

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        with self._guard():
            self._handle.close()

    @property
    def closed(self) -> bool:
        return bool(self._handle.closed)

    def __iter__(self) -> Iterator[Any]:
        with self._guard():
            yield from self._handle

    def __enter__(self) -> ReportingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            # Already failing: do not complete (and publish) a half-written object on close.
            discard = getattr(self._handle, "discard", None)
            if callable(discard):
                with contextlib.suppress(Exception):
                    discard()
            with contextlib.suppress(Exception):
                self._handle.close()
            return
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


__all__ = [
    "PathType",
    "ReportingFile",
    "get_filesystem",
    "is_local",
    "is_object_store",
    "lookup",
    "make_directory",
    "register_filesystem",
    "registered_filesystems",
    "reporting",
    "unregister_filesystem",
]
