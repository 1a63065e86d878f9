"""Plain-text secret values in component configs are called out (issue 14, security 3).

A ``--password=...`` given as a plain value is stored as it is and compiled into every DAG file
(mode 0644) of a stack using the component. Registration and compilation say so and point to
``{{secret.key}}`` references; ``pipeline compile|deploy --strict`` refuse to write such a file.
The detection is the one ``stack export`` uses (``secrets.references.plain_secrets``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.cli_helpers import fails, invoke, ok
from zenml_airflow.secrets.references import plain_secret_fields

PIPELINE_FILE = """
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

@step
def one() -> int:
    return 1

@pipeline
def plain_secret_tiny(one):
    one()

instance = plain_secret_tiny(one=one())
"""


def airflow_stack(tmp_path: Path, password: str) -> None:
    ok("orchestrator", "register", "af", "--flavor", "airflow", f"--dags_folder={tmp_path / 'dags'}",
       f"--password={password}")  # fmt: skip
    ok("secrets-manager", "register", "vault", "--flavor", "local")
    ok(
        "stack",
        "register",
        "af_stack",
        "-o",
        "af",
        "-m",
        "default",
        "-a",
        "default",
        "-x",
        "vault",
        "--set",
    )


def test_registering_a_plain_password_warns_and_points_to_references(tmp_path: Path) -> None:
    result = invoke("orchestrator", "register", "af", "--flavor", "airflow", "--password=hunter2")
    assert result.exit_code == 0, result.output
    assert "plain-text secret values (password of orchestrator 'af')" in result.stderr
    assert "{{db_creds.password}}" in result.stderr and "hunter2" not in result.stderr
    updated = invoke("orchestrator", "update", "af", "--password=hunter3")
    assert "password of orchestrator 'af'" in updated.stderr


def test_a_reference_or_no_password_registers_without_a_warning() -> None:
    for name, extra in (("af1", ["--password={{af_creds.password}}"]), ("af2", [])):
        result = invoke("orchestrator", "register", name, "--flavor", "airflow", *extra)
        assert result.exit_code == 0, result.output
        assert "plain-text" not in result.stderr


def test_compile_warns_about_plain_secrets_in_the_dag_file(tmp_path: Path) -> None:
    airflow_stack(tmp_path, "hunter2")
    source = tmp_path / "plain_secret_compile.py"
    source.write_text(PIPELINE_FILE)
    result = invoke("pipeline", "compile", f"{source}:instance", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (
        "compiled into the DAG file" in result.output
        and "password of orchestrator 'af'" in result.output
    )
    assert (tmp_path / "out" / "plain_secret_tiny.py").exists()


@pytest.mark.parametrize("verb", ["compile", "deploy"])
def test_strict_refuses_to_write_a_dag_file_with_plain_secrets(tmp_path: Path, verb: str) -> None:
    airflow_stack(tmp_path, "hunter2")
    source = tmp_path / f"plain_secret_{verb}.py"
    source.write_text(PIPELINE_FILE)
    args = ["-o", str(tmp_path / "out")] if verb == "compile" else []
    message = fails("pipeline", verb, f"{source}:instance", "--strict", *args)
    assert "Refused (--strict)" in message and "password of orchestrator 'af'" in message
    assert "{{db_creds.password}}" in message and "hunter2" not in message
    assert not (tmp_path / "out").exists() and not (tmp_path / "dags").exists()


def test_strict_compiles_a_stack_that_uses_references(tmp_path: Path) -> None:
    airflow_stack(tmp_path, "{{af_creds.password}}")
    source = tmp_path / "plain_secret_strict_ok.py"
    source.write_text(PIPELINE_FILE)
    result = invoke(
        "pipeline", "compile", f"{source}:instance", "-o", str(tmp_path / "out"), "--strict"
    )
    assert result.exit_code == 0, result.output
    assert "plain-text" not in result.output
    assert (tmp_path / "out" / "plain_secret_tiny.py").exists()


def test_plain_secret_fields_ignores_unset_values_and_references() -> None:
    config = {"password": "x", "token": None, "secret": "{{ s.k }}", "other": "y"}
    assert plain_secret_fields({"password", "token", "secret"}, config) == ["password"]
