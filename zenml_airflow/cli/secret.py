"""``zenml-airflow secret ...``: secrets in the active stack's secrets manager (or ``-x NAME``).

    zenml-airflow secret register db_creds --schema database --username=zenml --password=...
    zenml-airflow secret register api --interactive         # prompts, input hidden
    zenml-airflow secret get db_creds                       # keys, values hidden
    zenml-airflow secret get db_creds --reveal
    zenml-airflow secret list
    zenml-airflow secret update db_creds --password=...
    zenml-airflow secret delete db_creds

A value ``@path`` is read from the file ``path`` (e.g. a GCP service-account key). Components then
refer to a secret's key as ``{{db_creds.password}}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zenml_airflow.cli.utils import (
    json_option,
    note,
    parse_extra_options,
    print_json,
    print_mapping,
    print_table,
    success,
)

_EXTRA_ARGS = {"ignore_unknown_options": True, "allow_extra_args": True}
MASK = "********"


def _manager_option(function: Any) -> Any:
    return click.option(
        "--secrets-manager",
        "-x",
        "manager_name",
        help="Use this registered secrets manager instead of the active stack's.",
    )(function)


def _manager(manager_name: str | None) -> Any:
    from zenml_airflow.enums import StackComponentType
    from zenml_airflow.exceptions import StackError
    from zenml_airflow.repository import Repository

    repo = Repository()
    if manager_name is not None:
        return repo.get_stack_component(StackComponentType.SECRETS_MANAGER, manager_name)
    stack = repo.active_stack
    if stack.secrets_manager is None:
        raise StackError(
            f"The active stack '{stack.name}' has no secrets manager. Register one and add it: "
            "zenml-airflow secrets-manager register local_secrets -f local && "
            f"zenml-airflow stack update {stack.name} -x local_secrets (or pass -x NAME)."
        )
    return stack.secrets_manager


def _values(raw: dict[str, str]) -> dict[str, Any]:
    from zenml_airflow.secrets.errors import SecretsManagerError

    values: dict[str, Any] = {}
    for key, value in raw.items():
        if value.startswith("@"):
            path = Path(value[1:]).expanduser()
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise SecretsManagerError(
                    f"Cannot read the value of --{key} from {path}: {error.strerror or error}."
                ) from None
        values[key] = value
    return values


def _prompt_values(schema: str | None, given: dict[str, Any]) -> dict[str, Any]:
    from zenml_airflow.secrets.schemas import get_secret_schema_class

    cls = get_secret_schema_class(schema or "arbitrary")
    values = dict(given)
    keys = cls.get_schema_keys()
    if keys:
        for key in keys:
            if key in values:
                continue
            required = key in cls.required_keys()
            value = click.prompt(
                f"{key}{'' if required else ' (optional, Enter to skip)'}",
                hide_input=True,
                default=None if required else "",
                show_default=False,
            )
            if value != "":
                values[key] = value
        return values
    click.echo("Enter key names and values; an empty key name ends the input.")
    while True:
        key = click.prompt("key", default="", show_default=False)
        if not key:
            return values
        values[key] = click.prompt(f"value of {key}", hide_input=True)


@click.group(help="Register, read and delete secrets in a secrets manager.")
def secret() -> None:
    pass


@secret.command(
    "register",
    context_settings=_EXTRA_ARGS,
    help="Register secret NAME with --key=value pairs (a value @FILE is read from FILE).\n\n"
    "Example: zenml-airflow secret register db_creds --schema database --password=...",
)
@click.argument("name")
@click.option("--schema", "-s", "schema", help="The secret schema (default: arbitrary keys).")
@click.option(
    "--interactive", "-i", is_flag=True, help="Prompt for the values (input is not echoed)."
)
@_manager_option
@click.pass_context
def register(
    ctx: click.Context, name: str, schema: str | None, interactive: bool, manager_name: str | None
) -> None:
    from zenml_airflow.secrets.errors import SecretSchemaError
    from zenml_airflow.secrets.schemas import build_secret

    values = _values(parse_extra_options(ctx.args))
    if interactive:
        values = _prompt_values(schema, values)
    if not values:
        raise SecretSchemaError(
            f"Secret '{name}' has no values: give --key=value pairs or --interactive."
        )
    secret_ = build_secret(name, schema, values)
    manager = _manager(manager_name)
    manager.register_secret(secret_)
    success(
        f"Registered secret '{name}' (schema '{secret_.TYPE}', keys: "
        f"{', '.join(sorted(secret_.content))}) in secrets manager '{manager.name}'."
    )


@secret.command("get", help="Show a secret's schema and keys; values only with --reveal.")
@click.argument("name")
@click.option("--reveal", is_flag=True, help="Print the values too.")
@_manager_option
@json_option
def get(name: str, reveal: bool, manager_name: str | None, as_json: bool) -> None:
    manager = _manager(manager_name)
    secret_ = manager.get_secret(name)
    content = {key: (value if reveal else MASK) for key, value in secret_.content.items()}
    if as_json:
        print_json({"name": name, "schema": secret_.TYPE, "content": content})
        return
    print_mapping(f"Secret '{name}' (schema '{secret_.TYPE}')", content)
    if not reveal:
        note("Values are hidden; add --reveal to print them.")


@secret.command("list", help="List the names of the secrets.")
@_manager_option
@json_option
def list_(manager_name: str | None, as_json: bool) -> None:
    manager = _manager(manager_name)
    names = manager.get_all_secret_keys()
    if as_json:
        print_json(names)
        return
    print_table(
        f"Secrets in secrets manager '{manager.name}'",
        ["NAME"],
        ([name] for name in names),
        empty=f"No secrets in secrets manager '{manager.name}'.",
    )


@secret.command(
    "update",
    context_settings=_EXTRA_ARGS,
    help="Change keys of secret NAME: --key=value pairs are set, other keys kept "
    "(--schema changes the schema, --replace drops the keys not given).",
)
@click.argument("name")
@click.option("--schema", "-s", "schema", help="A new schema for the secret.")
@click.option("--interactive", "-i", is_flag=True, help="Prompt for the values.")
@click.option("--replace", is_flag=True, help="Drop the keys that are not given.")
@_manager_option
@click.pass_context
def update(
    ctx: click.Context,
    name: str,
    schema: str | None,
    interactive: bool,
    replace: bool,
    manager_name: str | None,
) -> None:
    from zenml_airflow.secrets.schemas import build_secret

    values = _values(parse_extra_options(ctx.args))
    if interactive:
        values = _prompt_values(schema, values)
    if not values and schema is None:
        raise click.UsageError("Nothing to update: give --key=value pairs, --schema or -i.")
    manager = _manager(manager_name)
    current = manager.get_secret(name)
    merged = values if replace else {**current.content, **values}
    secret_ = build_secret(name, schema or current.TYPE, merged)
    manager.update_secret(secret_)
    success(f"Updated secret '{name}': {', '.join(sorted(values)) or 'schema'}.")


@secret.command("delete", help="Delete secret NAME (or every secret with --all --yes).")
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Delete every secret of the manager.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_manager_option
def delete(name: str | None, all_: bool, yes: bool, manager_name: str | None) -> None:
    if all_ == (name is not None):
        raise click.UsageError("Give a secret NAME or --all (not both).")
    manager = _manager(manager_name)
    if all_:
        if not yes:
            click.confirm(
                f"Delete every secret of secrets manager '{manager.name}'?", abort=True
            )
        manager.delete_all_secrets(force=True)
        success(f"Deleted every secret of secrets manager '{manager.name}'.")
        return
    manager.delete_secret(str(name))
    success(f"Deleted secret '{name}'.")


@secret.command("schemas", help="List the secret schemas and their keys.")
@json_option
def schemas(as_json: bool) -> None:
    from zenml_airflow.secrets.schemas import get_secret_schema_class, schema_names

    rows: list[dict[str, Any]] = []
    for schema_name in schema_names():
        cls = get_secret_schema_class(schema_name)
        keys = cls.get_schema_keys()
        rows.append(
            {
                "schema": schema_name,
                "keys": {key: key in cls.required_keys() for key in keys},
            }
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        "Secret schemas",
        ["SCHEMA", "KEYS (? = optional)"],
        (
            [
                row["schema"],
                ", ".join(f"{k}{'' if req else '?'}" for k, req in row["keys"].items())
                or "any",
            ]
            for row in rows
        ),
    )


@secret.command("generate-key", help="Print a new key for the local secrets manager.")
def generate_key() -> None:
    from zenml_airflow.secrets.local import KEY_ENV
    from zenml_airflow.secrets.local import generate_key as new_key

    click.echo(new_key())
    note(f"Keep it apart from the secrets: export {KEY_ENV}=<key>, or write it to a key file (0600).")
