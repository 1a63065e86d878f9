"""A wheel of the running zenml-airflow, so an image holds exactly the code that compiled the spec.

The wheel is written directly from the installed package's files (an editable checkout or
site-packages alike) and its installed metadata, with fixed timestamps and sorted entries: the same
code gives the same bytes, so the image layer that installs it is cached by Docker and the image
tag (which hashes the wheel) is stable. No build backend runs and no network is needed, which also
makes it work offline and for unreleased versions. Wheels are cached on disk by a fingerprint of
the package's file names, sizes and modification times, so the "nothing changed" check only
stats the files.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import zenml_airflow

_DIST = "zenml-airflow"
_WHEEL_NAME = "zenml_airflow"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: zenml-airflow\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)


@dataclass(frozen=True)
class ProjectWheel:
    """A wheel file of zenml-airflow and the sha256 of its bytes."""

    path: Path
    sha256: str
    version: str


def _package_files() -> list[tuple[str, Path]]:
    package = Path(zenml_airflow.__file__).resolve().parent
    files = []
    for directory, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(directory, name)
            files.append((path.relative_to(package.parent).as_posix(), path))
    return files


def _metadata_text(dist: importlib.metadata.Distribution, *names: str) -> str | None:
    for name in names:
        text = dist.read_text(name)
        if text is not None:
            return text
    return None


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _write_wheel(path: Path, version: str, files: list[tuple[str, Path]]) -> None:
    dist = importlib.metadata.distribution(_DIST)
    metadata = _metadata_text(dist, "METADATA", "PKG-INFO") or (
        f"Metadata-Version: 2.1\nName: {_DIST}\nVersion: {version}\n"
    )
    info = f"{_WHEEL_NAME}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [(name, file.read_bytes()) for name, file in files]
    entries.append((f"{info}/METADATA", metadata.encode()))
    entries.append((f"{info}/WHEEL", _WHEEL_FILE.encode()))
    entry_points = _metadata_text(dist, "entry_points.txt")
    if entry_points:
        entries.append((f"{info}/entry_points.txt", entry_points.encode()))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    entries.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    os.replace(tmp, path)


def project_wheel(cache_dir: Path) -> ProjectWheel:
    """The wheel of the running zenml-airflow, built into ``cache_dir`` unless already there."""
    version = importlib.metadata.version(_DIST)
    files = _package_files()
    fingerprint = hashlib.sha256(version.encode())
    for name, path in files:
        stat = path.stat()
        fingerprint.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    directory = cache_dir / fingerprint.hexdigest()[:24]
    path = directory / f"{_WHEEL_NAME}-{version}-py3-none-any.whl"
    digest_file = directory / "sha256"
    if not (path.is_file() and digest_file.is_file()):
        directory.mkdir(parents=True, exist_ok=True)
        _write_wheel(path, version, files)
        digest_file.write_text(hashlib.sha256(path.read_bytes()).hexdigest(), encoding="utf-8")
    return ProjectWheel(path, digest_file.read_text(encoding="utf-8").strip(), version)
