"""Every command and group answers ``--help``; the CLI modules import nothing heavy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from cli_helpers import ok

from zenml_airflow.cli.main import LAZY_COMMANDS, cli

OURS = (
    "init",
    "version",
    "profile",
    "stack",
    "pipeline",
    "orchestrator",
    "metadata-store",
    "artifact-store",
    "step-operator",
    "container-registry",
    "secrets-manager",
    "model-deployer",
)


def command_paths(
    group: click.Group, ctx: click.Context, prefix: tuple[str, ...]
) -> list[tuple[str, ...]]:
    paths = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = (*prefix, name)
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, ctx, path))
    return paths


def test_every_command_has_help() -> None:
    assert set(OURS) <= set(LAZY_COMMANDS)
    ctx = click.Context(cli)
    paths = [p for p in command_paths(cli, ctx, ()) if p[0] in OURS]
    assert ("stack", "import") in paths and ("artifact-store", "flavor", "list") in paths
    assert ("pipeline", "describe-run") in paths and ("profile", "delete") in paths
    for path in paths:
        assert "Usage:" in ok(*path, "--help"), path


def test_cli_modules_import_no_store_or_airflow(tmp_path: Path) -> None:
    code = (
        "import sys; import zenml_airflow.cli.main, zenml_airflow.cli.stack, "
        "zenml_airflow.cli.profile, zenml_airflow.cli.stack_components, "
        "zenml_airflow.cli.pipeline, zenml_airflow.repository;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'airflow', 'sqlalchemy', 'rich'}))"
    )
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(tmp_path / "never")}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert not (tmp_path / "never").exists()
