"""The compiled DAG file: name, determinism, atomic writes, readability, round trip, stack snapshot,
and the import paths (``source_roots``) a worker needs. No Airflow process is involved."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tests
from tests.compiler import fixture_steps
from tests.compiler.helpers import STEPS_MODULE, write_module
from zenml_airflow.compiler import compile_pipeline, load_pipeline, spec_from_dag_file
from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.config import ProfileManager
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.core.spec_format import spec_checksum
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import PipelineConfigurationError
from zenml_airflow.stack import LocalArtifactStoreComponent, Stack, register_component

SOURCE = "tests.compiler.fixture_steps:training"
REPO_ROOT = Path(tests.__file__).resolve().parents[1]


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- file name and determinism ------------------------------------------------------------------


def test_compiling_the_same_pipeline_twice_gives_byte_identical_files(tmp_path: Path) -> None:
    first = compile_pipeline(fixture_steps.build(), tmp_path / "a", source=SOURCE)
    second = compile_pipeline(fixture_steps.build(), tmp_path / "b", source=SOURCE)
    assert first.read_bytes() == second.read_bytes()


def test_compiling_in_another_interpreter_gives_byte_identical_files(tmp_path: Path) -> None:
    """Nothing depends on hash randomization, object ids or the process: a fresh interpreter with
    another hash seed writes the same bytes."""
    here = compile_pipeline(fixture_steps.build(), tmp_path / "here", source=SOURCE)
    code = (
        "import sys\n"
        "from tests.compiler import fixture_steps\n"
        "from zenml_airflow.compiler import compile_pipeline\n"
        f"compile_pipeline(fixture_steps.build(), sys.argv[1], source={SOURCE!r})\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "there")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "there" / here.name).read_bytes() == here.read_bytes()


def test_file_is_named_after_the_pipeline(tmp_path: Path) -> None:
    path = compile_pipeline(fixture_steps.build(), tmp_path / "dags")
    assert path == (tmp_path / "dags").resolve() / "training_pipeline.py"
    assert spec_from_dag_file(path)["dag_id"] == "training_pipeline"


def test_dag_id_names_the_file_and_the_dag(tmp_path: Path) -> None:
    path = compile_pipeline(fixture_steps.build(), tmp_path / "dags", dag_id="nightly-training.v2")
    assert path == (tmp_path / "dags").resolve() / "nightly-training.v2.py"
    assert _files(tmp_path / "dags") == ["nightly-training.v2.py"]
    assert spec_from_dag_file(path)["dag_id"] == "nightly-training.v2"


@pytest.mark.parametrize("dag_id", ["has space", "../escape", "a/b", "x" * 251, "tränen"])
def test_invalid_dag_id_is_refused_and_nothing_is_written(tmp_path: Path, dag_id: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(
        PipelineConfigurationError,
        match=r"is not valid for Airflow: use letters, digits, '_', '-' and '\.' only",
    ):
        compile_pipeline(fixture_steps.build(), out, dag_id=dag_id)
    assert not out.exists()


def test_empty_dag_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PipelineConfigurationError, match="is not valid for Airflow"):
        compile_pipeline(fixture_steps.build(), tmp_path / "dags", dag_id="")


# --- atomic writes ------------------------------------------------------------------------------


def test_no_temporary_file_is_left_in_the_output_dir(tmp_path: Path) -> None:
    compile_pipeline(fixture_steps.build(), tmp_path / "dags")
    compile_pipeline(
        fixture_steps.build(epochs=7), tmp_path / "dags"
    )  # overwrite through the same path
    assert _files(tmp_path / "dags") == ["training_pipeline.py"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = compile_pipeline(fixture_steps.build(epochs=3), tmp_path / "dags")
    previous = path.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="disk on fire"):
        compile_pipeline(fixture_steps.build(epochs=5), tmp_path / "dags")
    monkeypatch.undo()

    assert path.read_bytes() == previous
    assert _files(tmp_path / "dags") == ["training_pipeline.py"]
    # The failed compile would have changed the file: the check above is not vacuous.
    compile_pipeline(fixture_steps.build(epochs=5), tmp_path / "dags")
    assert path.read_bytes() != previous


# --- a short, readable file -----------------------------------------------------------------------


def _spec_assignment(tree: ast.Module) -> ast.Assign:
    [node] = [
        n
        for n in tree.body
        if isinstance(n, ast.Assign)
        and [t.id for t in n.targets if isinstance(t, ast.Name)] == ["SPEC"]
    ]
    return node


def test_header_says_generated_from_what_source_and_how_to_recompile(tmp_path: Path) -> None:
    text = compile_pipeline(fixture_steps.build(), tmp_path / "dags", source=SOURCE).read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]
    joined = "\n".join(header)
    assert text.startswith("# ")
    assert "Generated by zenml-airflow" in joined
    assert f"from {SOURCE}" in joined
    assert "do not edit" in joined
    assert f"zenml-airflow pipeline compile {SOURCE}" in joined


def test_header_gives_no_cli_recompile_command_when_compiled_from_python(tmp_path: Path) -> None:
    text = compile_pipeline(fixture_steps.build(), tmp_path / "dags").read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert not any("zenml-airflow pipeline compile" in line for line in header), header
    assert any("compile_pipeline() from Python" in line for line in header)


def test_file_contains_what_airflow_safe_mode_looks_for(tmp_path: Path) -> None:
    content = compile_pipeline(fixture_steps.build(), tmp_path / "dags").read_bytes().lower()
    assert b"airflow" in content
    assert b"dag" in content


def test_file_is_one_import_the_spec_literal_and_one_build_dag_call(tmp_path: Path) -> None:
    text = compile_pipeline(fixture_steps.build(), tmp_path / "dags", source=SOURCE).read_text()
    tree = ast.parse(text)

    imports, spec, dag = tree.body
    assert isinstance(imports, ast.ImportFrom)
    assert (imports.module, [a.name for a in imports.names]) == (
        "zenml_airflow.runtime",
        ["build_dag"],
    )
    assert spec is _spec_assignment(tree)
    data = ast.literal_eval(spec.value)  # a plain literal: no code runs to build it
    # The seal is the SHA-256 of the compiled spec's canonical JSON, and so of the literal (ADR 0013).
    seal = "sha256:" + hashlib.sha256(PipelineSpec.from_dict(data).to_json().encode()).hexdigest()
    assert spec_checksum(data) == seal
    assert ast.unparse(dag) == f"dag = build_dag(SPEC, checksum='{seal}')"
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert [ast.unparse(c) for c in calls] == [f"build_dag(SPEC, checksum='{seal}')"]

    # Besides the pretty-printed literal, the file is a handful of lines.
    literal_lines = spec.end_lineno - spec.lineno + 1  # type: ignore[operator]
    assert len(text.splitlines()) - literal_lines <= 12


# --- lossless round trip ------------------------------------------------------------------------


def test_spec_from_dag_file_round_trips_the_built_spec(tmp_path: Path, stack: Stack) -> None:
    spec, _ = build_spec(fixture_steps.build(), stack=stack, source=SOURCE)
    path = compile_pipeline(fixture_steps.build(), tmp_path / "dags", source=SOURCE)

    data = spec_from_dag_file(path)
    assert data == spec.model_dump(mode="json")
    assert PipelineSpec.from_dict(data) == spec


def test_spec_from_a_file_without_spec_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other_dag.py"
    other.write_text("from airflow.sdk import DAG\ndag = DAG('x')\n")
    with pytest.raises(PipelineConfigurationError, match="is not a zenml-airflow DAG file"):
        spec_from_dag_file(other)


# --- stack snapshot -----------------------------------------------------------------------------


def test_spec_snapshots_the_active_stacks_stores_but_not_its_orchestrator(
    tmp_path: Path, stack: Stack
) -> None:
    snapshot = spec_from_dag_file(compile_pipeline(fixture_steps.build(), tmp_path / "dags"))[
        "stack"
    ]

    assert StackComponentType.ORCHESTRATOR in stack.components
    assert snapshot["name"] == stack.name
    assert sorted(snapshot["components"]) == ["artifact_store", "metadata_store"]
    for kind, component in (
        ("artifact_store", stack.artifact_store),
        ("metadata_store", stack.metadata_store),
    ):
        assert snapshot["components"][kind] == {
            "name": component.name,
            "flavor": component.flavor,
            "config": component.config,
        }


def test_spec_snapshots_whichever_stack_is_active(
    tmp_path: Path, isolated_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = ProfileManager(isolated_config).ensure_default()
    archive = tmp_path / "archive"
    register_component(profile, LocalArtifactStoreComponent(name="archive", path=str(archive)))
    profile.register_stack(
        "archival", {**profile.get_stack("default"), StackComponentType.ARTIFACT_STORE: "archive"}
    )
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", "archival")

    snapshot = spec_from_dag_file(compile_pipeline(fixture_steps.build(), tmp_path / "out"))[
        "stack"
    ]
    assert snapshot["name"] == "archival"
    assert snapshot["components"]["artifact_store"] == {
        "name": "archive",
        "flavor": "local",
        "config": {"path": str(archive)},
    }


# --- import paths a worker can use ---------------------------------------------------------------


SCRIPT = (
    STEPS_MODULE.replace("p = tiny(one=one(), plus=plus())", "")
    + """

import json
import os
import sys

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.compiler import compile_pipeline, spec_from_dag_file
from zenml_airflow.materializers.base_materializer import BaseMaterializer


class Blob:
    def __init__(self, text):
        self.text = text


class BlobMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Blob,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

    def handle_input(self, data_type):
        super().handle_input(data_type)
        with open(os.path.join(self.artifact.uri, "blob.txt")) as f:
            return Blob(f.read())

    def handle_return(self, data):
        super().handle_return(data)
        with open(os.path.join(self.artifact.uri, "blob.txt"), "w") as f:
            f.write(data.text)


@step
def make_blob() -> Blob:
    return Blob("hi")


@pipeline
def blobs(make_blob, plus, one):
    make_blob()
    plus(x=one())


path = compile_pipeline(blobs(make_blob=make_blob(), plus=plus(), one=one()), sys.argv[1])
print(json.dumps(spec_from_dag_file(path)))
"""
)


def test_steps_of_a_script_are_addressed_by_the_script_stem_from_its_directory(
    tmp_path: Path,
) -> None:
    script = write_module(tmp_path / "scripts" / "train_script.py", SCRIPT)
    # Run from another directory, so the root comes from the script's location, not the cwd.
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "dags")],
        capture_output=True,
        text=True,
        cwd=Path.cwd(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    spec = json.loads(result.stdout.strip().splitlines()[-1])

    steps = {s["name"]: s for s in spec["steps"]}
    assert {name: s["entrypoint"] for name, s in steps.items()} == {
        "make_blob": "train_script:make_blob",
        "one": "train_script:one",
        "plus": "train_script:plus",
    }
    assert (
        steps["make_blob"]["outputs"]["output"]["materializer"] == "train_script:BlobMaterializer"
    )
    assert spec["source_roots"] == [str(script.parent.resolve())]


@pytest.mark.parametrize(
    "module_name", ["roots_flat_mod", "roots_pkg.sub.steps"], ids=["module", "package-module"]
)
def test_steps_of_an_importable_module_add_its_sys_path_root_and_zenml_airflow_adds_none(
    tmp_path: Path, restore_imports: list[str], module_name: str
) -> None:
    root = tmp_path / "src"
    parts = module_name.split(".")
    for depth in range(1, len(parts)):
        write_module(root.joinpath(*parts[:depth], "__init__.py"), "")
    write_module(root.joinpath(*parts[:-1], parts[-1] + ".py"))
    sys.path.insert(0, str(root))
    restore_imports.append(parts[0])
    pipeline_instance = load_pipeline(f"{module_name}:p")

    spec = spec_from_dag_file(compile_pipeline(pipeline_instance, tmp_path / "dags"))
    assert [s["entrypoint"] for s in spec["steps"]] == [f"{module_name}:one", f"{module_name}:plus"]
    materializers = {o["materializer"] for s in spec["steps"] for o in s["outputs"].values()}
    assert materializers == {
        "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer"
    }
    assert spec["source_roots"] == [str(root.resolve())]


def test_an_importable_repository_module_adds_its_repository_root(tmp_path: Path) -> None:
    spec = spec_from_dag_file(compile_pipeline(fixture_steps.build(), tmp_path / "dags"))
    assert {s["entrypoint"].split(":")[0] for s in spec["steps"]} == {
        "tests.compiler.fixture_steps"
    }
    assert spec["source_roots"] == [str(REPO_ROOT)]


# --- the recompile hint ------------------------------------------------------------------------

SCHEDULED_SCRIPT = STEPS_MODULE.replace(
    "p = tiny(one=one(), plus=plus())",
    """
from datetime import datetime, timezone
from zenml_airflow.pipelines import Schedule

tiny(one=one(), plus=plus()).run(
    schedule=Schedule(start_time=datetime(2026, 1, 1, tzinfo=timezone.utc), interval_second=7200)
)
""",
)


@pytest.mark.parametrize("verb", ["compile", "deploy"])
def test_the_header_hint_is_a_command_the_cli_accepts_and_it_rebuilds_the_same_spec(
    tmp_path: Path, restore_imports: list[str], verb: str
) -> None:
    """`p.run()` deploys with the caller's file as SOURCE (no ':name'); the command in the header
    must parse, and (for compile) write the same spec again - schedule included."""
    import shlex

    from click.testing import CliRunner

    from zenml_airflow.cli.main import cli
    from zenml_airflow.compiler.compile import recompile_command, render_dag_file
    from zenml_airflow.compiler.source import load_source
    from zenml_airflow.repository import Repository

    script = write_module(tmp_path / "seed_scheduled.py", SCHEDULED_SCRIPT)
    restore_imports.append("seed_scheduled")
    loaded = load_source(str(script))
    spec, _ = build_spec(
        loaded.pipeline,
        stack=Repository().active_stack,
        schedule=loaded.schedule,
        dag_id="nightly_tiny",
        source=str(script),
    )
    hint = recompile_command(spec, verb)
    assert f"#     {hint}" in render_dag_file(spec, recompile=verb)
    words = shlex.split(hint)
    assert words[:3] == ["zenml-airflow", "pipeline", verb]
    assert words[3:6] == [str(script), "--dag-id", "nightly_tiny"]
    assert "--interval-seconds" in words and "--start-time" in words
    if verb == "deploy":
        command = cli.get_command(click_context(), "pipeline").get_command(
            click_context(), "deploy"
        )  # type: ignore[union-attr]
        command.make_context("deploy", words[3:])  # parses: no usage error
        return
    result = CliRunner().invoke(cli, [*words[1:], "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rebuilt = spec_from_dag_file(tmp_path / "out" / "nightly_tiny.py")
    assert rebuilt == spec.model_dump(mode="json")


def click_context() -> object:
    import click

    from zenml_airflow.cli.main import cli

    return click.Context(cli)
