"""The tiny project whose image the image tests build."""

from __future__ import annotations

import textwrap
from pathlib import Path

TINY_STEPS = textwrap.dedent(
    '''
    """A tiny pipeline whose image the tests build."""

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import step

    MARKER = "tiny-v1"


    @step
    def make_number() -> int:
        return 41


    @pipeline
    def tiny(make_number):
        make_number()


    p = tiny(make_number=make_number())
    '''
)


def write_project(directory: Path, marker: str = "tiny-v1") -> Path:
    """A source root holding the tiny pipeline's module, a cache and a virtualenv to skip."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tiny_steps.py").write_text(
        TINY_STEPS.replace('"tiny-v1"', repr(marker)), encoding="utf-8"
    )
    (directory / "__pycache__").mkdir(exist_ok=True)
    (directory / "__pycache__" / "tiny_steps.cpython-311.pyc").write_bytes(b"not copied")
    (directory / ".venv").mkdir(exist_ok=True)
    (directory / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    return directory
