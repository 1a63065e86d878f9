"""``zenml-airflow integration ...``: the seed's integrations, what each needs, and installing it.

``list`` and ``requirements`` only read. ``install`` and ``uninstall`` run pip in this Python's
environment, and only when asked: they print the exact command first and run it after a
confirmation (``-y`` to skip it, ``--dry-run`` to only print). zenml-airflow never installs
anything by itself; a pipeline whose integration is missing fails with the command to run
(docs/adr/0014-integrations-and-safe-sklearn-models.md).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import click

from zenml_airflow.cli.utils import json_option, note, print_json, print_table, success


def _selected(names: Sequence[str], ignored: Sequence[str]) -> list[str]:
    """The integrations a command acts on: ``names`` (all when empty, as in the seed) minus
    ``ignored``. Every name is checked before anything runs."""
    from zenml_airflow.core import integrations as core

    for name in (*names, *ignored):
        core.get_integration(name)  # UnknownIntegrationError names the closest one
    chosen = list(dict.fromkeys(names)) if names else core.integration_names()
    return [name for name in chosen if name not in set(ignored)]


def _run_pip(arguments: Sequence[str], *, action: str, yes: bool, dry_run: bool) -> bool:
    """Show ``python -m pip ARGUMENTS``, ask, run it with its output shown. Returns whether it ran.

    Raises:
        IntegrationError: if pip fails.
    """
    from zenml_airflow.exceptions import IntegrationError

    command = [sys.executable, "-m", "pip", *arguments]
    shown = shlex.join(command)
    click.echo(f"Command: {shown}")
    if dry_run:
        click.echo("Dry run: nothing was run.")
        return False
    if not yes:
        click.confirm(f"Run it to {action} these packages in {sys.prefix}?", abort=True)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as process:
        for line in process.stdout or ():  # shown as pip prints it: long installs show progress
            click.echo(line, nl=False)
        status = process.wait()
    if status != 0:
        raise IntegrationError(
            f"pip {action} failed (exit status {status}); its output is above. The command was: "
            f"{shown}"
        )
    return True


@click.group(help="The seed's integrations: list them, show their requirements, install them.")
def integration() -> None:
    pass


@integration.command(
    "list", help="List the integrations: supported by zenml-airflow, installed here."
)
@json_option
def list_(as_json: bool) -> None:
    from zenml_airflow.core import integrations as core

    rows: list[dict[str, Any]] = []
    for name, info in core.integrations().items():
        missing = core.missing_for(name)
        rows.append(
            {
                "name": name,
                "supported": info.supported,
                "installed": not missing,
                "requirements": list(info.requirements),
                "missing": missing,
                "summary": info.summary,
                "source": info.source,
            }
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        "Integrations",
        ["INTEGRATION", "SUPPORTED", "INSTALLED", "REQUIREMENTS"],
        (
            [
                row["name"],
                "yes" if row["supported"] else "no",
                "yes" if row["installed"] else "no",
                " ".join(row["requirements"]),
            ]
            for row in rows
        ),
    )
    note(
        "SUPPORTED: zenml-airflow has code for it; for the others it only knows the packages. "
        "Install one with: zenml-airflow integration install NAME"
    )


@integration.command(
    "requirements",
    help="Print the pip requirements of integration NAME (of all when omitted), one per line.\n\n"
    "Example: pip install $(zenml-airflow integration requirements sklearn)",
)
@click.argument("name", required=False)
def requirements(name: str | None) -> None:
    from zenml_airflow.core import integrations as core

    if name is not None:
        lines = list(core.get_integration(name).requirements)
    else:
        lines = list(
            dict.fromkeys(r for info in core.integrations().values() for r in info.requirements)
        )
    for line in lines:
        click.echo(line)


@integration.command(
    "install",
    help="Install the packages of integration NAME... (of all when none is named) with pip, "
    "after showing the command and asking.\n\n"
    "Example: zenml-airflow integration install sklearn",
)
@click.argument("names", nargs=-1)
@click.option(
    "--ignore-integration", "-i", multiple=True, help="Leave this integration out (repeatable)."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--force",
    "-f",
    is_flag=True,
    help="Run pip for integrations that are already installed too, without asking (the seed's -f).",
)
@click.option("--dry-run", is_flag=True, help="Only print the pip command.")
def install(
    names: tuple[str, ...],
    ignore_integration: tuple[str, ...],
    yes: bool,
    force: bool,
    dry_run: bool,
) -> None:
    from zenml_airflow.core import integrations as core
    from zenml_airflow.exceptions import IntegrationError

    chosen = _selected(names, ignore_integration)
    wanted: list[str] = []
    for name in chosen:
        if not force and core.is_installed(name):
            click.echo(f"Integration '{name}' is already installed.")
        else:
            wanted.append(name)
    packages = list(dict.fromkeys(r for n in wanted for r in core.get_integration(n).requirements))
    if not packages:
        click.echo("Nothing to install.")
        return
    if not _run_pip(["install", *packages], action="install", yes=yes or force, dry_run=dry_run):
        return
    core.clear_cache()
    incomplete = {name: missing for name in wanted if (missing := core.missing_for(name))}
    if incomplete:
        details = "; ".join(f"{name}: {', '.join(lines)}" for name, lines in incomplete.items())
        raise IntegrationError(
            f"pip finished, but these integrations are still incomplete: {details}. Programs "
            "must be installed with your system's package manager; for packages, check that pip "
            f"installs into this Python ({sys.executable})."
        )
    success(f"Installed: {', '.join(wanted)}.")


@integration.command(
    "uninstall",
    help="Uninstall the packages of integration NAME... (of all when none is named) with pip, "
    "after showing the command and asking.",
)
@click.argument("names", nargs=-1)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", "-f", is_flag=True, help="Do not ask for confirmation (the seed's -f).")
@click.option("--dry-run", is_flag=True, help="Only print the pip command.")
def uninstall(names: tuple[str, ...], yes: bool, force: bool, dry_run: bool) -> None:
    import importlib.metadata

    from zenml_airflow.core import integrations as core

    chosen = _selected(names, ())
    packages: list[str] = []
    removed: list[str] = []
    for name in chosen:
        present = []
        for requirement in core.get_integration(name).requirements:
            package = core.requirement_name(requirement)
            try:
                importlib.metadata.distribution(package)
            except importlib.metadata.PackageNotFoundError:
                continue
            present.append(package)
        if present:
            packages.extend(present)
            removed.append(name)
        else:
            click.echo(f"No package of integration '{name}' is installed.")
    packages = list(dict.fromkeys(packages))
    if not packages:
        click.echo("Nothing to uninstall.")
        return
    # pip's own prompt is replaced by ours (-y), which shows the whole command first.
    if _run_pip(
        ["uninstall", "-y", *packages], action="uninstall", yes=yes or force, dry_run=dry_run
    ):
        core.clear_cache()
        success(f"Uninstalled the packages of: {', '.join(removed)}.")
