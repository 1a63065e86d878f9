"""File operations on any fsspec URI: the seed's ``zenml.io.fileio``.

Every function takes a local path or a URI (``s3://bucket/key``, ``memory://x``, ``file:///tmp``)
and dispatches on it: first to a filesystem registered for the longest matching prefix (an
artifact store with credentials registers itself this way), otherwise to the filesystem fsspec
builds from the URL. Materializers do all their I/O through this module so that every artifact
store scheme works without them knowing which one they write to::

    from zenml_airflow.io import fileio

    with fileio.open(os.path.join(artifact.uri, "data.txt"), "w") as f:
        f.write("hello")

Errors are the standard Python ones (``FileNotFoundError``, ``FileExistsError``,
``NotADirectoryError``, ...), as with ``os`` and ``shutil``.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import posixpath
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

import fsspec.core
from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

from zenml_airflow.exceptions import ArtifactStoreError, ZenMLAirflowError

PathType = str | os.PathLike[str]

_COPY_CHUNK = 8 * 1024 * 1024

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


def _lookup(path: PathType) -> tuple[AbstractFileSystem, str, str | None]:
    """``(filesystem, path in its form, label of the registration or None)``."""
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
    fs, stripped, _ = _lookup(path)
    return fs, stripped


def _is_local(fs: AbstractFileSystem) -> bool:
    return isinstance(fs, LocalFileSystem)


def local_path(path: PathType) -> str | None:
    """The path on this machine's file system if ``path`` is served by it, else ``None``.

    For libraries that are faster given a path than a file object (pyarrow reads a local parquet
    file with its own threads, but a Python file object through the GIL).
    """
    fs, stripped, _ = _lookup(path)
    return stripped if _is_local(fs) else None


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
    if _is_local(fs):
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
def _reporting(label: str | None, action: str, path: str) -> Iterator[None]:
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


class _ReportingFile:
    """A file of a registered remote filesystem whose failures name the store (see
    :func:`_reporting`). Everything else is delegated to the underlying file."""

    def __init__(self, handle: IO[Any], label: str, path: str, mode: str) -> None:
        self._handle = handle
        self._label = label
        self._path = path
        self._action = "writing" if any(flag in mode for flag in "wax+") else "reading"

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        return _reporting(self._label, self._action, self._path)

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

    def __enter__(self) -> _ReportingFile:
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


# --- reading and writing ------------------------------------------------------------------------


_BUILTIN_OPEN_ARGS = frozenset({"encoding", "errors", "newline", "buffering"})


def open(path: PathType, mode: str = "r", **kwargs: Any) -> IO[Any]:  # noqa: A001 - seed name
    """Open a file; text modes default to UTF-8 (not the locale's encoding).

    Extra keyword arguments go to the filesystem's ``open`` (e.g. ``encoding``, ``newline``).
    """
    fs, stripped, label = _lookup(path)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    if _is_local(fs) and kwargs.keys() <= _BUILTIN_OPEN_ARGS:
        # A real file object, not fsspec's wrapper around one: numpy and pyarrow then write and
        # read it directly instead of through copies of every chunk (numpy's np.save to a
        # wrapper costs 10-20% more on a 200 MB array).
        return builtins.open(stripped, mode, **kwargs)
    if label is None or _is_local(fs):
        return fs.open(stripped, mode, **kwargs)
    action = "writing" if any(flag in mode for flag in "wax+") else "reading"
    with _reporting(label, action, os.fspath(path)):
        handle = fs.open(stripped, mode, **kwargs)
    return _ReportingFile(handle, label, os.fspath(path), mode)  # type: ignore[return-value]


def exists(path: PathType) -> bool:
    """Whether a file or directory exists at ``path``."""
    fs, stripped = get_filesystem(path)
    return bool(fs.exists(stripped))


def isdir(path: PathType) -> bool:
    """Whether ``path`` is a directory."""
    fs, stripped = get_filesystem(path)
    return bool(fs.isdir(stripped))


def makedirs(path: PathType) -> None:
    """Create ``path`` and any missing parents; an existing directory is fine."""
    fs, stripped = get_filesystem(path)
    fs.makedirs(stripped, exist_ok=True)


def mkdir(path: PathType) -> None:
    """Create the single directory ``path``.

    Raises:
        FileExistsError: if it already exists.
        FileNotFoundError: if its parent does not exist (on filesystems that have directories).
    """
    fs, stripped = get_filesystem(path)
    try:
        make_directory(fs, stripped)
    except FileExistsError:
        raise FileExistsError(
            f"Cannot create directory '{os.fspath(path)}': it already exists."
        ) from None


def listdir(path: PathType) -> list[str]:
    """Names (not full paths) of the entries in directory ``path``, sorted.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        NotADirectoryError: if ``path`` is a file.
    """
    fs, stripped = get_filesystem(path)
    if not fs.isdir(stripped):
        if fs.exists(stripped):
            raise NotADirectoryError(f"Not a directory: '{os.fspath(path)}'")
        raise FileNotFoundError(f"No such directory: '{os.fspath(path)}'")
    own = stripped.rstrip("/")
    # Object stores list a directory's own marker object ("<dir>/") among its entries.
    names = {
        posixpath.basename(entry.rstrip("/"))
        for entry in fs.ls(stripped, detail=False)
        if entry.rstrip("/") != own
    }
    return sorted(name for name in names if name)


def remove(path: PathType) -> None:
    """Delete the file ``path``.

    Raises:
        FileNotFoundError: if it does not exist.
        IsADirectoryError: if it is a directory (use :func:`rmtree`).
    """
    fs, stripped = get_filesystem(path)
    if fs.isdir(stripped):
        raise IsADirectoryError(f"'{os.fspath(path)}' is a directory; use fileio.rmtree.")
    if not fs.exists(stripped):
        raise FileNotFoundError(f"No such file: '{os.fspath(path)}'")
    fs.rm_file(stripped)


def rmtree(path: PathType) -> None:
    """Delete the directory ``path`` and everything under it.

    Raises:
        FileNotFoundError: if it does not exist.
        NotADirectoryError: if it is a file (use :func:`remove`).
    """
    fs, stripped = get_filesystem(path)
    if not fs.isdir(stripped):
        if fs.exists(stripped):
            raise NotADirectoryError(f"'{os.fspath(path)}' is a file; use fileio.remove.")
        raise FileNotFoundError(f"No such directory: '{os.fspath(path)}'")
    fs.rm(stripped, recursive=True)


def _check_destination(
    dst: PathType, dst_fs: AbstractFileSystem, dst_path: str, overwrite: bool
) -> None:
    if not overwrite and dst_fs.exists(dst_path):
        raise FileExistsError(
            f"Destination '{os.fspath(dst)}' already exists; pass overwrite=True to replace it."
        )


def _stream(
    src_fs: AbstractFileSystem, src_path: str, dst_fs: AbstractFileSystem, dst_path: str
) -> None:
    # Chunked, so a large file never has to fit in memory when crossing filesystems.
    with src_fs.open(src_path, "rb") as source, dst_fs.open(dst_path, "wb") as target:
        shutil.copyfileobj(source, target, _COPY_CHUNK)


def copy(src: PathType, dst: PathType, overwrite: bool = False) -> None:
    """Copy the file ``src`` to ``dst``, streaming when they live on different filesystems.

    Raises:
        FileNotFoundError: if ``src`` does not exist.
        FileExistsError: if ``dst`` exists and ``overwrite`` is false.
    """
    src_fs, src_path = get_filesystem(src)
    dst_fs, dst_path = get_filesystem(dst)
    if not src_fs.exists(src_path):
        raise FileNotFoundError(f"No such file: '{os.fspath(src)}'")
    if src_fs.isdir(src_path):
        raise IsADirectoryError(f"'{os.fspath(src)}' is a directory; fileio.copy copies files.")
    _check_destination(dst, dst_fs, dst_path, overwrite)
    if src_fs is dst_fs:
        src_fs.cp_file(src_path, dst_path)
    else:
        _stream(src_fs, src_path, dst_fs, dst_path)


def rename(src: PathType, dst: PathType, overwrite: bool = False) -> None:
    """Move the file or directory ``src`` to ``dst``.

    With ``overwrite=True`` an existing destination is replaced (atomically for local files).
    Across filesystems the data is streamed, then ``src`` is deleted.

    Raises:
        FileNotFoundError: if ``src`` does not exist.
        FileExistsError: if ``dst`` exists and ``overwrite`` is false.
    """
    src_fs, src_path = get_filesystem(src)
    dst_fs, dst_path = get_filesystem(dst)
    if not src_fs.exists(src_path):
        raise FileNotFoundError(f"No such file or directory: '{os.fspath(src)}'")
    _check_destination(dst, dst_fs, dst_path, overwrite)
    if src_fs is dst_fs and _is_local(src_fs):
        # os.replace swaps a file in one step, so readers never see a missing destination.
        if os.path.isdir(dst_path) and not os.path.isdir(src_path):
            raise IsADirectoryError(f"Cannot replace directory '{os.fspath(dst)}' with a file.")
        if os.path.isdir(dst_path):
            shutil.rmtree(dst_path)
        os.replace(src_path, dst_path)
        return
    if dst_fs.exists(dst_path):
        if dst_fs.isdir(dst_path):
            dst_fs.rm(dst_path, recursive=True)
        else:
            dst_fs.rm_file(dst_path)
    if src_fs is dst_fs:
        src_fs.mv(src_path, dst_path, recursive=True)
        return
    if src_fs.isdir(src_path):
        base = src_path.rstrip("/")
        for file_path in src_fs.find(src_path):
            target = posixpath.join(dst_path, posixpath.relpath(file_path, base))
            dst_fs.makedirs(posixpath.dirname(target), exist_ok=True)
            _stream(src_fs, file_path, dst_fs, target)
        src_fs.rm(src_path, recursive=True)
    else:
        _stream(src_fs, src_path, dst_fs, dst_path)
        src_fs.rm_file(src_path)


# --- inspecting ---------------------------------------------------------------------------------


def _with_scheme_of(original: str, fs: AbstractFileSystem, stripped: str) -> str:
    """Give a path returned by ``fs`` the same form (scheme or plain) as the caller used."""
    if _is_local(fs):
        return stripped
    if "://" in original:
        scheme = original[: original.index("://") + 3]
        return scheme + stripped.lstrip("/")
    return str(fs.unstrip_protocol(stripped))


def glob(pattern: PathType) -> list[str]:
    """Paths matching ``pattern`` (``*``, ``**``, ``?``, ``[..]``), sorted, in the caller's form."""
    text = os.fspath(pattern)
    fs, stripped = get_filesystem(text)
    return sorted(_with_scheme_of(text, fs, p) for p in fs.glob(stripped))


def walk(
    top: PathType,
    topdown: bool = True,
    onerror: Callable[[OSError], Any] | None = None,
) -> Iterator[tuple[str, list[str], list[str]]]:
    """Yield ``(root, dirs, files)`` for each directory under ``top``, like :func:`os.walk`.

    ``root`` starts with ``top`` exactly as given. With ``topdown=True`` pruning ``dirs`` in place
    skips those subdirectories. A missing ``top`` yields nothing (or calls ``onerror``).
    """
    text = os.fspath(top)
    fs, stripped = get_filesystem(text)
    base = stripped.rstrip("/")
    on_error: Any = onerror if onerror is not None else "omit"
    for root, dirs, all_files in fs.walk(stripped, topdown=topdown, on_error=on_error):
        files = [name for name in all_files if name]  # not an object store's "<dir>/" marker
        root_text = str(root).rstrip("/")
        if not root_text.startswith(base):  # pragma: no cover - fsspec walks below ``top``
            yield _with_scheme_of(text, fs, root_text), dirs, files
            continue
        # Re-root on the caller's spelling of ``top`` (scheme, relative path, trailing slash).
        suffix = root_text[len(base) :]
        yield (text.rstrip("/") + suffix if suffix else text), dirs, files


def stat(path: PathType) -> dict[str, Any]:
    """fsspec's ``info`` for ``path``: at least ``name``, ``size`` and ``type`` ("file"/"directory").

    Raises:
        FileNotFoundError: if ``path`` does not exist.
    """
    fs, stripped = get_filesystem(path)
    return dict(fs.info(stripped))


def size(path: PathType) -> int:
    """Size in bytes of a file, or the total size of the files under a directory."""
    fs, stripped = get_filesystem(path)
    if fs.isdir(stripped):
        return sum(int(info.get("size") or 0) for info in fs.find(stripped, detail=True).values())
    return int(fs.size(stripped))


# --- seed-era helpers ---------------------------------------------------------------------------


def is_remote(path: PathType) -> bool:
    """Whether ``path`` is served by a non-local filesystem."""
    fs, _ = get_filesystem(path)
    return not _is_local(fs)


def create_dir_if_not_exists(path: PathType) -> None:
    """Create the directory ``path`` if it is missing (seed helper)."""
    if not isdir(path):
        mkdir(path)


def create_dir_recursive_if_not_exists(path: PathType) -> None:
    """Create ``path`` and its parents if missing (seed helper)."""
    makedirs(path)


__all__ = [
    "copy",
    "create_dir_if_not_exists",
    "create_dir_recursive_if_not_exists",
    "exists",
    "get_filesystem",
    "glob",
    "is_object_store",
    "is_remote",
    "isdir",
    "listdir",
    "local_path",
    "make_directory",
    "makedirs",
    "mkdir",
    "open",
    "register_filesystem",
    "registered_filesystems",
    "remove",
    "rename",
    "rmtree",
    "size",
    "stat",
    "unregister_filesystem",
    "walk",
]
