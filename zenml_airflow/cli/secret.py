"""``zenml-airflow secret ...``: secrets in the active stack's secrets manager (or ``-x NAME``).

    zenml-airflow secret register db_creds -s database --username=zenml --password=...
    zenml-airflow secret register api_token -k token -v ...    # the 0.7 form: one -k/-v pair
    zenml-airflow secret register api                          # on a terminal: asks, input hidden
    zenml-airflow secret get db_creds                          # keys, values hidden
    zenml-airflow secret get db_creds --reveal
    zenml-airflow secret list
    zenml-airflow secret update db_creds --password=...        # or: -k password -v ...
    zenml-airflow secret delete db_creds

Values are given in one of two forms, never both in one command:

* the seed's (0.7) ``-k KEY -v VALUE`` (also spelled ``--key KEY --value VALUE`` or
  ``--key=KEY --value=VALUE``; repeat the pair for more keys, matched in order);
* ``--KEY=VALUE`` pairs (0.8), any number. ``--key`` and ``--value`` are never keys here: a key
  literally named ``key`` or ``value`` is given as ``-k key -v ...`` / ``-k value -v ...`` (or
  typed at the prompt), so ``--key K --value V`` cannot silently store two keys called ``key``
  and ``value``.

With no values and standard input a terminal, the command asks for them (as the seed did); when
standard input is not a terminal it fails and says how to give them, instead of waiting for input
(``-i`` reads them from standard input then, one line per answer). A value ``@path`` is read from
the file ``path`` (e.g. a GCP service-account key); ``@@...`` stands for a value starting with one
``@``. Components refer to a secret's key as ``{{db_creds.password}}``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
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
# A secret's own fields: a key of this name would be swallowed by the secret, not stored.
_RESERVED_KEYS = ("name", "arbitrary_kv_pairs")
_FORMS = "-k KEY -v VALUE (the 0.7 form) or --KEY=VALUE pairs"


def _manager_option(function: Any) -> Any:
    return click.option(
        "--secrets-manager",
        "-x",
        "manager_name",
        help="Use this registered secrets manager instead of the active stack's.",
    )(function)


def _pair_options(function: Any) -> Any:
    """The seed's ``-k/--key`` and ``-v/--value`` (repeatable: pairs are matched in order)."""
    function = click.option(
        "--value",
        "-v",
        "pair_values",
        multiple=True,
        metavar="VALUE",
        help="The value of the key given with -k (the 0.7 form).",
    )(function)
    return click.option(
        "--key",
        "-k",
        "pair_keys",
        multiple=True,
        metavar="KEY",
        help="A key of the secret, its value given with -v (the 0.7 form; -k key stores a key "
        "named 'key').",
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


def _stdin_is_terminal() -> bool:
    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except ValueError:  # closed
        return False


def _given_values(
    name: str,
    pair_keys: Sequence[str],
    pair_values: Sequence[str],
    extra_args: Sequence[str],
    *,
    may_ask: bool,
) -> tuple[dict[str, str], list[str]]:
    """The values given on the command line, and the ``-k`` keys still waiting for a value.

    A ``-k`` without its ``-v`` is asked for when ``may_ask`` (its value then stays out of the
    shell's history); otherwise it is an error, as is a ``-v`` without a ``-k``.
    """
    options = parse_extra_options(
        extra_args, what=f"the secret's values as {_FORMS}", bare_flags=False
    )
    if (pair_keys or pair_values) and options:
        raise click.UsageError(
            f"Give the values of secret '{name}' either as {_FORMS}, not both "
            f"(got -k/-v and {', '.join('--' + key for key in options)})."
        )
    if options:
        return options, []
    if len(pair_values) > len(pair_keys):
        raise click.UsageError(
            f"-v/--value {pair_values[len(pair_keys)]!r} has no -k/--key: write -k KEY -v VALUE "
            "(to store a key named 'value', write -k value -v VALUE)."
        )
    values: dict[str, str] = {}
    for key, value in zip(pair_keys, pair_values, strict=False):
        if key in values:
            raise click.UsageError(f"Key '{key}' is given twice.")
        values[key] = value
    waiting = list(pair_keys[len(pair_values) :])
    if waiting and not may_ask:
        raise click.UsageError(
            f"-k/--key {waiting[0]!r} has no -v/--value: write -k {waiting[0]} -v VALUE (to store "
            "a key named 'key', write -k key -v VALUE; -i asks for the value instead)."
        )
    for key in waiting:
        if key in values:
            raise click.UsageError(f"Key '{key}' is given twice.")
    return values, waiting


def _check_keys(keys: Any) -> None:
    from zenml_airflow.secrets.errors import SecretsManagerError

    for key in keys:
        if key in _RESERVED_KEYS:
            raise SecretsManagerError(
                f"A secret cannot have a key named '{key}' (it is the secret's own "
                f"{'name' if key == 'name' else 'field'}): choose another key name."
            )


def _resolve(raw: dict[str, str]) -> dict[str, Any]:
    """Check the keys and read ``@file`` values (of the command line; typed answers are taken
    as they are)."""
    from zenml_airflow.secrets.errors import SecretsManagerError

    _check_keys(raw)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if value == "":
            raise SecretsManagerError(
                f"Key '{key}' has an empty value (an unset shell variable?): give a value, or "
                "leave the key out."
            )
        if value.startswith("@@"):
            value = value[1:]
        elif value.startswith("@"):
            path = Path(value[1:]).expanduser()
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise SecretsManagerError(
                    f"Cannot read the value of key '{key}' from {path}: "
                    f"{error.strerror or error} (write @@... for a value that starts with '@')."
                ) from None
        values[key] = value
    return values


def _schema_keys(cls: Any, raw: dict[str, str]) -> dict[str, str]:
    """``--api-key`` became ``api_key``; a ``-k aws-access-key-id`` for the ``aws`` schema too."""
    keys = cls.get_schema_keys()
    renamed: dict[str, str] = {}
    for key, value in raw.items():
        fixed = key.replace("-", "_")
        renamed[fixed if key not in keys and fixed in keys else key] = value
    return renamed


def _answer(label: str, *, hide: bool, required: bool) -> str | None:
    """One answer: asked on a terminal (hidden if ``hide``), else one line of standard input.

    ``None`` when standard input has ended; ``""`` for an empty answer (never for a required
    one on a terminal, which is asked again).
    """
    if _stdin_is_terminal():
        answer: str = click.prompt(
            label, hide_input=hide, default=None if required else "", show_default=False
        )
        return answer
    # Piped input: nothing is echoed, so nothing to hide; prompts go to stderr, out of the output.
    click.echo(f"{label}: ", nl=False, err=True)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    click.echo(err=True)
    return line.rstrip("\r\n") if line else None


def _ask_value(secret_name: str, key: str, label: str, *, required: bool) -> str | None:
    from zenml_airflow.secrets.errors import SecretsManagerError

    value = _answer(label, hide=True, required=required)
    if value is None or (required and value == ""):
        if required:
            raise SecretsManagerError(
                f"No value for the required key '{key}' of secret '{secret_name}' (an empty "
                "line, or standard input ended): nothing was stored."
            )
        return None
    return value or None


def _ask_new_keys(secret_name: str, values: dict[str, str]) -> None:
    """Key names and values until an empty key name (or the end of input)."""
    from zenml_airflow.secrets.errors import SecretsManagerError

    click.echo("Enter key names and values; an empty key name ends the input.", err=True)
    while True:
        key = _answer("key", hide=False, required=False)
        if not key:
            return
        if key in values:
            raise SecretsManagerError(f"Key '{key}' of secret '{secret_name}' is given twice.")
        value = _ask_value(secret_name, key, f"value of {key}", required=True)
        values[key] = str(value)


def _ask_register(
    name: str, cls: Any, values: dict[str, str], waiting: Sequence[str], *, more: bool
) -> dict[str, str]:
    """Ask for the ``-k`` keys without a value, then the schema's keys not given, or (for the
    ``arbitrary`` schema, when nothing was given or ``more``) for key names and values."""
    values = dict(values)
    for key in waiting:
        values[key] = str(_ask_value(name, key, f"value of {key}", required=True))
    keys = cls.get_schema_keys()
    if keys:
        required = cls.required_keys()
        for key in keys:
            if key in values:
                continue
            is_required = key in required
            label = key if is_required else f"{key} (optional, Enter to skip)"
            value = _ask_value(name, key, label, required=is_required)
            if value is not None:
                values[key] = value
    elif more or not values:
        _ask_new_keys(name, values)
    return values


def _ask_update(
    name: str,
    cls: Any,
    current: dict[str, Any],
    values: dict[str, str],
    waiting: Sequence[str],
    replace: bool,
) -> dict[str, str]:
    """Ask for the ``-k`` keys without a value, then a new value for every key of the secret
    (and of the schema) not given; Enter keeps it (drops it with ``--replace``). For the
    ``arbitrary`` schema, new keys may follow."""
    values = dict(values)
    for key in waiting:
        values[key] = str(_ask_value(name, key, f"value of {key}", required=True))
    schema_keys = cls.get_schema_keys()
    required = cls.required_keys()
    keep = "Enter drops it" if replace else "Enter keeps the current value"
    for key in [*current, *(k for k in schema_keys if k not in current)]:
        if key in values or (schema_keys and key not in schema_keys):
            continue
        if key in current:
            label = f"new value of {key} ({keep})"
        elif key in required:
            label = key
        else:
            label = f"{key} (optional, Enter to skip)"
        value = _ask_value(name, key, label, required=key in required and key not in current)
        if value is not None:
            values[key] = value
        elif key in current and not replace:
            values[key] = current[key]
    if not schema_keys:
        _ask_new_keys(name, values)
    return values


@click.group(help="Register, read and delete secrets in a secrets manager.")
def secret() -> None:
    pass


@secret.command(
    "register",
    context_settings=_EXTRA_ARGS,
    help="Register secret NAME. Give its values as -k KEY -v VALUE (the 0.7 form, repeatable) "
    "or as --KEY=VALUE pairs (not both); a value @FILE is read from FILE. With no values, they "
    "are asked for when standard input is a terminal (-i: also when it is not).\n\n"
    "Examples: zenml-airflow secret register db_creds -s database --password=...\n\n"
    "zenml-airflow secret register api -k token -v ...",
)
@click.argument("name")
@click.option("--schema", "-s", "schema", help="The secret schema (default: arbitrary keys).")
@_pair_options
@click.option(
    "--interactive",
    "-i",
    is_flag=True,
    help="Ask for the values not given (input is not echoed); reads standard input when it is "
    "not a terminal.",
)
@_manager_option
@click.pass_context
def register(
    ctx: click.Context,
    name: str,
    schema: str | None,
    pair_keys: tuple[str, ...],
    pair_values: tuple[str, ...],
    interactive: bool,
    manager_name: str | None,
) -> None:
    from zenml_airflow.secrets.errors import SecretExistsError, SecretSchemaError
    from zenml_airflow.secrets.schemas import build_secret, get_secret_schema_class

    terminal = _stdin_is_terminal()
    raw, waiting = _given_values(
        name, pair_keys, pair_values, ctx.args, may_ask=interactive or terminal
    )
    cls = get_secret_schema_class(schema or "arbitrary")
    values = _resolve(_schema_keys(cls, raw))
    missing = [key for key in cls.required_keys() if key not in values]
    ask = interactive or (terminal and (not values or bool(missing) or bool(waiting)))
    if not values and not ask:
        raise SecretSchemaError(
            f"Secret '{name}' has no values: give {_FORMS}, or -i to read them from standard "
            "input (it is not a terminal, so nothing was asked)."
        )
    manager = _manager(manager_name)
    if ask:
        if name in manager.get_all_secret_keys():  # say so before anything is typed
            raise SecretExistsError(
                f"A secret named '{name}' already exists in {manager.open_manager().label}: "
                f"change it with `zenml-airflow secret update {name}`."
            )
        values = _ask_register(name, cls, values, waiting, more=interactive)
        _check_keys(values)
        if not values:
            raise SecretSchemaError(f"Secret '{name}' has no values: nothing was registered.")
    secret_ = build_secret(name, schema, values)
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
    help="Change keys of secret NAME, given as -k KEY -v VALUE (the 0.7 form, repeatable) or as "
    "--KEY=VALUE pairs (not both); other keys are kept (--replace drops them, --schema changes "
    "the schema). With no values, a new value for each key is asked for when standard input is "
    "a terminal (-i: also when it is not).",
)
@click.argument("name")
@click.option("--schema", "-s", "schema", help="A new schema for the secret.")
@_pair_options
@click.option(
    "--interactive",
    "-i",
    is_flag=True,
    help="Ask for a new value of each key not given (Enter keeps it); reads standard input when "
    "it is not a terminal.",
)
@click.option("--replace", is_flag=True, help="Drop the keys that are not given.")
@_manager_option
@click.pass_context
def update(
    ctx: click.Context,
    name: str,
    schema: str | None,
    pair_keys: tuple[str, ...],
    pair_values: tuple[str, ...],
    interactive: bool,
    replace: bool,
    manager_name: str | None,
) -> None:
    from zenml_airflow.secrets.schemas import build_secret, get_secret_schema_class

    terminal = _stdin_is_terminal()
    raw, waiting = _given_values(
        name, pair_keys, pair_values, ctx.args, may_ask=interactive or terminal
    )
    if schema is not None:
        get_secret_schema_class(schema)  # an unknown schema fails before anything is asked
    nothing = not raw and not waiting and schema is None
    ask = interactive or (terminal and (nothing or bool(waiting)))
    if nothing and not ask:
        raise click.UsageError(
            f"Nothing to update in secret '{name}': give {_FORMS}, --schema, or -i to read new "
            "values from standard input (it is not a terminal, so nothing was asked)."
        )
    manager = _manager(manager_name)
    current = manager.get_secret(name)
    cls = get_secret_schema_class(schema or current.TYPE)
    values = _resolve(_schema_keys(cls, raw))
    if ask:
        values = _ask_update(name, cls, current.content, values, waiting, replace)
        _check_keys(values)
    merged = values if replace else {**current.content, **values}
    secret_ = build_secret(name, schema or current.TYPE, merged)
    manager.update_secret(secret_)
    new = secret_.content
    changed = sorted(k for k in new if k not in current.content or current.content[k] != new[k])
    dropped = sorted(k for k in current.content if k not in new)
    parts = [f"changed {', '.join(changed)}"] if changed else []
    parts += [f"dropped {', '.join(dropped)}"] if dropped else []
    if secret_.TYPE != current.TYPE:
        parts.append(f"schema '{current.TYPE}' -> '{secret_.TYPE}'")
    success(f"Updated secret '{name}': {'; '.join(parts) or 'nothing changed'}.")


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
        _delete_all(manager, confirmed=yes, how="--yes")
        return
    manager.delete_secret(str(name))
    success(f"Deleted secret '{name}'.")


def _delete_all(manager: Any, *, confirmed: bool, how: str) -> None:
    if not confirmed:
        if not _stdin_is_terminal():
            raise click.UsageError(
                f"Not deleting every secret of secrets manager '{manager.name}' without a "
                f"confirmation, and standard input is not a terminal to ask: add {how}."
            )
        click.confirm(f"Delete every secret of secrets manager '{manager.name}'?", abort=True)
    manager.delete_all_secrets(force=True)
    success(f"Deleted every secret of secrets manager '{manager.name}'.")


@secret.command(
    "cleanup",
    help="Delete every secret of the secrets manager (the seed's command; the same as "
    "`secret delete --all`). Asks first unless --yes or --force.",
)
@click.option("--force", "-f", is_flag=True, help="Do not ask for confirmation (the seed's flag).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_manager_option
def cleanup(force: bool, yes: bool, manager_name: str | None) -> None:
    _delete_all(_manager(manager_name), confirmed=force or yes, how="--yes")


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
                ", ".join(f"{k}{'' if req else '?'}" for k, req in row["keys"].items()) or "any",
            ]
            for row in rows
        ),
    )


@secret.command("generate-key", help="Print a new key for the local secrets manager.")
def generate_key() -> None:
    from zenml_airflow.secrets.local import KEY_ENV
    from zenml_airflow.secrets.local import generate_key as new_key

    click.echo(new_key())
    note(
        f"Keep it apart from the secrets: export {KEY_ENV}=<key>, or write it to a key file (0600)."
    )
