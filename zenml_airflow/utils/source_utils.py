"""Finding, hashing and importing Python objects by their ``module:qualname`` path."""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import sys
import textwrap
from typing import Any

from zenml_airflow.exceptions import ZenMLAirflowError


def object_path(obj: Any) -> str:
    """``module:qualname`` of a class or function, importable from another process."""
    return f"{obj.__module__}:{obj.__qualname__}"


def type_path(tp: Any) -> str:
    """A readable, stable name for a type: ``int``, ``numpy.ndarray``, ``my.module.Thing``."""
    if isinstance(tp, type):
        if tp.__module__ == "builtins":
            return tp.__qualname__
        return f"{tp.__module__}.{tp.__qualname__}"
    return repr(tp)


def import_object(path: str, error: type[ZenMLAirflowError] = ZenMLAirflowError) -> Any:
    """Import ``module:qualname`` (or ``module.qualname``) and return the object.

    ``error`` is the class of the error raised, so that each caller's own error type (e.g.
    ``StackError`` for a flavor's implementation) comes out of this one implementation.

    Raises:
        ZenMLAirflowError: (or ``error``) naming the path and why it could not be imported.
    """
    if ":" in path:
        module_name, _, qualname = path.partition(":")
    else:
        module_name, _, qualname = path.rpartition(".")
    if not module_name or not qualname:
        raise error(f"Invalid import path {path!r}: expected 'package.module:Name'.")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as cause:
        raise error(
            f"Cannot import {module_name!r} (needed for {path!r}): {cause}. Is the package that "
            "provides it installed, and on PYTHONPATH in the process that needs it?"
        ) from cause
    try:
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise error(f"Module {module_name!r} has no attribute {qualname!r}.") from None
    return obj


@functools.lru_cache(maxsize=4096)
def _hash_source_of(obj: Any) -> str:
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        # No source available (e.g. defined in a REPL): fall back to the compiled code, which
        # still changes whenever the function body changes.
        code = getattr(obj, "__code__", None)
        if code is None:
            return hashlib.sha256(object_path(obj).encode()).hexdigest()
        payload = code.co_code + repr(code.co_consts).encode() + repr(code.co_names).encode()
        return hashlib.sha256(payload).hexdigest()
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def source_hash(obj: Any) -> str:
    """sha256 of an object's source code, the seed's notion of a step or materializer version."""
    return _hash_source_of(obj)


def is_main_module(module_name: str) -> bool:
    return (
        module_name == "__main__"
        or getattr(sys.modules.get(module_name), "__name__", "") == "__main__"
    )
