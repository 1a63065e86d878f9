"""Shared helpers of the CLI commands: output (rich tables for people, ``--json`` for scripts) and
the parsing of free-form ``--key=value`` component options."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(function: F) -> F:
    """The ``--json`` flag of read commands."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table."
    )(function)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (paths, dates and enums as strings)."""
    click.echo(json.dumps(data, indent=2, default=str, sort_keys=False))


def console() -> Any:
    """A rich console on stdout that never truncates (wide when not a terminal, e.g. in pipes)."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(highlight=False, soft_wrap=True, width=width)


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str = "Nothing registered.",
) -> None:
    """Print a rich table (cells fold instead of being cut, so names are never lost)."""
    from rich.markup import escape
    from rich.table import Table

    materialized = [list(row) for row in rows]
    out = console()
    if not materialized:
        out.print(escape(empty))
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in materialized:
        table.add_row(*(escape("" if cell is None else str(cell)) for cell in row))
    out.print(table)


def print_mapping(title: str, values: Mapping[str, Any]) -> None:
    """Print ``key: value`` lines under a bold title (values that are dicts/lists as JSON)."""
    from rich.markup import escape

    out = console()
    out.print(f"[bold]{escape(title)}[/]")
    for key, value in values.items():
        text = json.dumps(value) if isinstance(value, dict | list) else str(value)
        out.print(f"  {escape(key)}: {escape(text)}")


def success(message: str) -> None:
    """A confirmation line for people (green when the terminal supports it)."""
    click.secho(message, fg="green")


def note(message: str) -> None:
    """A warning or hint on stderr (never mixed into ``--json`` output)."""
    click.secho(message, fg="yellow", err=True)


def parse_extra_options(
    args: Sequence[str], *, what: str = "component settings as --key=value", bare_flags: bool = True
) -> dict[str, str]:
    """Turn ``["--a=1", "--b", "2", "--flag"]`` into ``{"a": "1", "b": "2", "flag": "true"}``.

    Dashes in keys become underscores (``--dags-folder`` is ``dags_folder``). Values stay strings:
    :func:`coerce_values` turns them into what the component's fields expect. ``what`` completes
    the error for a stray argument ("give {what}"); with ``bare_flags=False`` a ``--key`` without
    a value is refused instead of meaning ``true`` (a secret must never store a guessed value).

    Raises:
        click.UsageError: for anything that is not a ``--key`` option, or a key given twice.
    """
    options: dict[str, str] = {}
    index = 0
    while index < len(args):
        token = args[index]
        if not token.startswith("--") or token == "--":
            raise click.UsageError(f"Unexpected argument {token!r}: give {what}.")
        key, has_value, value = token[2:].partition("=")
        if not key:
            raise click.UsageError(f"Invalid option {token!r}: expected --key=value.")
        if not has_value:
            if index + 1 < len(args) and not args[index + 1].startswith("--"):
                index += 1
                value = args[index]
            elif bare_flags:
                value = "true"
            else:
                raise click.UsageError(f"Option {token} has no value: write {token}=VALUE.")
        key = key.replace("-", "_")
        if key in options:
            raise click.UsageError(f"Option --{key} is given twice.")
        options[key] = value
        index += 1
    return options


_NULLS = ("null", "~", "None")


def coerce_values(model: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    """Convert ``--key=value`` strings for the fields of the pydantic ``model``.

    A value is kept as the string when the field accepts it as given (so ``--token=no`` stays the
    string ``"no"`` for a string field and ``--port=5432`` becomes an int through pydantic);
    otherwise it is parsed as YAML/JSON (``--client_kwargs='{"endpoint_url": "..."}'``,
    ``--requirements='[a, b]'``). ``null`` clears an optional field. Unknown keys are passed
    through unchanged for the model's own validation to refuse, naming the allowed fields.
    """
    import yaml
    from pydantic import TypeAdapter, ValidationError

    fields = getattr(model, "model_fields", {})
    values: dict[str, Any] = {}
    for key, text in raw.items():
        field = fields.get(key)
        if field is None:
            values[key] = text
            continue
        adapter: TypeAdapter[Any] = TypeAdapter(field.annotation)
        if text in _NULLS:
            try:
                values[key] = adapter.validate_python(None)
                continue
            except ValidationError:
                pass
        try:
            adapter.validate_python(text)
        except ValidationError:
            try:
                values[key] = yaml.safe_load(text)
            except yaml.YAMLError:
                values[key] = text
        else:
            values[key] = text
    return values
