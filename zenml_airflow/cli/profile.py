"""``zenml-airflow profile ...``: independent sets of components and stacks.

Each profile lives in ``<config dir>/profiles/<name>/`` and starts with its own ``default`` stack.
``profile set`` inside a repository pins the profile (and its active stack) in ``.zen/config.yaml``;
outside one, or with ``--global``, it changes the global active profile.
"""

from __future__ import annotations

from typing import Any

import click

from zenml_airflow.cli.utils import (
    json_option,
    note,
    print_json,
    print_mapping,
    print_table,
    success,
)
from zenml_airflow.exceptions import ConfigError


def _active_profile(repo: Any) -> tuple[str | None, str | None]:
    """The active profile's name and where it comes from, or ``(None, None)`` if it is broken
    (listing must work so that it can be repaired)."""
    from zenml_airflow.config import resolve_active_profile
    from zenml_airflow.exceptions import ZenMLAirflowError

    try:
        profile, source = resolve_active_profile(repo.root)
    except ZenMLAirflowError:
        return None, None
    return profile.name, source


def _manager() -> Any:
    from zenml_airflow.config import ProfileManager, get_config_dir

    manager = ProfileManager(get_config_dir())
    manager.ensure_default()
    return manager


@click.group(help="Create, inspect, switch and delete profiles.")
def profile() -> None:
    pass


@profile.command(
    "create",
    help="Create profile NAME with its own `default` stack (local orchestrator, sqlite metadata "
    "store, local artifact store). It does not become active: use `profile set NAME`.",
)
@click.argument("name")
@click.option(
    "--store-type",
    "-t",
    type=click.Choice(["local", "sql", "rest"]),
    default="local",
    show_default=True,
    help="The seed's profile stores: only 'local' (YAML files in the profile directory) exists here.",
)
@click.option("--url", "-u", default=None, help="The seed's store URL: not used by a local store.")
@click.option("--user", default=None, hidden=True, help="The seed's active user: not used here.")
def create(name: str, store_type: str, url: str | None, user: str | None) -> None:
    if store_type != "local" or url is not None:
        # Taking the seed's options and ignoring them would leave stacks where the user does not
        # look for them; say what this version stores where instead.
        raise ConfigError(
            f"Profile '{name}' not created: zenml-airflow keeps a profile's stacks in local YAML "
            f"files (--store-type local, no --url); '{store_type}' stores"
            f"{' and --url' if url is not None else ''} are not supported. To share stacks, use "
            "`zenml-airflow stack export NAME FILE` and `stack import`; run metadata goes to SQL "
            "through a metadata store component (`zenml-airflow metadata-store register NAME "
            "--flavor postgresql|mysql ...`, docs/backends.md)."
        )
    created = _manager().create(name)
    success(f"Created profile '{name}' at {created.path}.")


@profile.command("list", help="List the profiles; * marks the active one.")
@json_option
def list_(as_json: bool) -> None:
    from zenml_airflow.repository import Repository

    manager = _manager()
    active, _ = _active_profile(Repository())
    rows = []
    for name in manager.list_profiles():
        store = manager.store(name)
        rows.append(
            {
                "name": name,
                "active": name == active,
                "active_stack": store.active_stack_name,
                "stacks": list(store.list_stacks()),
                "path": str(store.path),
            }
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        "Profiles",
        ["ACTIVE", "PROFILE", "ACTIVE STACK", "STACKS"],
        (
            [
                "*" if row["active"] else "",
                row["name"],
                row["active_stack"],
                ", ".join(row["stacks"]),
            ]
            for row in rows
        ),
        empty="No profiles.",
    )


@profile.command(
    "describe", help="Show a profile's location, stacks and components (default: active)."
)
@click.argument("name", required=False)
@json_option
def describe(name: str | None, as_json: bool) -> None:
    from zenml_airflow.enums import StackComponentType
    from zenml_airflow.repository import Repository

    manager = _manager()
    repo = Repository()
    active, source = _active_profile(repo)
    if name is None:
        name = repo.active_profile.name
    store = manager.get(name)
    components = {kind.value: sorted(store.list_components(kind)) for kind in StackComponentType}
    data = {
        "name": name,
        "active": name == active,
        "active_source": source if name == active else None,
        "path": str(store.path),
        "active_stack": store.active_stack_name,
        "stacks": {
            stack: {kind.value: c for kind, c in record.items()}
            for stack, record in store.list_stacks().items()
        },
        "components": {kind: names for kind, names in components.items() if names},
    }
    if as_json:
        print_json(data)
        return
    print_mapping(
        f"Profile '{name}'{' (active)' if name == active else ''}",
        {
            "path": data["path"],
            "active stack": data["active_stack"],
            "stacks": ", ".join(data["stacks"]) or "none",
            **{
                StackComponentType(kind).plural_label: ", ".join(names)
                for kind, names in data["components"].items()
            },
        },
    )


@profile.command(
    "set",
    help="Activate profile NAME. Inside a repository this pins the profile and its active stack "
    "in .zen/config.yaml; outside one (or with --global) it changes the global active profile.",
)
@click.argument("name")
@click.option(
    "--global",
    "-g",
    "global_scope",
    is_flag=True,
    help="Change the global active profile even inside a repository.",
)
def set_(name: str, global_scope: bool) -> None:
    import os

    from zenml_airflow.config import PROFILE_ENV
    from zenml_airflow.repository import Repository

    _manager()
    repo = Repository()
    repo.activate_profile(name, global_scope=global_scope)
    where = (
        f"pinned in {repo.root / '.zen' / 'config.yaml'}"
        if repo.root is not None and not global_scope
        else "globally"
    )
    success(f"Active profile: '{name}' ({where}).")
    if os.environ.get(PROFILE_ENV) and os.environ[PROFILE_ENV] != name:
        note(f"Note: ${PROFILE_ENV}={os.environ[PROFILE_ENV]} overrides this in this environment.")


@profile.command("get", help="Print the active profile and where that choice comes from.")
@json_option
def get(as_json: bool) -> None:
    from zenml_airflow.config import resolve_active_profile
    from zenml_airflow.repository import Repository

    store, source = resolve_active_profile(Repository().root)
    if as_json:
        print_json({"profile": store.name, "source": source})
    else:
        click.echo(f"Active profile: '{store.name}' (from {source})")


@profile.command(
    "delete",
    help="Delete profile NAME with its stacks, components and default stores (refused for the "
    "active profile).",
)
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, yes: bool) -> None:
    from zenml_airflow.exceptions import StackError
    from zenml_airflow.repository import Repository

    manager = _manager()
    store = manager.get(name)
    active, source = _active_profile(Repository())
    if name == active and source != "global":
        how = (
            "set by $ZENML_AIRFLOW_PROFILE"
            if source == "environment"
            else "pinned by the repository"
        )
        raise StackError(
            f"Cannot delete profile '{name}': it is the active profile ({how}). Activate another "
            "profile first (`zenml-airflow profile set NAME`)."
        )
    if not yes:
        click.confirm(f"Delete profile '{name}' and everything in {store.path}?", abort=True)
    manager.delete(name)
    success(f"Deleted profile '{name}'.")
