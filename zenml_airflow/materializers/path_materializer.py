"""Materializer for ``pathlib.Path``: the file or folder a path names is *copied* into the artifact.

A step that hands over "a directory of files" returns a :class:`~pathlib.Path`; the path itself
would mean nothing on another machine (an Airflow worker, a later run), so its contents are
stored instead::

    @step
    def export() -> Path:
        out = Path(tempfile.mkdtemp()) / "report"
        ...  # write files into out/
        return out

    @step
    def publish(report: Path) -> None:
        for page in sorted(report.glob("*.html")):  # a local copy of the same files
            ...

What is stored, in the artifact directory:

- ``manifest.json``: what was copied, and nothing that changes between identical copies: the
  kind (``file`` or ``directory``), the original name, every folder (empty ones included), and
  for every file its relative path, size, SHA-256 and whether it was executable. No times, no
  owners, no other permission bits, so copying the same contents twice gives the same bytes
  (ADR 0011: identical artifacts share one stored copy; cache keys stay stable);
- ``data/<name>``: the file, or the folder's tree with its relative layout.

Refused when writing (with a :class:`~zenml_airflow.exceptions.MaterializerError`, before
anything is copied): a path that does not exist, special files (sockets, FIFOs, devices),
symbolic links inside a folder that point outside it, to a folder (they could loop) or nowhere.
A link inside the folder to a file inside it is stored as a regular file with the target's
contents. The path given itself may be a link: it is resolved first.

Reading gives a local :class:`~pathlib.Path` to a fresh copy, on every artifact-store scheme
(local, S3, GCS...): the files are copied (downloaded) into a new temporary directory, checked
against the manifest (size and SHA-256: a damaged or tampered artifact is refused), and the path
``<temporary directory>/<original name>`` is returned. The step may change or delete the copy;
the stored artifact is never touched. **Lifetime:** the temporary directory lives until the
Python process that read it exits (it is removed then), so it outlives the step that received
it; a long-lived process (a notebook) that reads many such artifacts can free one earlier with
``shutil.rmtree(path.parent)``.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer

logger = logging.getLogger(__name__)

MANIFEST_FILENAME = "manifest.json"
DATA_DIRECTORY = "data"
FORMAT = "zenml-airflow.path"
FORMAT_VERSION = 1
TEMPORARY_PREFIX = "zenml-airflow-path-"
_CHUNK = 1024 * 1024

# Temporary directories handed out by this process; removed when it exits.
_temporary_directories: list[str] = []
_temporary_lock = threading.Lock()


def _remove_temporary_directories() -> None:
    with _temporary_lock:
        directories, _temporary_directories[:] = list(_temporary_directories), []
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)


atexit.register(_remove_temporary_directories)


def _new_temporary_directory() -> str:
    directory = tempfile.mkdtemp(prefix=TEMPORARY_PREFIX)
    with _temporary_lock:
        _temporary_directories.append(directory)
    return directory


@dataclass(frozen=True)
class _Entry:
    """One file to store: where it is stored (relative, POSIX) and where its bytes come from."""

    relative: str
    source: str
    executable: bool


def _kind_of(mode: int) -> str:
    for test, name in (
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISCHR, "a character device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _copy_and_hash(source: IO[bytes], destination: IO[bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        destination.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _safe_relative(text: object, what: str) -> str:
    """``text`` if it is a plain relative POSIX path inside the artifact, else raise ValueError."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"{what} {text!r} is not a non-empty string")
    pure = PurePosixPath(text)
    if (
        pure.is_absolute()
        or "\\" in text
        or "\0" in text
        or str(pure) != text
        or any(part in ("", ".", "..") for part in pure.parts)
    ):
        raise ValueError(f"{what} {text!r} is not a plain relative path inside the artifact")
    return text


class PathMaterializer(BaseMaterializer):
    """Copies the file or folder a ``pathlib.Path`` names into the artifact; reads give a local
    ``Path`` to a verified copy (see the module documentation for the format and lifetime)."""

    ASSOCIATED_TYPES = (Path,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (MANIFEST_FILENAME, DATA_DIRECTORY)

    # The path this materializer wrote last and its metadata, counted while copying:
    # extract_metadata, called next for the same value, then needs no second walk of the folder.
    _written: tuple[Path, dict[str, Any]] | None = None

    # --- writing ------------------------------------------------------------------------------

    def _scan(self, path: Path) -> tuple[str, str, list[str], list[_Entry]]:
        """``(kind, name, directories, files)`` for ``path``; refuses what cannot be copied."""
        given = os.fspath(path)
        if not os.path.lexists(given):
            raise MaterializerError(
                f"PathMaterializer cannot store '{given}': nothing exists at that path on this "
                "machine. Return the path of a file or folder the step created."
            )
        root = os.path.realpath(given)
        if not os.path.exists(root):
            raise MaterializerError(
                f"PathMaterializer cannot store '{given}': it is a symbolic link to '{root}', "
                "which does not exist."
            )
        name = os.path.basename(root.rstrip(os.sep)) or DATA_DIRECTORY
        mode = os.stat(root).st_mode
        if stat.S_ISREG(mode):
            return "file", name, [], [_Entry(name, root, bool(mode & 0o111))]
        if not stat.S_ISDIR(mode):
            raise MaterializerError(
                f"PathMaterializer cannot store '{given}': it is {_kind_of(mode)}, not a file or "
                "folder. Copy what it holds into a regular file and return that path."
            )
        directories: list[str] = []
        files: list[_Entry] = []
        for current, subdirs, names in os.walk(root, followlinks=False):
            relative_dir = os.path.relpath(current, root)
            base = "" if relative_dir == "." else relative_dir.replace(os.sep, "/") + "/"
            for subdir in list(subdirs):
                full = os.path.join(current, subdir)
                if os.path.islink(full):
                    # os.walk lists links to folders as folders; they are refused below.
                    subdirs.remove(subdir)
                    names.append(subdir)
                else:
                    directories.append(base + subdir)
            for filename in names:
                full = os.path.join(current, filename)
                files.append(self._file_entry(given, root, full, base + filename))
        return "directory", name, sorted(directories), sorted(files, key=lambda e: e.relative)

    @staticmethod
    def _file_entry(given: str, root: str, full: str, relative: str) -> _Entry:
        where = f"'{relative}' in '{given}'"
        if "\\" in relative:
            raise MaterializerError(
                f"PathMaterializer cannot store {where}: its name contains a backslash, which "
                "other systems (and object stores' tools) take for a folder separator. Rename it."
            )
        source = full
        if os.path.islink(full):
            target = os.path.realpath(full)
            if os.path.commonpath([root, target]) != root:
                raise MaterializerError(
                    f"PathMaterializer refuses {where}: it is a symbolic link to '{target}', "
                    "outside the folder, so storing it would copy files the step did not hand "
                    "over. Copy the target into the folder, or remove the link."
                )
            if not os.path.exists(target):
                raise MaterializerError(
                    f"PathMaterializer refuses {where}: it is a symbolic link to '{target}', "
                    "which does not exist."
                )
            if os.path.isdir(target):
                raise MaterializerError(
                    f"PathMaterializer refuses {where}: it is a symbolic link to a folder "
                    f"('{target}'); links to folders are not followed (they can loop). Replace "
                    "it with a copy of the folder, or remove it."
                )
            source = target
        mode = os.stat(source).st_mode
        if not stat.S_ISREG(mode):
            raise MaterializerError(
                f"PathMaterializer refuses {where}: it is {_kind_of(mode)}. Only regular files "
                "and folders are stored; remove it from the folder or copy its contents into a "
                "regular file."
            )
        return _Entry(relative, source, bool(mode & 0o111))

    def handle_return(self, data: Path) -> None:
        """Copy the file or folder ``data`` names into the artifact, with its manifest.

        Raises:
            MaterializerError: nothing exists at ``data``, or it is (or holds) a special file or a
                symbolic link that may not be followed; nothing is written then.
        """
        super().handle_return(data)
        self._written = None
        kind, name, directories, entries = self._scan(data)
        uri = self.artifact.uri
        data_root = os.path.join(uri, DATA_DIRECTORY)
        fileio.makedirs(data_root)
        files: list[dict[str, Any]] = []
        for entry in entries:
            destination = os.path.join(data_root, *entry.relative.split("/"))
            fileio.makedirs(os.path.dirname(destination))
            try:
                with open(entry.source, "rb") as source, fileio.open(destination, "wb") as out:
                    size, digest = _copy_and_hash(source, out)
            except OSError as error:
                raise MaterializerError(
                    f"PathMaterializer could not copy '{entry.source}' into the artifact: "
                    f"{type(error).__name__}: {error}"
                ) from error
            files.append(
                {
                    "path": entry.relative,
                    "size": size,
                    "sha256": digest,
                    "executable": entry.executable,
                }
            )
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kind": kind,
            "name": name,
            "directories": directories,
            "files": files,
        }
        text = json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        with fileio.open(os.path.join(uri, MANIFEST_FILENAME), "w") as handle:
            handle.write(text)
        if kind == "directory":
            facts: dict[str, Any] = {"kind": "folder", "name": data.name, "files": len(files)}
        else:
            facts = {"kind": "file", "name": data.name, "bytes": files[0]["size"]}
        self._written = (data, facts)

    # --- reading ------------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        path = os.path.join(self.artifact.uri, MANIFEST_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(MANIFEST_FILENAME)
        with fileio.open(path, "rb") as handle:
            raw = handle.read(64 * 1024 * 1024)
        try:
            manifest = json.loads(raw)
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ValueError(f"it is not a {FORMAT} manifest")
            if manifest.get("version") != FORMAT_VERSION:
                raise ValueError(
                    f"format version {manifest.get('version')!r} is not {FORMAT_VERSION}; it was "
                    "written by another zenml-airflow version"
                )
            kind = manifest.get("kind")
            if kind not in ("file", "directory"):
                raise ValueError(f"unknown kind {kind!r}")
            name = _safe_relative(manifest.get("name"), "name")
            if "/" in name:
                raise ValueError(f"name {name!r} is not a single path component")
            directories = manifest.get("directories")
            files = manifest.get("files")
            if not isinstance(directories, list) or not isinstance(files, list):
                raise ValueError("'directories' and 'files' must be lists")
            for directory in directories:
                _safe_relative(directory, "folder")
            for entry in files:
                if not isinstance(entry, dict):
                    raise ValueError(f"file entry {entry!r} is not an object")
                _safe_relative(entry.get("path"), "file")
                if not isinstance(entry.get("size"), int) or entry["size"] < 0:
                    raise ValueError(f"file {entry['path']!r} has no valid size")
                if not isinstance(entry.get("sha256"), str):
                    raise ValueError(f"file {entry['path']!r} has no SHA-256")
            if kind == "file" and [e["path"] for e in files] != [name]:
                raise ValueError("a 'file' artifact must list exactly its one file")
        except (ValueError, UnicodeDecodeError) as error:
            raise MaterializerError(
                f"Cannot read '{path}': {error}. It was not written by PathMaterializer, or was "
                "changed since; nothing was copied."
            ) from error
        return manifest

    def handle_input(self, data_type: Any) -> Path:
        """A local path to a fresh, verified copy of the stored file or folder.

        Raises:
            MaterializerError: the manifest is missing or invalid, or a stored file is missing or
                differs from the manifest (size or SHA-256); the partial copy is removed then.
        """
        super().handle_input(data_type)
        manifest = self._manifest()
        name: str = manifest["name"]
        data_root = os.path.join(self.artifact.uri, DATA_DIRECTORY)
        directory = _new_temporary_directory()
        target = Path(directory) / name
        try:
            if manifest["kind"] == "directory":
                target.mkdir()
                for relative in manifest["directories"]:
                    target.joinpath(*relative.split("/")).mkdir(parents=True, exist_ok=True)
            for entry in manifest["files"]:
                self._restore(data_root, target, manifest["kind"], entry)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return target

    def _restore(self, data_root: str, target: Path, kind: str, entry: dict[str, Any]) -> None:
        relative: str = entry["path"]
        stored = os.path.join(data_root, *relative.split("/"))
        local = target if kind == "file" else target.joinpath(*relative.split("/"))
        if not fileio.exists(stored):
            raise MaterializerError(
                f"Artifact '{self.artifact.uri}' lacks '{DATA_DIRECTORY}/{relative}', which its "
                "manifest lists: the artifact is incomplete or was changed. Re-run the step that "
                "produced it."
            )
        local.parent.mkdir(parents=True, exist_ok=True)
        with fileio.open(stored, "rb") as source, open(local, "xb") as out:
            size, digest = _copy_and_hash(source, out)
        if size != entry["size"] or digest != entry["sha256"]:
            raise MaterializerError(
                f"Artifact file '{stored}' does not match its manifest (size {size} vs "
                f"{entry['size']}, or different contents): the artifact was changed or damaged "
                "after it was written. Re-run the step that produced it."
            )
        if entry.get("executable") is True:
            local.chmod(local.stat().st_mode | 0o111)

    def extract_metadata(self, data: Path) -> dict[str, Any]:
        """File or folder, its name, and its size in bytes (a file) or how many files it holds
        (a folder): counted by :meth:`handle_return` when it wrote ``data``, else here."""
        if self._written is not None and self._written[0] is data:
            return dict(self._written[1])
        if data.is_dir():
            files = sum(1 for p in data.rglob("*") if p.is_file())
            return {"kind": "folder", "name": data.name, "files": files}
        return {"kind": "file", "name": data.name, "bytes": data.stat().st_size}


__all__ = ["DATA_DIRECTORY", "MANIFEST_FILENAME", "PathMaterializer"]
