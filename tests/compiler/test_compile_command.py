"""``compile_command``: SOURCE, --dag-id, the schedule flags and --check (invoked with click's runner;
the command is not attached to the CLI group yet, so errors are raised or go through a root group
built like the real one)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from tests.compiler.helpers import write_module
from zenml_airflow.cli.airflow_commands import check_dag_file, compile_command
from zenml_airflow.cli.main import ErrorBoundaryGroup
from zenml_airflow.compiler import compile as compile_module
from zenml_airflow.compiler import compile_pipeline, spec_from_dag_file
from zenml_airflow.compiler.schedule import to_schedule_spec
from zenml_airflow.core.schedule import Schedule
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.exceptions import PipelineConfigurationError

SOURCE = "tests.compiler.fixture_steps:training"
render_dag_file = compile_module.render_dag_file


def invoke(*args: str) -> Result:
    return CliRunner().invoke(compile_command, list(args), catch_exceptions=False)


def raise_from(*args: str) -> None:
    """Run the command so that its exceptions reach the test (for ``pytest.raises``)."""
    compile_command.main(list(args), standalone_mode=False)


def root_group() -> click.Group:
    """A root group with the real CLI's error boundary and the compile command attached."""

    @click.group(cls=ErrorBoundaryGroup)
    def root() -> None:
        pass

    root.add_command(compile_command)
    return root


def corrupted(spec: PipelineSpec) -> str:
    """A DAG file whose SPEC has a key the spec model does not know (Airflow cannot build it)."""
    text = render_dag_file(spec)
    bad = text.replace("'uses_context': False}", "'uses_context': False, 'bogus_key': 1}", 1)
    assert bad != text
    return bad


@pytest.fixture
def broken_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile_module, "render_dag_file", corrupted)


# --- SOURCE and --dag-id --------------------------------------------------------------------------


def test_compile_writes_the_dag_file_and_says_where(tmp_path: Path) -> None:
    result = invoke(SOURCE, "--output-dir", str(tmp_path / "dags"))
    path = (tmp_path / "dags" / "training_pipeline.py").resolve()
    assert result.exit_code == 0
    assert result.output == f"Wrote {path}\n"
    spec = spec_from_dag_file(path)
    assert (spec["source"], spec["schedule"]) == (SOURCE, None)


def test_dag_id_flag_names_the_file(tmp_path: Path) -> None:
    invoke(SOURCE, "-o", str(tmp_path), "--dag-id", "train_v2")
    assert spec_from_dag_file(tmp_path / "train_v2.py")["dag_id"] == "train_v2"


def test_file_source_addresses_steps_by_the_file_stem_from_its_directory(
    tmp_path: Path, restore_imports: list[str]
) -> None:
    path = write_module(tmp_path / "project" / "cli_file_pipes.py")
    restore_imports.append("cli_file_pipes")
    source = f"{path}:p"
    invoke(source, "-o", str(tmp_path / "dags"))
    text = (tmp_path / "dags" / "tiny.py").read_text()
    spec = spec_from_dag_file(tmp_path / "dags" / "tiny.py")
    assert f"zenml-airflow pipeline compile {source}" in text
    assert [s["entrypoint"] for s in spec["steps"]] == ["cli_file_pipes:one", "cli_file_pipes:plus"]
    assert spec["source_roots"] == [str(path.parent.resolve())]


# --- schedule flags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "schedule"),
    [
        (
            [
                "--cron",
                "0 3 * * 1-5",
                "--timezone",
                "Europe/Berlin",
                "--start-time",
                "2026-01-15T03:00:00",
                "--end-time",
                "2026-07-15T03:00",
                "--catchup",
            ],
            Schedule(
                cron_expression="0 3 * * 1-5",
                timezone="Europe/Berlin",
                start_time=datetime(2026, 1, 15, 3),
                end_time=datetime(2026, 7, 15, 3),
                catchup=True,
            ),
        ),
        (
            ["--cron", "@daily", "--no-catchup"],
            Schedule(cron_expression="@daily"),
        ),
        (
            ["--interval-seconds", "3600", "--start-time", "2026-01-01T00:00:00+00:00"],
            Schedule(interval_second=3600, start_time=datetime(2026, 1, 1, tzinfo=UTC)),
        ),
    ],
    ids=["cron", "preset", "interval"],
)
def test_schedule_flags_give_the_same_spec_as_a_schedule(
    tmp_path: Path, flags: list[str], schedule: Schedule
) -> None:
    invoke(SOURCE, "-o", str(tmp_path), *flags)
    compiled = spec_from_dag_file(tmp_path / "training_pipeline.py")["schedule"]
    assert compiled == to_schedule_spec(schedule).model_dump(mode="json")
    # ... and the same file as compiling from Python with that schedule.
    from tests.compiler import fixture_steps

    python = compile_pipeline(
        fixture_steps.build(), tmp_path / "py", schedule=schedule, source=SOURCE
    )
    assert python.read_bytes() == (tmp_path / "training_pipeline.py").read_bytes()


@pytest.mark.parametrize(
    "flags",
    [
        ["--start-time", "2026-01-01T00:00"],
        ["--end-time", "2026-01-01T00:00"],
        ["--catchup"],
        ["--timezone", "UTC"],
    ],
    ids=["start-time", "end-time", "catchup", "timezone"],
)
def test_schedule_detail_without_a_schedule_flag_is_refused(
    tmp_path: Path, flags: list[str]
) -> None:
    with pytest.raises(
        PipelineConfigurationError, match="need a schedule: add --cron or --interval-seconds"
    ):
        raise_from(SOURCE, "-o", str(tmp_path / "dags"), *flags)
    assert not (tmp_path / "dags").exists()


@pytest.mark.parametrize("flag", ["--start-time", "--end-time"])
def test_bad_iso_time_is_refused(tmp_path: Path, flag: str) -> None:
    with pytest.raises(
        PipelineConfigurationError, match=rf"{flag} 'next tuesday' is not an ISO 8601 time"
    ):
        raise_from(SOURCE, "-o", str(tmp_path), "--cron", "@daily", flag, "next tuesday")


def test_interval_without_start_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        PipelineConfigurationError,
        match="Invalid schedule: a Schedule needs either cron_expression",
    ):
        raise_from(SOURCE, "-o", str(tmp_path), "--interval-seconds", "60")


def test_invalid_cron_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        PipelineConfigurationError, match="'61 3 \\* \\* \\*' is not a valid cron expression"
    ):
        raise_from(SOURCE, "-o", str(tmp_path / "dags"), "--cron", "61 3 * * *")
    assert not (tmp_path / "dags").exists()


def test_errors_print_one_clean_line_through_the_root_group(tmp_path: Path) -> None:
    result = CliRunner().invoke(root_group(), ["compile", SOURCE, "-o", str(tmp_path), "--catchup"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: --start-time/--end-time/--catchup/--timezone need a schedule: add --cron or --interval-seconds."
    ]


# --- --check --------------------------------------------------------------------------------------


def test_check_reports_parse_time_for_a_good_pipeline(tmp_path: Path) -> None:
    result = invoke(SOURCE, "-o", str(tmp_path), "--check")
    assert result.exit_code == 0
    assert re.search(
        r"^Check passed: DAG 'training_pipeline' with 4 task\(s\) parsed in \d+ ms \(fresh interpreter, "
        r"\d+\.\d\ds with Airflow's own imports\)\.$",
        result.output,
        re.MULTILINE,
    ), result.output


def test_check_failure_exits_1_naming_the_import_error(tmp_path: Path, broken_render: None) -> None:
    result = CliRunner().invoke(root_group(), ["compile", SOURCE, "-o", str(tmp_path), "--check"])
    assert result.exit_code == 1
    assert result.stdout == f"Wrote {(tmp_path / 'training_pipeline.py').resolve()}\n"
    assert result.stderr.startswith(
        f"Error: {(tmp_path / 'training_pipeline.py').resolve()} does not import the way Airflow imports it: "
        "ZenMLAirflowError: This pipeline spec is invalid"
    )
    assert "bogus_key: Extra inputs are not permitted" in result.stderr


def _broken_dag_file(tmp_path: Path) -> Path:
    from tests.compiler import fixture_steps

    path = compile_pipeline(fixture_steps.build(), tmp_path)
    text = path.read_text()
    path.write_text(
        text.replace("'uses_context': False}", "'uses_context': False, 'bogus_key': 1}", 1)
    )
    return path


def test_check_dag_file_reports_an_invalid_spec_in_one_line(tmp_path: Path) -> None:
    report: dict[str, Any] = check_dag_file(_broken_dag_file(tmp_path))
    assert report["ok"] is False
    assert "bogus_key" in report["error"]
    assert "\n" not in report["error"]


def test_check_reports_an_environment_without_airflow(tmp_path: Path) -> None:
    """The base interpreter (outside the project's virtualenv) has neither Airflow nor zenml-airflow."""
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    probe = subprocess.run(
        [str(base_python), "-c", "import airflow"], capture_output=True, check=False
    )
    assert probe.returncode != 0, "this test needs a base interpreter without Airflow"
    path = tmp_path / "dag.py"
    path.write_text("from zenml_airflow.runtime import build_dag\n")
    report = check_dag_file(path, python=str(base_python))
    assert report == {"ok": False, "error": report["error"]}
    assert report["error"].startswith("Airflow is not installed")
