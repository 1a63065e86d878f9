"""Helpers of the compiler tests: throw-away step modules written to disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

STEPS_MODULE = """
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step


@step
def one() -> int:
    return 1


@step
def plus(x: int) -> int:
    return x + 1


@pipeline
def tiny(one, plus):
    plus(x=one())


p = tiny(one=one(), plus=plus())
"""


def write_module(path: Path, body: str = STEPS_MODULE) -> Path:
    """Write ``body`` (dedented) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path
