"""``load_pipeline(SOURCE)``: ``file.py:name`` and ``package.module:name``, and its refusals."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from tests.compiler import fixture_steps
from tests.compiler.helpers import STEPS_MODULE, write_module
from zenml_airflow.compiler import load_pipeline
from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV
from zenml_airflow.exceptions import PipelineConfigurationError
from zenml_airflow.repository import Repository


def test_package_module_form_returns_the_named_instance() -> None:
    assert load_pipeline("tests.compiler.fixture_steps:training") is fixture_steps.training
    assert (
        load_pipeline("tests.compiler.fixture_steps:also_training") is fixture_steps.also_training
    )


def test_package_module_form_imports_from_the_working_directory(restore_imports: list[str]) -> None:
    write_module(Path.cwd() / "cwd_pkg" / "__init__.py", "")
    write_module(Path.cwd() / "cwd_pkg" / "pipes.py")
    restore_imports.append("cwd_pkg")
    pipeline_instance = load_pipeline("cwd_pkg.pipes:p")
    assert pipeline_instance.name == "tiny"
    assert list(pipeline_instance.steps) == ["one", "plus"]


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_file_form_returns_the_named_instance(
    tmp_path: Path, restore_imports: list[str], relative: bool
) -> None:
    path = write_module(Path.cwd() / "pipelines" / "file_form_pipes.py")
    restore_imports.append("file_form_pipes")
    source = "pipelines/file_form_pipes.py:p" if relative else f"{path}:p"
    pipeline_instance = load_pipeline(source)
    assert pipeline_instance.name == "tiny"
    assert type(pipeline_instance).__module__ == "file_form_pipes"


@pytest.mark.parametrize("source", [":p", "tests.compiler.fixture_steps:", ""])
def test_bad_source_format_is_refused(source: str) -> None:
    with pytest.raises(
        PipelineConfigurationError,
        match=r"must be 'path/to/file\.py\[:name\]' or 'package\.module\[:name\]', naming a pipeline "
        r"instance or a module that runs one",
    ):
        load_pipeline(source)


SEED_SCRIPT = STEPS_MODULE.replace(
    "p = tiny(one=one(), plus=plus())",
    """
from zenml_airflow.pipelines import Schedule
from datetime import datetime

# The seed's scripts run an unnamed instance, often on a schedule.
tiny(one=one(), plus=plus()).run(
    schedule=Schedule(start_time=datetime(2026, 1, 1), interval_second=3600)
)
""",
)


def test_a_file_alone_names_the_pipeline_its_run_call_runs_with_that_schedule(
    restore_imports: list[str],
) -> None:
    from zenml_airflow.compiler.source import load_source

    path = write_module(Path.cwd() / "seed_script.py", SEED_SCRIPT)
    restore_imports.append("seed_script")
    loaded = load_source(str(path))
    assert loaded.pipeline.name == "tiny" and list(loaded.pipeline.steps) == ["one", "plus"]
    assert loaded.schedule is not None and loaded.schedule.interval_second == timedelta(hours=1)
    assert PREVENT_EXECUTION_ENV not in os.environ
    assert Repository().get_pipeline("tiny") is None  # loading ran nothing


def test_a_file_alone_without_a_run_call_gives_its_only_pipeline_instance(
    restore_imports: list[str],
) -> None:
    path = write_module(Path.cwd() / "one_instance.py")
    restore_imports.append("one_instance")
    assert load_pipeline(str(path)).name == "tiny"


def test_a_file_alone_is_refused_when_it_names_no_single_pipeline(
    restore_imports: list[str],
) -> None:
    two = STEPS_MODULE + "\nq = tiny(one=one(), plus=plus())\n"
    path = write_module(Path.cwd() / "two_instances.py", two)
    restore_imports.append("two_instances")
    with pytest.raises(
        PipelineConfigurationError,
        match=r"holds 2 pipeline instances \(\['p', 'q'\]\); name one, e\.g\. .*:p'",
    ):
        load_pipeline(str(path))
    runs_two = STEPS_MODULE + "\np.run()\ntiny(one=one(), plus=plus()).run()\n"
    path = write_module(Path.cwd() / "runs_two.py", runs_two)
    restore_imports.append("runs_two")
    with pytest.raises(
        PipelineConfigurationError, match=r"runs 2 pipelines \(\['tiny', 'tiny'\]\); name"
    ):
        load_pipeline(str(path))
    path = write_module(Path.cwd() / "no_pipeline.py", "x = 1\n")
    restore_imports.append("no_pipeline")
    with pytest.raises(
        PipelineConfigurationError, match=r"neither runs a pipeline nor holds a pipeline instance"
    ):
        load_pipeline(str(path))


def test_missing_file_is_refused() -> None:
    with pytest.raises(
        PipelineConfigurationError, match=r"'nowhere/pipes\.py:p': no such file .*pipes\.py"
    ):
        load_pipeline("nowhere/pipes.py:p")


def test_missing_module_is_refused() -> None:
    with pytest.raises(
        PipelineConfigurationError, match="cannot import module 'no_such_pkg.pipes'"
    ):
        load_pipeline("no_such_pkg.pipes:p")


def test_file_that_fails_to_import_is_refused(restore_imports: list[str]) -> None:
    write_module(Path.cwd() / "broken_pipes.py", "x = 1 / 0\n")
    restore_imports.append("broken_pipes")
    with pytest.raises(
        PipelineConfigurationError, match=r"broken_pipes\.py failed: ZeroDivisionError"
    ):
        load_pipeline("broken_pipes.py:p")


def test_missing_attribute_suggests_a_name_and_lists_pipeline_instances() -> None:
    with pytest.raises(
        PipelineConfigurationError,
        match=r"tests\.compiler\.fixture_steps has no attribute 'trainnig'\. Did you mean 'training'\? "
        r"Pipeline instances there: \['training', 'also_training'\]\.",
    ):
        load_pipeline("tests.compiler.fixture_steps:trainnig")


def test_pipeline_class_instead_of_instance_is_refused() -> None:
    with pytest.raises(
        PipelineConfigurationError,
        match=r"'training_pipeline' in tests\.compiler\.fixture_steps is a pipeline class; SOURCE must "
        r"name an instance",
    ):
        load_pipeline("tests.compiler.fixture_steps:training_pipeline")


@pytest.mark.parametrize(
    ("name", "kind"), [("NOT_A_PIPELINE", "int"), ("build", "function"), ("trainer", "type")]
)
def test_attribute_that_is_not_a_pipeline_is_refused(name: str, kind: str) -> None:
    with pytest.raises(
        PipelineConfigurationError, match=rf"'{name}' in .* is a {kind}, not a pipeline instance"
    ):
        load_pipeline(f"tests.compiler.fixture_steps:{name}")


SELF_RUNNING = STEPS_MODULE.replace(
    "p = tiny(one=one(), plus=plus())",
    """
import os
from datetime import timedelta
from pathlib import Path


@step
def touch() -> int:
    Path(os.environ["ZENML_TEST_MARKER"]).write_text("ran")
    return 1


@pipeline
def self_running(touch):
    touch()


p = self_running(touch=touch())
p.run()
""",
)


def test_module_level_run_does_not_run_the_pipeline_while_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_imports: list[str]
) -> None:
    marker = tmp_path / "ran.marker"
    monkeypatch.setenv("ZENML_TEST_MARKER", str(marker))
    path = write_module(tmp_path / "self_running_pipes.py", SELF_RUNNING)
    restore_imports.append("self_running_pipes")

    pipeline_instance = load_pipeline(f"{path}:p")

    assert not marker.exists()
    assert Repository().get_pipeline("self_running") is None
    assert PREVENT_EXECUTION_ENV not in os.environ  # restored after loading
    # The same call outside load_pipeline does run: the checks above are not vacuous.
    pipeline_instance.run()
    assert marker.read_text() == "ran"
    assert len(Repository().get_pipeline("self_running").runs) == 1  # type: ignore[union-attr]


# --- pipeline_from_config: the seed's `zenml pipeline run FILE -c CONFIG` --------------------------


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return str(path)


def test_a_config_builds_the_pipeline_with_its_parameters(
    tmp_path: Path, restore_imports: list[str]
) -> None:
    from zenml_airflow.compiler.source import pipeline_from_config

    path = write_module(tmp_path / "cfg_pipes.py")
    restore_imports.append("cfg_pipes")
    config = _config(
        tmp_path, "name: tiny\nsteps:\n  one: {source: one}\n  plus: {source: {name: plus}}\n"
    )
    built = pipeline_from_config(str(path), config)
    assert built.name == "tiny" and list(built.steps) == ["one", "plus"]
    assert Repository().get_pipeline("tiny") is None  # building runs nothing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: {}\n", r"must be a mapping with 'name' \(the pipeline in .*\) and 'steps'"),
        ("name: tiny\nsteps: {}\n", r"'steps' must map each step of the pipeline to its source"),
        ("name: tinny\nsteps: {one: {source: one}}\n", r"has no 'tinny'\. Did you mean 'tiny'\?"),
        (
            "name: p\nsteps: {one: {source: one}}\n",
            r"name 'p' in .* is a pipeline instance; name the pipeline itself",
        ),
        (
            "name: tiny\nsteps: {one: {source: pluss}, plus: {source: plus}}\n",
            r"has no 'pluss'\. Did you mean 'plus'\?",
        ),
        (
            "name: tiny\nsteps: {one: {source: tiny}, plus: {source: plus}}\n",
            r"steps\.one\.source: .* is not a step",
        ),
        (
            "name: tiny\nsteps: {one: {source: [1]}, plus: {source: plus}}\n",
            r"a source is a name \('my_step'\) or a mapping",
        ),
        (
            "name: tiny\nsteps: {one: {parameters: {}}, plus: {source: plus}}\n",
            r"steps\.one must be a mapping with a 'source'",
        ),
    ],
)
def test_a_bad_config_is_refused_with_what_to_fix(
    tmp_path: Path, restore_imports: list[str], text: str, message: str
) -> None:
    from zenml_airflow.compiler.source import pipeline_from_config

    path = write_module(tmp_path / "cfg_bad_pipes.py")
    restore_imports.append("cfg_bad_pipes")
    with pytest.raises(PipelineConfigurationError, match=message):
        pipeline_from_config(str(path), _config(tmp_path, text))


def test_with_config_checks_a_source_and_wants_import_paths_for_materializers(
    tmp_path: Path,
) -> None:
    from tests.compiler.fixture_steps import build

    p = build()
    step_name = next(iter(p.steps))
    ok = _config(tmp_path, f"steps:\n  {step_name}: {{source: anything}}\n")
    assert p.with_config(ok) is p  # a source is checked, and ignored: the step is given
    bare = _config(tmp_path, f"steps:\n  {step_name}: {{materializers: MyMaterializer}}\n")
    with pytest.raises(
        PipelineConfigurationError,
        match=r"give the class as 'package\.module:ClassName' \(a bare name like 'MyMaterializer' is "
        r"resolved only by `zenml-airflow pipeline run FILE -c CONFIG`\)",
    ):
        build().with_config(bare)
