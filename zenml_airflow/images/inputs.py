"""What goes into a pipeline's image, computed without Docker: pinned requirements and user code.

Two inputs decide most of an image and both must hash cheaply, because the "nothing changed" check
runs on every compile:

- **requirements**: zenml-airflow's own dependencies, the pipeline's integrations' requirements
  and the user's, each pinned to one version: a ``name==version`` line of the constraints file
  when one is given (e.g. the project's ``constraints.txt``), else the version installed here when
  it satisfies the requirement (so the container runs what the compiling machine tested). A
  requirement that cannot be pinned stays as written.
- **code**: the files of the pipeline's source roots (the directories its steps and materializers
  are imported from, recorded in the compiled spec), minus virtualenvs, caches, VCS folders,
  zenml-airflow's own ``.zen`` directory and the patterns of the pipeline's ``dockerignore_file``.
  Each root is copied to ``/app/<n>`` in the image; the mapping from the compiling machine's
  absolute paths to those image paths is part of the build result (ADR 0008: the spec names
  absolute paths of the machine that compiled it).
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.metadata
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.images.errors import ImageBuildError

if TYPE_CHECKING:  # pragma: no cover
    from packaging.requirements import Requirement

    from zenml_airflow.core.pipeline import BasePipeline
    from zenml_airflow.core.spec import PipelineSpec

#: Where the user's source roots go in the image: ``/app/0``, ``/app/1``, ...
IMAGE_CODE_DIR = "/app"

#: Directory names never copied into an image: environments, caches, VCS data, build output and
#: the repository's own ``.zen`` directory (local stores may live there).
EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".import_linter_cache",
        ".ipynb_checkpoints",
        ".services",
        ".zen",
        ".idea",
        ".vscode",
        "build",
        "dist",
    }
)
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".egg-info")

#: A source root above this size is almost always a mistake (data or an environment in the code
#: folder); the build refuses it instead of sending gigabytes to the Docker engine.
MAX_CODE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class ImageInputs:
    """The pipeline-specific inputs of an image (everything but the parent and zenml-airflow).

    Attributes:
        name: the pipeline's name; the image repository is derived from it.
        source_roots: absolute directories of the compiling machine holding the user's code.
        required_integrations: integration names whose requirements the image installs.
        requirements: the user's pip requirements.
        requirements_file: a requirements file whose lines are added to ``requirements``.
        dockerignore_file: a file of ``fnmatch`` patterns (relative to a source root) not to copy.
    """

    name: str
    source_roots: tuple[str, ...] = ()
    required_integrations: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    requirements_file: str | None = None
    dockerignore_file: str | None = None

    @classmethod
    def from_spec(cls, spec: PipelineSpec, pipeline: BasePipeline | None = None) -> ImageInputs:
        """The inputs of a compiled spec, with the requirements options of ``pipeline`` (the spec
        records its integrations and source roots, not the user's requirements)."""
        return cls(
            name=spec.name,
            source_roots=tuple(spec.source_roots),
            required_integrations=tuple(spec.required_integrations),
            requirements=tuple(getattr(pipeline, "REQUIREMENTS", ())),
            requirements_file=getattr(pipeline, "requirements_file", None),
            dockerignore_file=getattr(pipeline, "dockerignore_file", None),
        )

    def root_mapping(self) -> dict[str, str]:
        """Each source root of the compiling machine -> its directory in the image."""
        return {root: f"{IMAGE_CODE_DIR}/{index}" for index, root in enumerate(self.source_roots)}


# --- requirements ------------------------------------------------------------------------------


def _parse(requirement: str, where: str) -> Requirement:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(requirement)
    except InvalidRequirement as error:
        raise ImageBuildError(
            f"Invalid requirement {requirement!r} ({where}): {error}. Fix it to a pip requirement "
            "such as 'scikit-learn>=1.4'."
        ) from error


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def read_requirements_file(path: str | os.PathLike[str]) -> list[str]:
    """The requirement lines of a pip requirements file (comments and blank lines dropped).

    Raises:
        ImageBuildError: when the file cannot be read, or uses pip options (``-r``, ``-e``, ...)
            an image build cannot follow.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ImageBuildError(
            f"Cannot read the requirements file {os.fspath(path)!r}: {error}. Fix the pipeline's "
            "requirements_file."
        ) from error
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            raise ImageBuildError(
                f"{os.fspath(path)!r}: pip option {line!r} is not supported in an image build; list "
                "plain requirements (one per line)."
            )
        lines.append(line)
    return lines


def read_constraints(text: str) -> dict[str, str]:
    """The exact pins (``name==version``) of a constraints file, by canonical name."""
    pins: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = _parse(line, "constraints file")
        specs = list(requirement.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "==="):
            pins[_canonical(requirement.name)] = specs[0].version
    return pins


def zenml_airflow_requirements() -> list[str]:
    """zenml-airflow's own (non-extra) dependencies, as its installed metadata lists them."""
    try:
        requires = importlib.metadata.distribution("zenml-airflow").requires or []
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a bare tree
        return []
    return [r for r in requires if "extra ==" not in r.replace("extra==", "extra ==")]


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def resolve_requirements(
    requirements: Iterable[str], pins: Mapping[str, str] | None = None
) -> list[str]:
    """One pinned line per distribution, sorted by name.

    Requirements naming the same distribution are merged (their version ranges intersected and
    extras joined). Each is pinned to ``pins[name]`` (a constraints file), else to the installed
    version when it satisfies the range; otherwise it is kept as a range.

    Raises:
        ImageBuildError: for an invalid requirement, or a constraints pin outside the range a
            requirement asks for (naming both).
    """
    pins = dict(pins or {})
    merged: dict[str, Requirement] = {}
    for line in requirements:
        requirement = _parse(line, "pipeline requirements")
        key = _canonical(requirement.name)
        if key in merged:
            seen = merged[key]
            seen.specifier &= requirement.specifier
            seen.extras |= requirement.extras
            if seen.marker is None or requirement.marker is None:
                seen.marker = None
        else:
            merged[key] = requirement
    lines = []
    for key in sorted(merged):
        requirement = merged[key]
        if requirement.url:
            lines.append(str(requirement))
            continue
        version = pins.get(key)
        if version is not None and not requirement.specifier.contains(version, prereleases=True):
            raise ImageBuildError(
                f"Requirement '{requirement}' conflicts with the constraints pin "
                f"{requirement.name}=={version}; widen the requirement or update the constraints "
                "file."
            )
        if version is None:
            installed = _installed_version(requirement.name)
            if installed and requirement.specifier.contains(installed, prereleases=True):
                version = installed
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        spec = f"=={version}" if version is not None else str(requirement.specifier)
        marker = f"; {requirement.marker}" if requirement.marker is not None else ""
        lines.append(f"{requirement.name}{extras}{spec}{marker}")
    return lines


def image_requirements(inputs: ImageInputs, pins: Mapping[str, str] | None = None) -> list[str]:
    """All requirements of the image of ``inputs``, resolved (see :func:`resolve_requirements`)."""
    wanted = list(zenml_airflow_requirements())
    for name in inputs.required_integrations:
        wanted.extend(get_integration(name).requirements)
    wanted.extend(inputs.requirements)
    if inputs.requirements_file:
        wanted.extend(read_requirements_file(inputs.requirements_file))
    return resolve_requirements(wanted, pins)


# --- code --------------------------------------------------------------------------------------


def read_ignore_patterns(path: str | os.PathLike[str] | None) -> tuple[str, ...]:
    """The patterns of a ``.dockerignore``-style file (comments, blanks and negations dropped)."""
    if path is None:
        return ()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ImageBuildError(
            f"Cannot read the dockerignore file {os.fspath(path)!r}: {error}. Fix the pipeline's "
            "dockerignore_file."
        ) from error
    return tuple(
        line.strip().strip("/")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    )


def _ignored(relative: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, f"{pattern}/*")
        for pattern in patterns
    )


@dataclass(frozen=True)
class CodeFile:
    """One file to copy: where it is here and where it goes in the build context."""

    source: Path
    relative: str  # "<n>/<path inside the root>", POSIX separators


@dataclass
class CodeSnapshot:
    """The files of all source roots and one hash over their paths and contents."""

    files: list[CodeFile] = field(default_factory=list)
    digest: str = ""
    total_bytes: int = 0


# Content hashes by (path, size, mtime_ns): a code-only rebuild re-reads only changed files.
_file_hashes: dict[tuple[str, int, int], str] = {}


def _file_hash(path: Path, stat: os.stat_result) -> str:
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    digest = _file_hashes.get(key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        _file_hashes[key] = digest
    return digest


def snapshot_code(inputs: ImageInputs) -> CodeSnapshot:
    """Walk the source roots of ``inputs`` and hash what will be copied (sorted, so stable).

    Raises:
        ImageBuildError: when a root is missing or not absolute, or the code is larger than
            :data:`MAX_CODE_BYTES`.
    """
    patterns = read_ignore_patterns(inputs.dockerignore_file)
    snapshot = CodeSnapshot()
    hasher = hashlib.sha256()
    for index, root in enumerate(inputs.source_roots):
        base = Path(root)
        if not base.is_absolute() or not base.is_dir():
            raise ImageBuildError(
                f"Source root {root!r} of pipeline '{inputs.name}' is not an existing absolute "
                "directory; compile the pipeline on the machine that holds its code."
            )
        hasher.update(f"root {index}\n".encode())
        for directory, dirnames, filenames in os.walk(base):
            rel_dir = os.path.relpath(directory, base)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in EXCLUDED_DIRS
                and not d.endswith(EXCLUDED_SUFFIXES)
                and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
                and not _ignored(rel_dir + d, patterns)
            )
            for name in sorted(filenames):
                relative = rel_dir + name
                if name.endswith(EXCLUDED_SUFFIXES) or _ignored(relative, patterns):
                    continue
                path = Path(directory, name)
                try:
                    stat = path.stat()
                    digest = _file_hash(path, stat)
                except OSError:
                    continue  # a dangling link or a file removed while walking
                snapshot.total_bytes += stat.st_size
                hasher.update(f"{relative}\0{digest}\n".encode())
                snapshot.files.append(CodeFile(path, f"{index}/{relative}"))
        if snapshot.total_bytes > MAX_CODE_BYTES:
            raise ImageBuildError(
                f"Source root {root!r} of pipeline '{inputs.name}' holds more than "
                f"{MAX_CODE_BYTES // 2**20} MB of files; move data out of the code directory or "
                "list it in the pipeline's dockerignore_file."
            )
    snapshot.digest = hasher.hexdigest()
    return snapshot
