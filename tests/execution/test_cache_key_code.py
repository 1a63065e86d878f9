"""The cache key follows the user's code (ADR 0015): real local pipeline runs, each in a fresh
interpreter, with the project's modules edited between runs.

A change to any user code a step can reach - its module's helpers and constants, functions it
imports from other user modules and what those import, the materializers that write and read its
artifacts and their base classes - re-runs the step; a library counts by its installed version; a
comment or docstring edit keeps the cache; unchanged code hits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HELPERS = """
from deep import offset

def helper(x: int) -> int:
    return x * 10 + offset()
"""

DEEP = """
def offset() -> int:
    return 1
"""

STEPS_A = '''
from zenml_airflow.steps import step

from helpers import helper


@step
def produce() -> int:
    """Uses a function imported from another user module."""
    return helper(3)
'''

STEPS_B = """
from zenml_airflow.steps import step

FACTOR = 2


def local_helper(value: int) -> int:
    return value + 1


@step
def scale(value: int) -> int:
    return local_helper(value) * FACTOR
"""

BASE_MAT = """
import json
import os


class JsonBase:
    # A user-defined base class of the materializer (a mixin: it handles no type itself).

    artifact: object

    def decode(self, text: str) -> int:
        return json.loads(text)

    def path(self) -> str:
        return os.path.join(self.artifact.uri, "box.json")
"""

MATS = """
import json

from base_mat import JsonBase
from zenml_airflow.materializers.base_materializer import BaseMaterializer


class Box:
    def __init__(self, value: int) -> None:
        self.value = value


class BoxMaterializer(JsonBase, BaseMaterializer):
    ASSOCIATED_TYPES = (Box,)

    def handle_input(self, data_type: type) -> Box:
        super().handle_input(data_type)
        with open(self.path()) as handle:
            return Box(self.decode(handle.read()))

    def handle_return(self, box: Box) -> None:
        super().handle_return(box)
        with open(self.path(), "w") as handle:
            handle.write(json.dumps(box.value))
"""

STEPS_C = """
from zenml_airflow.steps import step

from mats import Box


@step
def boxed() -> Box:
    return Box(5)


@step
def unbox(box: Box) -> int:
    return box.value
"""

STEPS_D = """
from zenml_airflow.steps import step

import fakelib


@step
def from_library() -> int:
    return fakelib.value()
"""

PIPE = """
from zenml_airflow.pipelines import pipeline

from mats import BoxMaterializer
from steps_a import produce
from steps_b import scale
from steps_c import boxed, unbox
from steps_d import from_library


@pipeline(enable_cache=True)
def code_pipeline(produce, scale, boxed, unbox, from_library):
    scale(value=produce())
    unbox(box=boxed())
    from_library()


def build():
    return code_pipeline(
        produce=produce(),
        scale=scale(),
        boxed=boxed().with_return_materializers(BoxMaterializer),
        unbox=unbox(),
        from_library=from_library(),
    )
"""

DRIVER = """
import json
import sys

from pipe import build

run = build().run(run_name=sys.argv[1])
report = {}
for step in run.steps:
    outputs = {name: artifact.read() for name, artifact in step.outputs.items()}
    value = outputs.get("output")
    report[step.name] = [step.status.value, value if isinstance(value, int) else None]
print("REPORT " + json.dumps(report))
"""

FAKELIB = """
def value() -> int:
    return 7
"""

ALL_STEPS = {"produce", "scale", "boxed", "unbox", "from_library"}


class Project:
    """A user project on disk, run with the local orchestrator in a fresh interpreter each time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.code = root / "code"
        self.libs = root / "libs"
        self.code.mkdir(parents=True)
        self.libs.mkdir()
        self.runs = 0
        for name, text in {
            "helpers": HELPERS,
            "deep": DEEP,
            "steps_a": STEPS_A,
            "steps_b": STEPS_B,
            "base_mat": BASE_MAT,
            "mats": MATS,
            "steps_c": STEPS_C,
            "steps_d": STEPS_D,
            "pipe": PIPE,
            "driver": DRIVER,
        }.items():
            self.write(name, text)
        self.install_fakelib("1.0", FAKELIB)

    def write(self, module: str, text: str) -> None:
        path = self.code / f"{module}.py"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")

    def edit(self, module: str, old: str, new: str) -> None:
        path = self.code / f"{module}.py"
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {module}.py"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def install_fakelib(self, version: str, source: str) -> None:
        """A real installed distribution on the path: its package and a dist-info with its version
        (what ``pip install fakelib==<version>`` leaves in a site-packages directory)."""
        for old in self.libs.glob("fakelib-*.dist-info"):
            shutil.rmtree(old)
        package = self.libs / "fakelib"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
        meta = self.libs / f"fakelib-{version}.dist-info"
        meta.mkdir()
        (meta / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fakelib\nVersion: {version}\n\n", encoding="utf-8"
        )
        (meta / "top_level.txt").write_text("fakelib\n", encoding="utf-8")
        (meta / "RECORD").write_text("fakelib/__init__.py,,\n", encoding="utf-8")

    def run(self) -> dict[str, tuple[str, int | None]]:
        self.runs += 1
        env = {**os.environ, "PYTHONPATH": str(self.libs)}
        result = subprocess.run(
            [sys.executable, str(self.code / "driver.py"), f"run-{self.runs}"],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"run failed:\n{result.stdout}\n{result.stderr}"
        line = next(text for text in result.stdout.splitlines() if text.startswith("REPORT "))
        return {name: (status, value) for name, (status, value) in json.loads(line[7:]).items()}


def statuses(report: dict[str, tuple[str, int | None]]) -> dict[str, str]:
    return {name: status for name, (status, _) in report.items()}


def rerun(report: dict[str, tuple[str, int | None]]) -> set[str]:
    return {name for name, (status, _) in report.items() if status == "completed"}


@pytest.fixture(scope="module")
def first_values() -> dict[str, int | None]:
    return {"produce": 31, "scale": 64, "boxed": None, "unbox": 5, "from_library": 7}


@pytest.fixture
def project(tmp_path: Path, first_values: dict[str, int | None]) -> Project:
    proj = Project(tmp_path / "project")
    first = proj.run()
    assert statuses(first) == dict.fromkeys(ALL_STEPS, "completed")
    assert {name: value for name, (_, value) in first.items()} == first_values
    return proj


def test_unchanged_code_hits_every_step(project: Project) -> None:
    assert statuses(project.run()) == dict.fromkeys(ALL_STEPS, "cached")


def test_a_changed_module_level_helper_reruns_its_step(project: Project) -> None:
    project.edit("steps_b", "return value + 1", "return value + 2")
    report = project.run()
    assert rerun(report) == {"scale"}
    assert report["scale"][1] == (31 + 2) * 2


def test_a_changed_global_constant_reruns_its_step(project: Project) -> None:
    project.edit("steps_b", "FACTOR = 2", "FACTOR = 3")
    report = project.run()
    assert rerun(report) == {"scale"}
    assert report["scale"][1] == (31 + 1) * 3


def test_a_changed_function_imported_from_another_user_module_reruns(project: Project) -> None:
    project.edit("helpers", "x * 10", "x * 100")
    report = project.run()
    assert rerun(report) == {"produce", "scale"}  # scale: its input changed
    assert report["produce"][1] == 301 and report["scale"][1] == 302 * 2


def test_a_changed_transitively_imported_user_module_reruns(project: Project) -> None:
    project.edit("deep", "return 1", "return 4")
    report = project.run()
    assert "produce" in rerun(report)
    assert report["produce"][1] == 34


def test_a_changed_materializer_handle_input_reruns_the_reader(project: Project) -> None:
    # The writer re-runs (its materializer changed) and writes equal bytes, so the reader's input
    # content hash is unchanged: only the reader's materializer in its key re-runs it.
    project.edit(
        "mats",
        "return Box(self.decode(handle.read()))",
        "return Box(self.decode(handle.read()) + 100)",
    )
    report = project.run()
    assert rerun(report) == {"boxed", "unbox"}
    assert report["unbox"][1] == 105


def test_a_changed_materializer_base_class_reruns_writer_and_reader(project: Project) -> None:
    project.edit("base_mat", "return json.loads(text)", "return json.loads(text) * 2")
    report = project.run()
    assert rerun(report) == {"boxed", "unbox"}
    assert report["unbox"][1] == 10


def test_a_library_counts_by_its_installed_version(project: Project) -> None:
    # Library code is keyed by version, not source: an in-place edit of an installed package
    # (which pip never does) keeps the cache ...
    project.install_fakelib("1.0", FAKELIB.replace("7", "8"))
    assert rerun(project.run()) == set()
    # ... and installing another version re-runs the steps that import it.
    project.install_fakelib("2.0", FAKELIB.replace("7", "9"))
    report = project.run()
    assert rerun(report) == {"from_library"}
    assert report["from_library"][1] == 9


def test_comments_docstrings_and_formatting_keep_the_cache(project: Project) -> None:
    project.edit(
        "helpers",
        "def helper(x: int) -> int:\n",
        "def helper(x: int) -> int:\n    '''Ten times, plus the offset.'''\n    # why: demo\n",
    )
    project.edit("steps_a", "Uses a function imported from another user module.", "Reworded.")
    project.edit("steps_b", "FACTOR = 2", "FACTOR   =   2  # the scale")
    assert statuses(project.run()) == dict.fromkeys(ALL_STEPS, "cached")
