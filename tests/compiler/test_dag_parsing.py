"""Compiled DAG files imported in a fresh interpreter the way Airflow's DagBag does (no server).

One module-scoped subprocess (``dag_probe.py``) parses every variant and reports what Airflow sees:
the modules the file pulled in, the tasks and their wiring, outlets, retries, params, timetables and
whether Airflow's serializer accepts the DAG.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import tests
from tests.compiler import fixture_steps
from zenml_airflow.compiler import compile_pipeline
from zenml_airflow.core.schedule import Schedule
from zenml_airflow.core.spec_format import SPEC_VERSION

SOURCE = "tests.compiler.fixture_steps:training"
REPO_ROOT = Path(tests.__file__).resolve().parents[1]
PROBE = Path(__file__).with_name("dag_probe.py")
PIPELINE = "training_pipeline"

SCHEDULES: dict[str, Schedule | None] = {
    PIPELINE: None,
    "training_cron": Schedule(
        cron_expression="0 3 * * 1-5",
        timezone="Europe/Berlin",
        start_time=datetime(2026, 1, 15, 3),
        end_time=datetime(2026, 7, 15, 3),
        catchup=True,
    ),
    "training_interval": Schedule(
        interval_second=5400,
        start_time=datetime(2026, 1, 1, tzinfo=UTC),
        end_time=datetime(2026, 3, 1, tzinfo=UTC),
    ),
    "training_daily": Schedule(cron_expression="@daily"),
    "training_daily_berlin": Schedule(cron_expression="@daily", timezone="Europe/Berlin"),
    "training_once": Schedule(
        cron_expression="@once", start_time=datetime(2026, 5, 1, 12, tzinfo=UTC)
    ),
}
NEWER = "training_newer"
EDITED = "training_edited"  # a valid edit of the sealed SPEC literal
BROKEN = "training_broken"  # an invalid edit
UNSEALED = "training_unsealed"  # build_dag(SPEC) without a checksum, as files compiled before seals
# One probe process parses the files in this order: every sealed file first, then UNSEALED, the
# first whose parse may import the spec's models.
VARIANTS = (UNSEALED, NEWER, EDITED, BROKEN)
# Modules a DAG file must never import while Airflow parses it.
FORBIDDEN = (
    "tests",
    "numpy",
    "pandas",
    "pyarrow",
    "sklearn",
    "sqlalchemy",
    "alembic",
    "zenml_airflow.metadata",
    "zenml_airflow.execution",
    "zenml_airflow.runtime.execute",
)


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("dag-parsing")
    dags = base / "dags"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(base / "config"))
        patch.chdir(base)
        for dag_id, schedule in SCHEDULES.items():
            compile_pipeline(
                fixture_steps.build(), dags, schedule=schedule, dag_id=dag_id, source=SOURCE
            )
    # Copies with an edited SPEC literal or call (each edit must apply exactly once).
    text = (dags / f"{PIPELINE}.py").read_text()
    edits = {
        NEWER: (
            rf"^ 'version': {SPEC_VERSION},$",
            " 'version': 99,",
        ),  # written by a future zenml-airflow
        EDITED: (r"'epochs': 3,", "'epochs': 7,"),
        BROKEN: (r"'retries': 2,", "'retries': 'many',"),
        UNSEALED: (r"build_dag\(SPEC, checksum=\"sha256:[0-9a-f]{64}\"\)", "build_dag(SPEC)"),
    }
    for name, (pattern, replacement) in edits.items():
        edited, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count == 1, name
        (dags / f"{name}.py").write_text(edited)

    files = [str(dags / f"{name}.py") for name in [*SCHEDULES, *VARIANTS]]
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(base / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, str(PROBE), "tests.compiler.fixture_steps", str(REPO_ROOT), *files],
        capture_output=True,
        text=True,
        cwd=base,
        env=env,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["files"] = {Path(path).stem: value for path, value in report["files"].items()}
    return report


def _dag(probe: dict[str, Any], name: str) -> dict[str, Any]:
    report = probe["files"][name]
    assert report["ok"], report.get("error")
    [dag] = report["dags"]
    return dag


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


# --- what parsing imports -------------------------------------------------------------------------


def test_parsing_imports_neither_the_steps_nor_heavy_libraries_nor_the_metadata_store(
    probe: dict[str, Any],
) -> None:
    report = probe["files"][PIPELINE]
    new_modules = report["new_modules"]
    assert "zenml_airflow.runtime.dag" in new_modules  # the file really was imported here
    assert [m for m in new_modules if m.startswith(FORBIDDEN)] == []
    # Importing the steps' module does bring numpy in: the check above can fail.
    assert "tests.compiler.fixture_steps" in probe["control_new_modules"]
    assert "numpy" in probe["control_new_modules"]


def test_a_sealed_file_is_parsed_without_building_the_spec_models(probe: dict[str, Any]) -> None:
    # ADR 0013: the compiler validated the literal and sealed it; the parse trusts it. Without
    # the seal the same literal loads the models (the check can fail).
    for name in SCHEDULES:
        assert "zenml_airflow.core.spec" not in probe["files"][name]["new_modules"], name
    assert "zenml_airflow.core.spec" in probe["files"][UNSEALED]["new_modules"]


def test_an_edited_spec_is_validated_and_used(probe: dict[str, Any]) -> None:
    assert _dag(probe, EDITED)["params"]["trainer.epochs"] == 7
    assert _dag(probe, UNSEALED)["params"] == _dag(probe, PIPELINE)["params"]
    assert _dag(probe, UNSEALED)["tasks"].keys() == _dag(probe, PIPELINE)["tasks"].keys()


def test_an_invalid_edit_fails_the_parse_with_the_specs_error(probe: dict[str, Any]) -> None:
    report = probe["files"][BROKEN]
    assert report["ok"] is False
    assert report["error"].startswith("ZenMLAirflowError: This pipeline spec is invalid (steps.")
    assert ".retries: Input should be a valid integer" in report["error"]
    assert report["error"].endswith(
        "Recompile the pipeline with zenml-airflow instead of editing the DAG file."
    )


def test_every_file_passes_airflows_safe_mode_heuristic(probe: dict[str, Any]) -> None:
    assert {name: r["might_contain_dag"] for name, r in probe["files"].items()} == dict.fromkeys(
        [*SCHEDULES, *VARIANTS], True
    )


# --- the DAG's structure --------------------------------------------------------------------------


def test_one_task_per_step_wired_like_the_pipeline(probe: dict[str, Any]) -> None:
    tasks = _dag(probe, PIPELINE)["tasks"]
    assert {name: (t["upstream"], t["downstream"]) for name, t in tasks.items()} == {
        "importer": ([], ["evaluator", "normalizer", "trainer"]),
        "normalizer": (["importer"], ["trainer"]),
        "trainer": (["importer", "normalizer"], ["evaluator"]),
        "evaluator": (["importer", "trainer"], []),
    }
    assert {t["operator"] for t in tasks.values()} == {"PythonOperator"}


def test_each_task_declares_one_asset_per_output(probe: dict[str, Any]) -> None:
    tasks = _dag(probe, PIPELINE)["tasks"]

    def assets(step: str, *outputs: str) -> list[list[str]]:
        return [[f"{PIPELINE}.{step}.{o}", f"zenml://{PIPELINE}/{step}/{o}"] for o in outputs]

    assert {name: t["outlets"] for name, t in tasks.items()} == {
        "importer": assets("importer", "features", "labels"),
        "normalizer": assets("normalizer", "output"),
        "trainer": assets("trainer", "output"),
        "evaluator": assets("evaluator", "output"),
    }


def test_step_retries_retry_delay_and_timeout_map_to_the_task(probe: dict[str, Any]) -> None:
    tasks = _dag(probe, PIPELINE)["tasks"]
    trainer = tasks["trainer"]
    assert (trainer["retries"], trainer["retry_delay"], trainer["execution_timeout"]) == (
        2,
        5.0,
        60.0,
    )
    assert (tasks["importer"]["retries"], tasks["importer"]["execution_timeout"]) == (0, None)


def test_dag_params_are_the_step_config_fields_with_compiled_defaults(
    probe: dict[str, Any],
) -> None:
    assert _dag(probe, PIPELINE)["params"] == {
        "trainer.epochs": 3,
        "trainer.learning_rate": 0.5,
        "trainer.optimizer": "sgd",
        "trainer.shuffle": True,
    }


def test_tags_include_zenml_airflow(probe: dict[str, Any]) -> None:
    assert "zenml-airflow" in _dag(probe, PIPELINE)["tags"]


def test_every_dag_serializes_with_airflows_serializer(probe: dict[str, Any]) -> None:
    errors = {name: _dag(probe, name)["serialization_error"] for name in SCHEDULES}
    assert errors == dict.fromkeys(SCHEDULES)


# --- timetables -----------------------------------------------------------------------------------


def test_no_schedule_means_triggered_only(probe: dict[str, Any]) -> None:
    dag = _dag(probe, PIPELINE)
    assert dag["timetable"] == "NullTimetable"
    assert (dag["start_date"], dag["end_date"], dag["catchup"]) == (None, None, False)


def test_cron_becomes_a_cron_trigger_timetable_in_the_schedule_timezone(
    probe: dict[str, Any],
) -> None:
    dag = _dag(probe, "training_cron")
    assert dag["timetable"] == "CronTriggerTimetable"
    timetable = dag["timetable_serialized"]["__var"]
    assert (timetable["expression"], timetable["timezone"]) == ("0 3 * * 1-5", "Europe/Berlin")
    assert _time(dag["start_date"]) == datetime(2026, 1, 15, 2, tzinfo=UTC)  # 03:00 CET
    assert _time(dag["end_date"]) == datetime(2026, 7, 15, 1, tzinfo=UTC)  # 03:00 CEST
    assert dag["catchup"] is True


def test_interval_becomes_a_delta_trigger_timetable(probe: dict[str, Any]) -> None:
    dag = _dag(probe, "training_interval")
    assert dag["timetable"] == "DeltaTriggerTimetable"
    assert dag["timetable_serialized"]["__var"]["delta"] == 5400.0
    assert _time(dag["start_date"]) == datetime(2026, 1, 1, tzinfo=UTC)
    assert _time(dag["end_date"]) == datetime(2026, 3, 1, tzinfo=UTC)
    assert dag["catchup"] is False


def test_daily_preset_runs_at_midnight(probe: dict[str, Any]) -> None:
    dag = _dag(probe, "training_daily")
    assert dag["timetable"] == "CronTriggerTimetable"
    timetable = dag["timetable_serialized"]["__var"]
    assert (timetable["expression"], timetable["timezone"]) == ("0 0 * * *", "UTC")
    assert dag["catchup"] is False


def test_daily_preset_runs_at_midnight_in_the_schedule_timezone(probe: dict[str, Any]) -> None:
    timetable = _dag(probe, "training_daily_berlin")["timetable_serialized"]["__var"]
    assert (timetable["expression"], timetable["timezone"]) == ("0 0 * * *", "Europe/Berlin")


def test_once_runs_once_at_its_start(probe: dict[str, Any]) -> None:
    dag = _dag(probe, "training_once")
    assert dag["timetable"] == "OnceTimetable"
    assert _time(dag["start_date"]) == datetime(2026, 5, 1, 12, tzinfo=UTC)


# --- versioning -----------------------------------------------------------------------------------


def test_a_spec_newer_than_the_runtime_is_refused_with_a_clear_error(probe: dict[str, Any]) -> None:
    report = probe["files"][NEWER]
    assert report["ok"] is False
    assert report["error"] == (
        "ZenMLAirflowError: This pipeline spec has version 99, but this zenml-airflow reads specs up to "
        f"version {SPEC_VERSION}. Upgrade zenml-airflow where the pipeline runs, or compile it with the same version."
    )
