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

Which filesystem serves a path (and how a registered store's failures are reported) is decided
in :mod:`zenml_airflow.io.filesystems`; its public names are re-exported here, where they have
always been importable.
"""

from __future__ import annotations

import builtins
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator
from typing import IO, Any

from fsspec import AbstractFileSystem

# The routing's public names stay importable from here (they are in ``__all__`` below); the
# helpers only this module uses keep private names so its public surface is unchanged.
from zenml_airflow.io.filesystems import PathType as PathType
from zenml_airflow.io.filesystems import ReportingFile as _ReportingFile
from zenml_airflow.io.filesystems import get_filesystem as get_filesystem
from zenml_airflow.io.filesystems import is_local as _is_local
from zenml_airflow.io.filesystems import is_object_store as is_object_store
from zenml_airflow.io.filesystems import lookup as _lookup
from zenml_airflow.io.filesystems import make_directory as make_directory
from zenml_airflow.io.filesystems import register_filesystem as register_filesystem
from zenml_airflow.io.filesystems import registered_filesystems as registered_filesystems
from zenml_airflow.io.filesystems import reporting as _reporting
from zenml_airflow.io.filesystems import unregister_filesystem as unregister_filesystem

_COPY_CHUNK = 8 * 1024 * 1024


def local_path(path: PathType) -> str | None:
    """The path on this machine's file system if ``path`` is served by it, else ``None``.

    For libraries that are faster given a path than a file object (pyarrow reads a local parquet
    file with its own threads, but a Python file object through the GIL).
    """
    fs, stripped, _ = _lookup(path)
    return stripped if _is_local(fs) else None


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
