"""Lazy package attributes (PEP 562): public names imported from their module on first access."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, lazy: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose names in ``lazy`` (name -> module)
    are imported on first access and then kept in the package like any other attribute::

        __getattr__, __dir__ = lazy_exports(__name__, {"Heavy": "pkg.heavy"}, __all__)
    """
    namespace = sys.modules[package].__dict__
    listed = sorted(public)

    def __getattr__(name: str) -> Any:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return listed

    return __getattr__, __dir__
