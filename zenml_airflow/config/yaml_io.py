"""Safe reading and writing of the YAML files behind the global config, profiles and repositories.

Three promises, relied upon by every config file:

* **Atomic writes.** :func:`write_yaml` writes a temporary file in the target's directory, fsyncs it
  and ``os.replace``-s it over the target, so a reader sees either the old or the new file, never
  half of one, and a failing write leaves the old file untouched.
* **Clean errors.** :func:`read_yaml` and :func:`load_model` turn unreadable files, bad YAML and
  wrong shapes into a :class:`~zenml_airflow.exceptions.ConfigError` that names the file and the
  problem, never a raw traceback.
* **Serialised read-modify-write.** :func:`file_lock` holds an exclusive ``flock`` on a
  ``.<file>.lock`` sidecar so two processes updating the same file do not lose each other's change.

Example::

    with file_lock(path):
        data = read_yaml(path) or {}
        data["answer"] = 42
        write_yaml(path, data)
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from zenml_airflow.exceptions import ConfigError

try:  # POSIX only; Airflow itself does not run on native Windows.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ModelT = TypeVar("ModelT", bound=BaseModel)

_HOW_TO_FIX = "Fix the file by hand or delete it to start again from the defaults."

# libyaml's parser when PyYAML was built with it (the wheels are): 5-10x faster than pure Python.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Parsed content by path, valid while the file's identity and stamps are unchanged; ``p.run()``
# reads the same few config files on every call. Every write here replaces the file (a new
# inode); an edit in place changes its mtime/ctime - unless it lands within the file system's
# timestamp granularity (the kernel's coarse clock ticks every few ms) of the stamp we saw. So,
# as git does with its index, a file whose stamp is younger than _RACY_NS when read is not
# cached: any later change to an older file is sure to move its stamp.
_parsed: dict[str, tuple[tuple[int, int, int, int, int], Any]] = {}
_parsed_lock = threading.Lock()
_RACY_NS = 100_000_000

# Re-entrancy bookkeeping for file_lock: flock() on a second descriptor of the same file from the
# same thread would deadlock, so nested calls on one path reuse the outer lock.
_held = threading.local()


def read_yaml(path: Path) -> Any:
    """Return the parsed YAML content of ``path`` (``None`` for an empty file).

    Raises:
        ConfigError: if the file cannot be read or is not valid YAML.
    """
    key = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            with _parsed_lock:
                cached = _parsed.get(key)
            if cached is not None and cached[0] == stamp:
                return copy.deepcopy(cached[1])
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"Cannot read config file {path}: {error}") from error
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader (C or Python)
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise ConfigError(
            f"Config file {path} is not valid YAML: {problem}. {_HOW_TO_FIX}"
        ) from error
    with _parsed_lock:
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > _RACY_NS:
            _parsed[key] = (stamp, data)
        else:
            _parsed.pop(key, None)
    return copy.deepcopy(data)


def format_validation_error(error: ValidationError) -> str:
    """Render a pydantic error as ``"field.path: message; ..."`` without pydantic's URL noise."""
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


def load_model(path: Path, model: type[ModelT]) -> ModelT:
    """Read ``path`` and validate it as ``model``.

    Raises:
        FileNotFoundError: if the file does not exist (callers decide what a missing file means).
        ConfigError: if the file is unreadable, not YAML, or has the wrong shape.
    """
    data = read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config file {path} must contain a mapping at the top level, "
            f"found {type(data).__name__}. {_HOW_TO_FIX}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            f"Config file {path} is invalid: {format_validation_error(error)}. {_HOW_TO_FIX}"
        ) from error


def os_error_reason(error: OSError) -> str:
    """Why an operating-system call failed, naming the path it failed on:
    ``Permission denied: /a/b``, ``Not a directory: /a/file.txt/b``."""
    reason = error.strerror or str(error)
    return f"{reason}: {error.filename}" if error.filename is not None else reason


def write_yaml(path: Path, data: Any, *, what: str = "config file") -> None:
    """Atomically replace ``path`` with ``data`` dumped as YAML (creating parent directories).

    Args:
        what: what the file is, for the error message (e.g. ``"export file"``).

    Raises:
        ConfigError: if the file cannot be written (its folder cannot be created, is read-only,
            the disk is full, ...); the previous file, if any, is left intact and no temporary
            file is left behind.
    """
    text = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    tmp_path: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp_path = Path(tmp_name)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    except BaseException as error:
        if tmp_path is not None:
            with contextlib.suppress(OSError):
                tmp_path.unlink()
        if isinstance(error, FileExistsError) and tmp_path is None:
            # mkdir(exist_ok=True) says "File exists" when a file stands where a folder must be.
            raise ConfigError(
                f"Cannot write {what} {path}: {error.filename} is a file, not a directory."
            ) from error
        if isinstance(error, OSError):
            raise ConfigError(
                f"Cannot write {what} {path}: {os_error_reason(error)}. Check that "
                f"{path.parent} is a writable directory."
            ) from error
        raise
    _fsync_directory(path.parent)


def save_model(path: Path, model: BaseModel) -> None:
    """Atomically write a pydantic model to ``path`` as YAML (JSON-compatible values only)."""
    write_yaml(path, model.model_dump(mode="json"))


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive inter-process lock for read-modify-write of ``path``.

    The lock lives on ``.<name>.lock`` beside the file (never on the
    file itself, which is replaced on every write).
    Nested use on the same path in the same thread is allowed.
    """
    key = str(path.resolve())
    held: dict[str, int] = _held.__dict__.setdefault("counts", {})
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    lock_path = path.with_name(f".{path.name}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        # Every change to a config file starts here: a read-only config directory must say
        # so, not end in a traceback.
        raise ConfigError(
            f"Cannot write {path}: its lock file cannot be created ({os_error_reason(error)}). "
            f"Check that {path.parent} is a writable directory."
        ) from error
    with handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        held[key] = 1
        try:
            yield
        finally:
            held[key] = 0
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
