"""The installed ``zenml-airflow`` console script, in a subprocess (as users and scripts run it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cli_steps

SCRIPT = Path(sys.executable).parent / "zenml-airflow"


def script(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )
    if check:
        assert result.returncode == 0, f"{args}: {result.stderr}"
    return result


def script_json(*args: str) -> Any:
    return json.loads(script(*args, "--json").stdout)


def test_register_components_and_stack_set_and_list(tmp_path: Path) -> None:
    script("artifact-store", "register", "art2", "--flavor", "local", f"--path={tmp_path}/art2")
    script("metadata-store", "register", "meta2", "-f", "sqlite", f"--uri={tmp_path}/meta2.db")
    out = script("stack", "register", "second", "-o", "default", "-m", "meta2", "-a", "art2").stdout
    assert "Registered stack 'second'" in out
    script("stack", "set", "second")
    stacks = script_json("stack", "list")
    assert [(s["name"], s["active"]) for s in stacks] == [("default", False), ("second", True)]
    assert stacks[1]["components"]["artifact_store"] == "art2"

    run = cli_steps.build().run(run_name="via-script")  # in this process, on the new stack
    described = script_json("pipeline", "describe-run", "via-script")
    assert described["status"] == "completed" and described["stack"] == "second"
    assert [step["name"] for step in described["steps"]] == ["load", "scale"]
    uri = described["steps"][1]["outputs"]["output"]["uri"]
    assert uri == run.get_step("scale").output.uri
    assert uri.startswith(f"{tmp_path}/art2/")


def test_errors_are_one_line_with_exit_status_1(isolated_config: Path) -> None:
    result = script("stack", "delete", "default", "-y", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: Cannot delete stack 'default': it is the active stack (the active stack of "
        "profile 'default'). Activate another stack first (`zenml-airflow stack set NAME`)."
    )
    (isolated_config / "config.yaml").write_text("active_profile: [\n")
    result = script("stack", "list", check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"Error: Config file {isolated_config / 'config.yaml'} is not valid YAML"
    )
    verbose = script("--verbose", "stack", "list", check=False)
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr
