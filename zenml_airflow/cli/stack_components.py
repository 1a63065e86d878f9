"""``zenml-airflow <component type> ...``: one command group per stack component type, generated
from :class:`~zenml_airflow.enums.StackComponentType` (``orchestrator``, ``metadata-store``,
``artifact-store``, ``step-operator``, ``container-registry``, ``secrets-manager``,
``model-deployer``).

Each group has ``register NAME --flavor F [--key=value ...]``, ``list``, ``describe [NAME]``,
``get``, ``update NAME --key=value ...``, ``delete NAME`` and ``flavor list``. Settings the flavor
does not know are refused with the list of allowed fields.
"""

from __future__ import annotations

from typing import Any

import click

from zenml_airflow.cli.utils import (
    coerce_values,
    json_option,
    note,
    parse_extra_options,
    print_json,
    print_mapping,
    print_table,
    success,
)
from zenml_airflow.enums import StackComponentType

_EXTRA_ARGS = {"ignore_unknown_options": True, "allow_extra_args": True}


def _warn_plain_secrets(component: Any) -> None:
    """Say so when a secret field was given as a plain value: it is stored in the profile as it
    is, and compiled into every DAG file of a stack using the component."""
    from zenml_airflow.secrets.references import plain_secrets, plain_secrets_advice

    found = plain_secrets([component])
    if found:
        note(
            "Warning: "
            + plain_secrets_advice(
                found, "The profile (and every DAG file compiled for a stack using this component)"
            )
        )


def _active_component_name(repo: Any, component_type: StackComponentType) -> str | None:
    """The name of the active stack's component of this type, or ``None`` (also when the active
    stack cannot be resolved: listing must still work so that it can be repaired)."""
    from zenml_airflow.exceptions import ZenMLAirflowError

    try:
        context = repo.active_context()
        record = context.profile.get_stack(context.stack_name)
    except ZenMLAirflowError:
        return None
    name: str | None = record.get(component_type)
    return name


def _component_json(component: Any, stacks: list[str], active: bool) -> dict[str, Any]:
    return {
        "name": component.name,
        "type": component.TYPE.value,
        "flavor": component.flavor,
        "config": component.masked_config(),
        "stacks": stacks,
        "active": active,
    }


def _stacks_by_component(profile: Any, component_type: StackComponentType) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for stack_name, record in profile.list_stacks().items():
        name = record.get(component_type)
        if name is not None:
            users.setdefault(name, []).append(stack_name)
    return users


def generate_component_group(component_type: StackComponentType) -> click.Group:
    """Build the ``zenml-airflow <type>`` command group for one component type."""
    label = component_type.label
    plural = component_type.plural_label
    cli_name = component_type.cli_name

    @click.group(name=cli_name, help=f"Register, inspect and delete {plural}.")
    def group() -> None:
        pass

    @group.command(
        "register",
        context_settings=_EXTRA_ARGS,
        help=f"Register a {label} NAME of flavor F; settings as --key=value.\n\n"
        f"Example: zenml-airflow {cli_name} register NAME --flavor F --key=value",
    )
    @click.argument("name")
    @click.option("--flavor", "-f", "flavor", help="The flavor (see `flavor list`).")
    @click.option(
        "--type", "-t", "legacy_flavor", hidden=True, help="Deprecated alias of --flavor."
    )
    @click.pass_context
    def register(
        ctx: click.Context, name: str, flavor: str | None, legacy_flavor: str | None
    ) -> None:
        from zenml_airflow.repository import Repository
        from zenml_airflow.stack.flavors import get_flavor_registry

        chosen = flavor or legacy_flavor
        registry = get_flavor_registry()
        if chosen is None:
            raise click.UsageError(
                f"Missing option --flavor/-f. {label.capitalize()} flavors: "
                f"{', '.join(registry.flavor_names(component_type)) or 'none'}."
            )
        if legacy_flavor and not flavor:
            note("--type/-t is deprecated; use --flavor/-f.")
        flavor_info = registry.get_flavor(component_type, chosen)
        options = coerce_values(flavor_info.component_class, parse_extra_options(ctx.args))
        repo = Repository()
        # e.g. the local secrets manager's files under the profile: stored explicitly, so that
        # whoever uses the component later (an Airflow worker) finds the same ones.
        defaults = flavor_info.component_class.profile_defaults(name, repo.active_profile.path)
        component = flavor_info.component_class.from_config(name, {**defaults, **options})
        repo.register_stack_component(component)
        success(f"Registered {label} '{name}' (flavor '{chosen}').")
        _warn_plain_secrets(component)
        reason = flavor_info.unavailable_reason()
        if reason is not None:
            note(f"Note: {reason}; a stack using '{name}' will be refused until then.")

    @group.command("list", help=f"List the registered {plural} of the active profile.")
    @json_option
    def list_(as_json: bool) -> None:
        from zenml_airflow.repository import Repository

        repo = Repository()
        profile = repo.active_profile
        components = repo.get_stack_components(component_type)
        users = _stacks_by_component(profile, component_type)
        active = _active_component_name(repo, component_type)
        if as_json:
            print_json(
                [_component_json(c, users.get(c.name, []), c.name == active) for c in components]
            )
            return
        print_table(
            f"{plural.capitalize()} in profile '{profile.name}'",
            ["ACTIVE", "NAME", "FLAVOR", "CONFIG", "STACKS"],
            (
                [
                    "*" if c.name == active else "",
                    c.name,
                    c.flavor,
                    ", ".join(f"{k}={v}" for k, v in c.masked_config().items()),
                    ", ".join(users.get(c.name, [])),
                ]
                for c in components
            ),
            empty=f"No {plural} registered in profile '{profile.name}'.",
        )

    @group.command(
        "describe",
        help=f"Show a {label}'s flavor, settings and the stacks using it "
        "(default: the active stack's).",
    )
    @click.argument("name", required=False)
    @json_option
    def describe(name: str | None, as_json: bool) -> None:
        from zenml_airflow.exceptions import StackError
        from zenml_airflow.repository import Repository
        from zenml_airflow.stack.flavors import Flavor

        repo = Repository()
        active = _active_component_name(repo, component_type)
        if name is None:
            if active is None:
                raise StackError(f"The active stack has no {label}; name one to describe.")
            name = active
        component = repo.get_stack_component(component_type, name)
        stacks = repo.active_profile.stacks_using(component_type, name)
        reason = Flavor.from_component_class(type(component)).unavailable_reason()
        if as_json:
            data = _component_json(component, stacks, name == active)
            data["available"] = reason is None
            data["unavailable_reason"] = reason
            print_json(data)
            return
        print_mapping(
            f"{label.capitalize()} '{name}'{' (active)' if name == active else ''}",
            {
                "flavor": component.flavor,
                **component.masked_config(),
                "used by stacks": ", ".join(stacks) or "none",
            },
        )
        if reason is not None:
            note(f"Unavailable: {reason}.")

    @group.command("get", help=f"Print the name of the active stack's {label}.")
    @json_option
    def get(as_json: bool) -> None:
        from zenml_airflow.repository import Repository

        repo = Repository()
        context = repo.active_context()
        name = context.profile.get_stack(context.stack_name).get(component_type)
        if as_json:
            print_json({"stack": context.stack_name, "type": component_type.value, "name": name})
        elif name is None:
            click.echo(f"The active stack '{context.stack_name}' has no {label}.")
        else:
            click.echo(name)

    @group.command(
        "update",
        context_settings=_EXTRA_ARGS,
        help=f"Change settings of a registered {label}: --key=value (null clears a field).\n\n"
        "Every stack using it is validated again first.",
    )
    @click.argument("name")
    @click.pass_context
    def update(ctx: click.Context, name: str) -> None:
        from zenml_airflow.repository import Repository
        from zenml_airflow.stack.flavors import get_flavor_registry

        raw = parse_extra_options(ctx.args)
        if not raw:
            raise click.UsageError("Nothing to update: give at least one --key=value.")
        repo = Repository()
        record = repo.active_profile.get_component(component_type, name)
        component_class = (
            get_flavor_registry().get_flavor(component_type, record.flavor).component_class
        )
        config = {**record.config, **coerce_values(component_class, raw)}
        component = component_class.from_config(name, config)
        repo.update_stack_component(name, component_type, component)
        success(f"Updated {label} '{name}': {', '.join(sorted(raw))}.")
        _warn_plain_secrets(component)

    @group.command("delete", help=f"Delete a {label} (refused while a stack uses it).")
    @click.argument("name")
    def delete(name: str) -> None:
        from zenml_airflow.repository import Repository

        Repository().deregister_stack_component(component_type, name)
        success(f"Deleted {label} '{name}'.")

    @group.group("flavor", help=f"The available {label} flavors.")
    def flavor() -> None:
        pass

    @flavor.command("list", help=f"List the {label} flavors, their fields and availability.")
    @json_option
    def flavor_list(as_json: bool) -> None:
        from zenml_airflow.stack.flavors import get_flavor_registry

        flavors = get_flavor_registry().list_flavors(component_type)
        rows: list[dict[str, Any]] = []
        for item in flavors:
            reason = item.unavailable_reason()
            rows.append(
                {
                    "name": item.name,
                    "type": component_type.value,
                    "source": item.source,
                    "implementation": item.implementation,
                    "available": reason is None,
                    "unavailable_reason": reason,
                    "fields": item.field_summaries(),
                }
            )
        if as_json:
            print_json(rows)
            return

        def fields(summary: dict[str, dict[str, Any]]) -> str:
            return (
                ", ".join(
                    f"{name}{'' if info['required'] else '?'}" for name, info in summary.items()
                )
                or "-"
            )

        print_table(
            f"{label.capitalize()} flavors",
            ["FLAVOR", "AVAILABLE", "FIELDS (? = optional)", "SOURCE"],
            (
                [
                    row["name"],
                    "yes" if row["available"] else f"no: {row['unavailable_reason']}",
                    fields(row["fields"]),
                    row["source"],
                ]
                for row in rows
            ),
            empty=f"No {label} flavors.",
        )

    return group


orchestrator = generate_component_group(StackComponentType.ORCHESTRATOR)
metadata_store = generate_component_group(StackComponentType.METADATA_STORE)
artifact_store = generate_component_group(StackComponentType.ARTIFACT_STORE)
step_operator = generate_component_group(StackComponentType.STEP_OPERATOR)
container_registry = generate_component_group(StackComponentType.CONTAINER_REGISTRY)
secrets_manager = generate_component_group(StackComponentType.SECRETS_MANAGER)
model_deployer = generate_component_group(StackComponentType.MODEL_DEPLOYER)


@metadata_store.command("migrate")
@click.option(
    "--stack",
    "stack_name",
    help="Migrate this stack's metadata store (default: the active stack's).",
)
def migrate_metadata_store(stack_name: str | None) -> None:
    """Upgrade the metadata store's schema to this version of zenml-airflow (never done silently)."""
    from zenml_airflow.repository import Repository

    repository = Repository()
    stack = repository.get_stack(stack_name) if stack_name else repository.active_stack
    component = stack.metadata_store
    store = component.open_store()
    before = store.schema_revision()
    after = store.migrate()
    if before == after:
        click.echo(
            f"Metadata store '{component.name}' ({store.masked_url}) is already at revision {after}."
        )
    else:
        click.echo(
            f"Migrated metadata store '{component.name}' ({store.masked_url}) from revision "
            f"{before or 'none'} to {after}."
        )


@metadata_store.command("init")
@click.argument("name", required=False)
@click.option(
    "--uri",
    help="The database file of a sqlite store, instead of a registered store NAME (e.g. on an "
    "Airflow worker without the profile).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Delete a database that holds data (its runs' history) and start over.",
)
def init_metadata_store(name: str | None, uri: str | None, force: bool) -> None:
    """Create an empty database for a sqlite metadata store (default: the active stack's).

    Needed when a store's database was lost: zenml-airflow creates a missing database silently
    only the first time. A database holding data is replaced only with --force.
    """
    import os

    from zenml_airflow.exceptions import StackError
    from zenml_airflow.metadata.sqlite_files import init_database

    if name is not None and uri is not None:
        raise click.UsageError("Give either NAME or --uri, not both.")
    if uri is not None:
        path = os.path.abspath(os.path.expanduser(uri.removeprefix("sqlite:///")))
        label, url = path, f"sqlite:///{path}"
    else:
        from zenml_airflow.repository import Repository
        from zenml_airflow.stack.components import SQLiteMetadataStoreComponent

        repo = Repository()
        if name is None:
            name = _active_component_name(repo, StackComponentType.METADATA_STORE)
            if name is None:
                raise StackError(
                    "The active stack has no metadata store; name one to initialise (or give "
                    "--uri PATH)."
                )
        component = repo.get_stack_component(StackComponentType.METADATA_STORE, name)
        if not isinstance(component, SQLiteMetadataStoreComponent):
            raise StackError(
                f"Metadata store '{name}' has flavor '{component.flavor}': `metadata-store init` "
                "creates the database file of a 'sqlite' store. A server database's schema is "
                "created the first time the empty database is used."
            )
        label, url = f"'{name}' ({component.uri})", component.url
    result = init_database(url, force=force)
    if result.action == "created":
        success(
            f"Created an empty database for metadata store {label} "
            f"(schema revision {result.revision})."
        )
    elif result.action == "replaced":
        success(
            f"Deleted the database of metadata store {label} ({result.removed_rows} rows) and "
            f"created an empty one (schema revision {result.revision})."
        )
    else:
        success(
            f"The database of metadata store {label} holds no runs; kept it "
            f"(schema revision {result.revision})."
        )


COMPONENT_GROUPS: dict[StackComponentType, click.Group] = {
    StackComponentType.ORCHESTRATOR: orchestrator,
    StackComponentType.METADATA_STORE: metadata_store,
    StackComponentType.ARTIFACT_STORE: artifact_store,
    StackComponentType.STEP_OPERATOR: step_operator,
    StackComponentType.CONTAINER_REGISTRY: container_registry,
    StackComponentType.SECRETS_MANAGER: secrets_manager,
    StackComponentType.MODEL_DEPLOYER: model_deployer,
}

# `artifact-store gc` (zenml_airflow/cli/artifact_gc.py).
from zenml_airflow.cli.artifact_gc import gc_command  # noqa: E402

artifact_store.add_command(gc_command)
