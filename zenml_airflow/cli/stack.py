"""``zenml-airflow stack ...``: combine registered components into stacks and switch between them.

Where ``stack set`` lands: inside a repository (a folder with ``.zen/``) it pins the stack in
``.zen/config.yaml``; outside one, or with ``--global``, it sets the active profile's active stack
(docs/adr/0007-activation-scope-and-flavor-availability.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from zenml_airflow.cli.utils import json_option, note, print_json, print_table, success
from zenml_airflow.enums import StackComponentType

F = TypeVar("F", bound=Callable[..., Any])

# short flag, component type - the seed's letters (`stack register NAME -o .. -m .. -a ..`)
COMPONENT_OPTIONS: tuple[tuple[str, StackComponentType], ...] = (
    ("o", StackComponentType.ORCHESTRATOR),
    ("m", StackComponentType.METADATA_STORE),
    ("a", StackComponentType.ARTIFACT_STORE),
    ("s", StackComponentType.STEP_OPERATOR),
    ("c", StackComponentType.CONTAINER_REGISTRY),
    ("x", StackComponentType.SECRETS_MANAGER),
    ("d", StackComponentType.MODEL_DEPLOYER),
)
OPTIONAL_TYPES = tuple(kind for _, kind in COMPONENT_OPTIONS[3:])


def component_options(*, required: bool) -> Callable[[F], F]:
    """``-o/--orchestrator NAME`` ... ``-d/--model-deployer NAME`` (the first three required when
    ``required``)."""

    def decorate(function: F) -> F:
        for index, (letter, kind) in reversed(list(enumerate(COMPONENT_OPTIONS))):
            function = click.option(
                f"--{kind.cli_name}",
                f"-{letter}",
                kind.value,
                required=required and index < 3,
                help=f"Name of a registered {kind.label}.",
            )(function)
        return function

    return decorate


def _names(options: dict[str, str | None]) -> dict[StackComponentType, str]:
    return {
        kind: value
        for _, kind in COMPONENT_OPTIONS
        if (value := options.get(kind.value)) is not None
    }


def _active_stack_name(repo: Any) -> str | None:
    from zenml_airflow.exceptions import ZenMLAirflowError

    try:
        context = repo.active_context()
    except ZenMLAirflowError:
        return None
    name: str = context.stack_name
    return name


def _print_notes(stack: Any) -> None:
    for text in stack.notes():
        note(f"Note: {text}")


def _describe_activation(repo: Any, name: str, global_scope: bool) -> str:
    root = repo.root
    if root is not None and not global_scope:
        return f"pinned in {root / '.zen' / 'config.yaml'}"
    return f"in profile '{repo.active_profile.name}'"


@click.group(help="Register, inspect, switch and share stacks.")
def stack() -> None:
    pass


@stack.command(
    "register",
    help="Register a stack NAME made of registered components.\n\n"
    "Example: zenml-airflow stack register prod -o af -m meta -a art --set",
)
@click.argument("name")
@component_options(required=True)
@click.option("--set", "activate", is_flag=True, help="Make it the active stack right away.")
def register(name: str, activate: bool, **options: str | None) -> None:
    from zenml_airflow.repository import Repository
    from zenml_airflow.stack.stack import Stack

    repo = Repository()
    new_stack = Stack.from_component_names(repo.active_profile, name, _names(options))
    repo.register_stack(new_stack)
    success(f"Registered stack '{name}'.")
    _print_notes(new_stack)
    if activate:
        repo.activate_stack(name)
        success(f"Active stack: '{name}' ({_describe_activation(repo, name, False)}).")


@stack.command("list", help="List the stacks of the active profile; * marks the active one.")
@json_option
def list_(as_json: bool) -> None:
    from zenml_airflow.repository import Repository

    repo = Repository()
    profile = repo.active_profile
    stacks = profile.list_stacks()
    active = _active_stack_name(repo)
    if as_json:
        print_json(
            [
                {
                    "name": name,
                    "active": name == active,
                    "components": {kind.value: component for kind, component in record.items()},
                }
                for name, record in stacks.items()
            ]
        )
        return
    kinds = [kind for _, kind in COMPONENT_OPTIONS]
    used = [kind for kind in kinds if any(kind in record for record in stacks.values())]
    print_table(
        f"Stacks in profile '{profile.name}'",
        ["ACTIVE", "STACK", *(kind.label.upper() for kind in used)],
        (
            ["*" if name == active else "", name, *(record.get(kind, "") for kind in used)]
            for name, record in stacks.items()
        ),
        empty=f"No stacks in profile '{profile.name}'.",
    )


@stack.command("describe", help="Show a stack's components and their settings (default: active).")
@click.argument("name", required=False)
@json_option
def describe(name: str | None, as_json: bool) -> None:
    from rich.markup import escape

    from zenml_airflow.cli.utils import console
    from zenml_airflow.repository import Repository

    repo = Repository()
    active = _active_stack_name(repo)
    if name is None:
        name = repo.active_context().stack_name
    described = repo.get_stack(name)
    notes = described.notes()
    if as_json:
        print_json(
            {
                "name": name,
                "profile": repo.active_profile.name,
                "active": name == active,
                "components": {
                    kind.value: {
                        "name": c.name,
                        "flavor": c.flavor,
                        "config": c.masked_config(),
                    }
                    for kind, c in described.components.items()
                },
                "notes": notes,
            }
        )
        return
    out = console()
    out.print(f"[bold]Stack '{escape(name)}'[/]{' (active)' if name == active else ''}")
    for kind, component in described.components.items():
        settings = ", ".join(f"{k}={v}" for k, v in component.masked_config().items())
        out.print(
            f"  {escape(kind.label)}: {escape(component.name)} "
            f"(flavor {escape(component.flavor)}){': ' + escape(settings) if settings else ''}"
        )
    for text in notes:
        out.print(f"  [yellow]note:[/] {escape(text)}")


@stack.command(
    "set",
    help="Activate stack NAME. Inside a repository the choice is pinned in its .zen/config.yaml; "
    "outside one (or with --global) it becomes the active profile's active stack.",
)
@click.argument("name")
@click.option(
    "--global",
    "-g",
    "global_scope",
    is_flag=True,
    help="Set the profile's active stack even inside a repository.",
)
def set_(name: str, global_scope: bool) -> None:
    import os

    from zenml_airflow.config import STACK_ENV, RepositoryConfig
    from zenml_airflow.repository import Repository

    repo = Repository()
    repo.activate_stack(name, global_scope=global_scope)
    success(f"Active stack: '{name}' ({_describe_activation(repo, name, global_scope)}).")
    if os.environ.get(STACK_ENV) and os.environ[STACK_ENV] != name:
        note(f"Note: ${STACK_ENV}={os.environ[STACK_ENV]} overrides this in this environment.")
    root = repo.root
    if global_scope and root is not None:
        pinned = RepositoryConfig.load(root).active_stack_name
        if pinned and pinned != name:
            note(f"Note: the repository at {root} pins stack '{pinned}', which wins there.")


@stack.command("get", help="Print the active stack and where that choice comes from.")
@json_option
def get(as_json: bool) -> None:
    from zenml_airflow.repository import Repository

    context = Repository().active_context()
    if as_json:
        print_json(
            {
                "stack": context.stack_name,
                "profile": context.profile_name,
                "stack_source": context.stack_source,
                "profile_source": context.profile_source,
            }
        )
        return
    click.echo(
        f"Active stack: '{context.stack_name}' (profile '{context.profile_name}', "
        f"from {context.stack_source})"
    )


@stack.command(
    "update",
    help="Replace components of stack NAME (only the options given change).\n\n"
    "Example: zenml-airflow stack update prod -a other-artifacts",
)
@click.argument("name")
@component_options(required=False)
def update(name: str, **options: str | None) -> None:
    from zenml_airflow.repository import Repository
    from zenml_airflow.stack.stack import Stack

    changes = _names(options)
    if not changes:
        raise click.UsageError("Nothing to update: give at least one component option (-o/-m/...).")
    repo = Repository()
    profile = repo.active_profile
    merged = {**profile.get_stack(name), **changes}
    updated = Stack.from_component_names(profile, name, merged)
    repo.update_stack(name, updated)
    success(
        f"Updated stack '{name}': "
        + ", ".join(f"{k.label} '{v}'" for k, v in changes.items())
        + "."
    )
    _print_notes(updated)


@stack.command(
    "remove-component",
    help="Remove optional components (step operator, container registry, secrets manager, "
    "model deployer) from stack NAME.",
)
@click.argument("name")
@click.option("--step-operator", "-s", "remove_s", is_flag=True, help="Remove the step operator.")
@click.option(
    "--container-registry", "-c", "remove_c", is_flag=True, help="Remove the container registry."
)
@click.option(
    "--secrets-manager", "-x", "remove_x", is_flag=True, help="Remove the secrets manager."
)
@click.option("--model-deployer", "-d", "remove_d", is_flag=True, help="Remove the model deployer.")
def remove_component(
    name: str, remove_s: bool, remove_c: bool, remove_x: bool, remove_d: bool
) -> None:
    from zenml_airflow.repository import Repository
    from zenml_airflow.stack.stack import Stack

    chosen = [
        kind
        for flag, kind in zip((remove_s, remove_c, remove_x, remove_d), OPTIONAL_TYPES, strict=True)
        if flag
    ]
    if not chosen:
        raise click.UsageError("Say which components to remove (-s, -c, -x, -d).")
    repo = Repository()
    profile = repo.active_profile
    record = profile.get_stack(name)
    absent = [kind.label for kind in chosen if kind not in record]
    if absent:
        raise click.UsageError(f"Stack '{name}' has no {', '.join(absent)}.")
    remaining = {kind: value for kind, value in record.items() if kind not in chosen}
    repo.update_stack(name, Stack.from_component_names(profile, name, remaining))
    success(f"Removed {', '.join(k.label for k in chosen)} from stack '{name}'.")


@stack.command("delete", help="Delete stack NAME (its components stay registered).")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, yes: bool) -> None:
    from zenml_airflow.repository import Repository

    repo = Repository()
    repo.active_profile.get_stack(name)  # a clean "no such stack" before asking
    if not yes:
        click.confirm(f"Delete stack '{name}'?", abort=True)
    repo.deregister_stack(name)
    success(f"Deleted stack '{name}'.")


@stack.command(
    "export",
    help="Write stack NAME with its components' flavors and settings to a YAML FILE "
    "(to `stack import` elsewhere).",
)
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(name: str, file: Path) -> None:
    from zenml_airflow.config.yaml_io import write_yaml
    from zenml_airflow.repository import Repository

    exported = Repository().get_stack(name)
    write_yaml(file, exported.to_export(), what="export file")
    success(f"Exported stack '{name}' to {file}.")
    from zenml_airflow.secrets.references import plain_secrets  # shared with register and compile

    sensitive = plain_secrets(exported.components.values())
    if sensitive:
        note(f"Note: {file} contains secret values ({', '.join(sensitive)}); keep it private.")


@stack.command(
    "import",
    help="Register the stack in FILE (from `stack export`) and its components. Components that "
    "exist with identical settings are shared; name clashes are refused (use --name for the "
    "stack).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", "new_name", help="Register the stack under this name instead.")
@click.option("--set", "activate", is_flag=True, help="Make it the active stack right away.")
def import_(file: Path, new_name: str | None, activate: bool) -> None:
    from zenml_airflow.repository import Repository
    from zenml_airflow.stack.stack import import_stack

    repo = Repository()
    profile = repo.active_profile
    data = _read_export(file)
    before = set(profile.list_stacks())
    imported, added = import_stack(profile, data, name=new_name, source=str(file))
    if imported.name in before:
        success(f"Stack '{imported.name}' is already registered identically; nothing changed.")
    else:
        success(f"Imported stack '{imported.name}' from {file}.")
        for kind, component_name in added:
            click.echo(f"  registered {kind.label} '{component_name}'")
        for kind, component in imported.components.items():
            if (kind, component.name) not in added:
                click.echo(f"  reused {kind.label} '{component.name}' (identical)")
    _print_notes(imported)
    if activate:
        repo.activate_stack(imported.name)
        success(
            f"Active stack: '{imported.name}' ({_describe_activation(repo, imported.name, False)})."
        )


def _read_export(file: Path) -> Any:
    """The parsed YAML of a stack export file. Its errors speak of an export, not of a config
    file: the config files' advice ("delete it to start again from the defaults") would be
    wrong for a file the user was given."""
    import yaml

    from zenml_airflow.config.yaml_io import os_error_reason
    from zenml_airflow.exceptions import ConfigError

    again = "Export the stack again with `zenml-airflow stack export NAME FILE`."
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(
            f"Cannot read the stack export {file}: {os_error_reason(error)}."
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{file} is not a stack export: it is not UTF-8 text ({error.reason} at byte "
            f"{error.start}). {again}"
        ) from error
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loaders
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise ConfigError(
            f"{file} is not a stack export: it is not valid YAML ({problem}). {again}"
        ) from error


# Starting and stopping a local Airflow for the active airflow orchestrator.
from zenml_airflow.cli.airflow_commands import stack_up  # noqa: E402

stack.add_command(stack_up)


@stack.command(
    "down",
    help="Stop the local Airflow that `stack up` started for the active stack's airflow "
    "orchestrator: SIGTERM, then wait up to --timeout seconds. What does not stop is left "
    "running and reported; with --force it is killed, with every process it started (e.g. "
    "running tasks). Airflow's home (database, logs, DAG files) is kept.",
)
@click.option(
    "--force",
    "-f",
    is_flag=True,
    help="Kill what has not stopped after --timeout (the seed's flag to tear the stack down).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds to wait for a graceful stop [default: 30; 10 with --force].",
)
def down(force: bool, timeout: float | None) -> None:
    from zenml_airflow.cli.airflow_commands import _airflow_orchestrator
    from zenml_airflow.orchestrators.airflow_local import LocalAirflowError
    from zenml_airflow.repository import Repository

    stack_ = Repository().active_stack
    local = _airflow_orchestrator(stack_).local_airflow()
    wait = timeout if timeout is not None else (10.0 if force else 30.0)
    result = local.stop(timeout=wait, force=force)
    if result.stale:
        note(
            f"Removed the pid file(s) of {', '.join(result.stale)} in {local.state_dir}: "
            "no process of ours was running under them."
        )
    if result.still_running:
        stuck = ", ".join(f"{name} (pid {pid})" for name, pid in result.still_running.items())
        stopped = f" (stopped: {', '.join(result.stopped)})" if result.stopped else ""
        raise LocalAirflowError(
            f"Airflow component(s) {stuck} did not stop within {wait:g}s of SIGTERM and are "
            f"still running{stopped}. Wait and run `zenml-airflow stack down` again, or kill "
            "them and every process they started with `zenml-airflow stack down --force`."
        )
    if not result.stopped:
        click.echo("No local Airflow was running for this stack.")
        return
    killed = []
    if result.killed:
        killed.append(f"killed after {wait:g}s: {', '.join(result.killed)}")
    if result.killed_others:
        killed.append(f"killed {result.killed_others} other process(es) they had started")
    click.echo(
        f"Stopped {', '.join(result.stopped)}" + (f" ({'; '.join(killed)})" if killed else "") + "."
    )
