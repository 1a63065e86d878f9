"""Run ``zenml-airflow`` commands through click's runner and check their outcome."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from zenml_airflow.cli.main import cli


def invoke(*args: str, input: str | None = None) -> Result:
    """Run ``zenml-airflow ARGS`` in-process."""
    return CliRunner().invoke(cli, list(args), input=input)


def ok(*args: str, input: str | None = None) -> str:
    """Run a command that must succeed; return its stdout."""
    result = invoke(*args, input=input)
    assert result.exit_code == 0, f"{args} failed ({result.exit_code}): {result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stdout


def ok_json(*args: str) -> Any:
    """Run a read command with ``--json`` and parse its stdout."""
    return json.loads(ok(*args, "--json"))


def fails(*args: str, input: str | None = None) -> str:
    """Run a command that must fail cleanly: exit status 1, one ``Error:`` line on stderr and no
    traceback. Return the error message."""
    result = invoke(*args, input=input)
    assert result.exit_code == 1, f"{args} exited {result.exit_code}: {result.output}"
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0].removeprefix("Error: ")
