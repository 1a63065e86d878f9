"""One hash of all the code that decides what a step (or a materializer) does - ADR 0015.

A step's result depends on more than its own function: the helpers and constants of its module,
the functions it imports from the user's other modules (and what those import), the materializers
that write and read its artifacts and their base classes, and the libraries all of that calls.
:func:`code_hash` covers it by *module closure*:

- **User code** - every module reachable by ``import`` statements (anywhere in the file, including
  inside functions) from the modules that define the given objects and their base classes, that is
  not library code - is hashed by its source, normalized through the AST so that comments,
  docstrings and formatting do not count (ADR 0015).
- **Library code** - the standard library, zenml_airflow itself and anything an installed
  distribution provides from where it is installed - is not read: it counts by its distribution
  name and installed version (``numpy==2.1.0``; the standard library as the Python version). A
  project installed in editable mode is *user* code: its files live outside site-packages.
  Libraries are not followed into their own imports.

Hashing must stay cheap - the local orchestrator computes it for every step of every run - so each
module's normalized hash and import list are cached per process by file path, keyed by the file's
``mtime_ns`` and size, and a library's version per process by its import root.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import json
import os
import site
import sys
import threading
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import ast

_PYTHON = f"python=={sys.implementation.name}-{'.'.join(map(str, sys.version_info[:3]))}"
_OWN_PACKAGE = "zenml_airflow"
# Values of a file-less module's globals that are hashed by their repr (see _fileless_parts).
_CONSTANT_TYPES = (bool, int, float, complex, str, bytes, type(None))

_lock = threading.Lock()


@dataclass(frozen=True)
class _ModuleFacts:
    digest: str  # sha256 of the module's normalized source
    imports: tuple[str, ...]  # absolute names of the modules its import statements name


# path -> ((mtime_ns, size), facts): re-read only when the file changed.
_facts_cache: dict[str, tuple[tuple[int, int], _ModuleFacts]] = {}
# id(module spec) -> (weak reference to the spec, facts): what a *loaded* module was when this
# process first hashed it. An edit on disk does not change the code that runs until the module is
# reloaded (which gives it a new spec), so it must not change the key either.
_pinned: dict[int, tuple[weakref.ref[Any], _ModuleFacts]] = {}
# import root directory -> {top-level import name: ["dist==version", ...]}
_dists_by_root: dict[str, dict[str, list[str]]] = {}
# (module name, file) -> library key, or None for user code
_kind_cache: dict[tuple[str, str | None], str | None] = {}


def code_hash(*objects: Any) -> str:
    """sha256 of the code that decides what ``objects`` (functions or classes) do.

    Changes when any of them is renamed, when the source of any user module in their import
    closure changes (comments, docstrings and formatting aside), and when a library they import
    directly from user code is installed in another version. User modules count by content, not
    name: the same code in a module of another name (a copied script) hashes the same.
    """
    user: dict[str, str] = {}
    libraries: set[str] = set()
    for obj in objects:
        for module_name in _defining_modules(obj):
            _walk(module_name, user, libraries)
    names = []
    for obj in objects:
        module_name = getattr(obj, "__module__", "?")
        qualname = getattr(obj, "__qualname__", repr(obj))
        owner = user.get(module_name)
        names.append(f"{qualname}@{owner}" if owner is not None else f"{module_name}:{qualname}")
    payload = {"objects": names, "user": sorted(user.values()), "libraries": sorted(libraries)}
    return hashlib.sha256(json.dumps(payload).encode("utf-8")).hexdigest()


def _defining_modules(obj: Any) -> Iterator[str]:
    """The module of ``obj`` and, for a class, of each of its base classes."""
    seen: set[str] = set()
    owners = obj.__mro__ if isinstance(obj, type) else (obj,)
    for owner in owners:
        name = getattr(owner, "__module__", None)
        if isinstance(name, str) and name != "builtins" and name not in seen:
            seen.add(name)
            yield name


def _walk(root: str, user: dict[str, str], libraries: set[str]) -> None:
    pending = [root]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name in user:
            continue
        seen.add(name)
        file = _locate(name)
        module = sys.modules.get(name)
        if file is None and module is None:
            # Not importable here: a "from m import function" name, or an optional dependency
            # that is not installed (if it gets installed, it joins the key as a library).
            continue
        kind = _library_key(name, file)
        if kind is not None:
            libraries.add(kind)
            continue
        if file is None:  # a user module defined in a REPL or notebook
            digest, imported = _fileless_parts(module)  # type: ignore[arg-type]
            user[name] = "fileless:" + digest
            pending.extend(imported)
            continue
        if not file.endswith(".py"):  # a user's compiled extension: its bytes are its code
            user[name] = _file_digest(file)
            continue
        facts = _module_facts(file, name, module)
        user[name] = facts.digest
        pending.extend(facts.imports)


# --- locating and classifying modules ------------------------------------------------------------


def _locate(name: str) -> str | None:
    """The file a module was (or would be) imported from, without importing anything."""
    module = sys.modules.get(name)
    if module is not None:
        file = getattr(module, "__file__", None)
        return file if isinstance(file, str) else None
    parent, _, _ = name.rpartition(".")
    search: list[str] | None = None
    if parent:
        parent_module = sys.modules.get(parent)
        locations = getattr(parent_module, "__path__", None)
        if locations is None:
            spec = _find_spec(parent, None)
            locations = spec.submodule_search_locations if spec is not None else None
        if not locations:
            return None
        search = list(locations)
    spec = _find_spec(name, search)
    if spec is None or not spec.has_location or not isinstance(spec.origin, str):
        return None
    return spec.origin


def _find_spec(name: str, search: list[str] | None) -> importlib.machinery.ModuleSpec | None:
    if search is None and "." in name:
        parent, _, _ = name.rpartition(".")
        parent_spec = _find_spec(parent, None)
        if parent_spec is None or not parent_spec.submodule_search_locations:
            return None
        search = list(parent_spec.submodule_search_locations)
    try:
        return importlib.machinery.PathFinder.find_spec(name, search)
    except (ImportError, ValueError):
        return None


def _library_key(name: str, file: str | None) -> str | None:
    """``"dist==version"`` (or the Python version) for library code, ``None`` for user code."""
    cache_key = (name, file)
    if cache_key in _kind_cache:
        return _kind_cache[cache_key]
    top = name.partition(".")[0]
    kind: str | None
    if top == _OWN_PACKAGE:
        from zenml_airflow import __version__

        kind = f"zenml-airflow=={__version__}"
    elif top in sys.stdlib_module_names or top == "__future__":
        kind = _PYTHON
    elif file is None:
        kind = _PYTHON if name in sys.builtin_module_names else None  # else a REPL's module
    else:
        kind = _installed_library(name, Path(file))
    with _lock:
        _kind_cache[cache_key] = kind
    return kind


@functools.cache
def _library_dirs() -> list[Path]:
    import sysconfig

    paths = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    user_site = site.getusersitepackages() if hasattr(site, "getusersitepackages") else None
    if isinstance(user_site, str):
        paths.add(user_site)
    return [Path(p).resolve() for p in paths]


def _installed_library(name: str, file: Path) -> str | None:
    """The distribution(s) providing ``name`` from where ``file`` lies, if it is installed code."""
    path = file.resolve()
    depth = name.count(".") + (1 if path.name == "__init__.py" else 0)
    if depth >= len(path.parents):
        return None
    root = path.parents[depth]
    top = name.partition(".")[0]
    in_library_dir = any(root == lib or lib in root.parents for lib in _library_dirs())
    dists = _distributions_of(root, top)
    if dists:
        return ",".join(sorted(dists))
    if in_library_dir:
        # Installed without metadata (rare): its file is all we know of its version.
        return f"{top}@sha256:{_file_digest(str(path))}"
    return None  # a user module (or an editable install, whose metadata lives elsewhere)


def _distributions_of(root: Path, top: str) -> list[str]:
    """``["name==version"]`` of the distributions installed in ``root`` that provide ``top``.

    Most distributions are named like the package they install (``numpy``, ``SQLAlchemy``), so
    those are tried first; reading every distribution's metadata (tens of ms in a big
    environment) is left for the others.
    """
    key = str(root)
    listed = _dists_by_root.get(key)
    if listed is not None:
        return listed.get(top, [])
    wanted = top.lower().replace("-", "_").replace(".", "_")
    guessed = []
    for entry in _metadata_dirs(key):
        if entry.split("-", 1)[0].lower().replace(".", "_") == wanted:
            meta = root / entry
            if top in _top_level_names(meta):
                guessed.append(_dist_label(meta))
    return guessed or _distributions_in(root).get(top, [])


@functools.lru_cache(maxsize=64)
def _metadata_dirs(root: str) -> tuple[str, ...]:
    try:
        return tuple(
            e.name for e in os.scandir(root) if e.name.endswith((".dist-info", ".egg-info"))
        )
    except OSError:
        return ()


def _distributions_in(root: Path) -> dict[str, list[str]]:
    """``{top-level import name: ["name==version"]}`` for the distributions installed in ``root``."""
    key = str(root)
    cached = _dists_by_root.get(key)
    if cached is not None:
        return cached
    found: dict[str, list[str]] = {}
    for entry in _metadata_dirs(key):
        meta = root / entry
        label = _dist_label(meta)
        for top in _top_level_names(meta):
            found.setdefault(top, []).append(label)
    with _lock:
        _dists_by_root[key] = found
    return found


def _dist_label(meta: Path) -> str:
    # The directory name carries name and version (PEP 376); the metadata file is authoritative.
    name, _, version = meta.name.rsplit(".", 1)[0].partition("-")
    metadata = meta / ("METADATA" if meta.suffix == ".dist-info" else "PKG-INFO")
    try:
        with metadata.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break  # end of the headers
                header, _, value = line.partition(":")
                if header == "Name":
                    name = value.strip()
                elif header == "Version":
                    version = value.strip()
    except OSError:
        pass
    return f"{name.lower().replace('_', '-')}=={version or '?'}"


def _top_level_names(meta: Path) -> set[str]:
    try:
        return set((meta / "top_level.txt").read_text(encoding="utf-8").split())
    except OSError:
        pass
    try:
        record = (meta / "RECORD").read_text(encoding="utf-8")
    except OSError:
        return set()
    tops: set[str] = set()
    for line in record.splitlines():
        first = line.split(",", 1)[0].split("/", 1)[0]
        if (
            first
            and not first.endswith((".dist-info", ".egg-info", ".pth", ".data"))
            and first != ".."
        ):
            tops.add(first.removesuffix(".py"))
    return tops


# --- hashing user modules ------------------------------------------------------------------------


def _module_facts(file: str, name: str, module: types.ModuleType | None) -> _ModuleFacts:
    spec = getattr(module, "__spec__", None) if module is not None else None
    if spec is not None:
        pinned = _pinned.get(id(spec))
        if pinned is not None and pinned[0]() is spec:
            return pinned[1]
    # A module run with `python -m pkg.mod` is "__main__" but resolves relative imports in "pkg".
    package = getattr(module, "__package__", None) if module is not None else None
    facts = _facts_on_disk(file, name, package)
    if spec is not None:
        with _lock:
            _pinned[id(spec)] = (weakref.ref(spec), facts)
    return facts


def _facts_on_disk(file: str, name: str, package: str | None = None) -> _ModuleFacts:
    try:
        stat = os.stat(file)
    except OSError:
        return _ModuleFacts(hashlib.sha256(f"missing:{file}".encode()).hexdigest(), ())
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _facts_cache.get(file)
    if cached is not None and cached[0] == stamp:
        facts = cached[1]
    else:
        with open(file, "rb") as handle:
            source = handle.read()
        facts = _parse(source, file)
        with _lock:
            _facts_cache[file] = (stamp, facts)
    # Relative imports were recorded against the module's package; resolve them for this name.
    if package is None:
        package = name if os.path.basename(file) == "__init__.py" else name.rpartition(".")[0]
    return _ModuleFacts(facts.digest, tuple(_absolute(i, package) for i in facts.imports))


def _parse(source: bytes, file: str) -> _ModuleFacts:
    import ast  # here, not at module level: most imports of zenml_airflow never hash code

    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError):
        return _ModuleFacts(hashlib.sha256(source).hexdigest(), ())
    imports: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            _drop_docstring(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                imports.extend(".".join(parts[: i + 1]) for i in range(len(parts)))
        elif isinstance(node, ast.ImportFrom):
            # Stored as "<level dots><module>"; a from-import may also name submodules.
            base = "." * node.level + (node.module or "")
            imports.append(base)
            for alias in node.names:
                if alias.name != "*":
                    imports.append(f"{base}.{alias.name}" if node.module else base + alias.name)
    digest = hashlib.sha256(ast.dump(tree, annotate_fields=False).encode("utf-8")).hexdigest()
    return _ModuleFacts(digest, tuple(dict.fromkeys(imports)))


def _drop_docstring(
    node: ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
) -> None:
    import ast

    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        node.body = body[1:] or [ast.Pass()]


def _absolute(name: str, package: str) -> str:
    level = len(name) - len(name.lstrip("."))
    if level == 0:
        return name
    base = package.split(".") if package else []
    if level > 1:
        base = base[: len(base) - (level - 1)]
    rest = name[level:]
    return ".".join([*base, rest] if rest else base)


def _file_digest(file: str) -> str:
    try:
        stat = os.stat(file)
    except OSError:
        return hashlib.sha256(f"missing:{file}".encode()).hexdigest()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _facts_cache.get(file)
    if cached is not None and cached[0] == stamp:
        return cached[1].digest
    with open(file, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    with _lock:
        _facts_cache[file] = (stamp, _ModuleFacts(digest, ()))
    return digest


def _fileless_parts(module: types.ModuleType) -> tuple[str, list[str]]:
    """Hash a module with no file (a REPL or notebook) from its live globals.

    Its functions and classes count by their source (or compiled code), simple constants by their
    value, and the modules it refers to are followed. Names starting with ``_`` (the REPL's
    history) are skipped.
    """
    from zenml_airflow.utils.source_utils import source_hash

    parts: list[tuple[str, str]] = []
    imported: list[str] = []
    for key, value in sorted(vars(module).items(), key=lambda item: item[0]):
        if key.startswith("_"):
            continue
        if isinstance(value, types.ModuleType):
            imported.append(value.__name__)
        elif isinstance(value, (types.FunctionType, type)):
            owner = getattr(value, "__module__", None)
            if owner == module.__name__:
                parts.append((key, source_hash(value)))
            elif isinstance(owner, str):
                imported.append(owner)
        elif isinstance(value, _CONSTANT_TYPES):
            parts.append((key, repr(value)))
    digest = hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()
    return digest, imported


def clear_caches() -> None:
    """Forget every cached module hash, import classification and library version."""
    with _lock:
        _facts_cache.clear()
        _dists_by_root.clear()
        _kind_cache.clear()
        _pinned.clear()
    _metadata_dirs.cache_clear()
