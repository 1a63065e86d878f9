"""Fixtures of the compiler tests. The root conftest gives each test its own config dir and cwd."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from zenml_airflow.repository import Repository
from zenml_airflow.stack import Stack


@pytest.fixture
def restore_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Undo ``sys.path`` changes and forget the modules whose top-level names the test appends."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    created: list[str] = []
    yield created
    for name in [m for m in sys.modules if m.split(".")[0] in created]:
        del sys.modules[name]


@pytest.fixture
def stack() -> Stack:
    return Repository().active_stack
