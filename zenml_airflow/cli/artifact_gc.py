"""``zenml-airflow artifact-store gc``: remove artifact directories no run registered."""

from __future__ import annotations

from datetime import timedelta

import click

from zenml_airflow.cli.utils import json_option, print_json, print_table


@click.command("gc")
@click.option(
    "--stack", "stack_name", help="Clean this stack's artifact store (default: the active stack's)."
)
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    help="Leave directories changed within this many hours alone (a step may still be writing them).",
)
@click.option(
    "--delete", is_flag=True, help="Remove them. Without it, only list what would be removed."
)
@click.option(
    "--include-undated",
    is_flag=True,
    help="Also take directories whose age the store cannot tell (empty prefixes on S3/GCS).",
)
@json_option
def gc_command(
    stack_name: str | None, grace_hours: float, delete: bool, include_undated: bool, as_json: bool
) -> None:
    """List (or with --delete remove) artifact directories that the stack's metadata store does not
    know: leftovers of steps killed while writing. Registered artifacts are never touched.

    The stack's metadata store must be the only one registering artifacts in its artifact store.
    """
    from zenml_airflow.repository import Repository
    from zenml_airflow.stack.gc import find_garbage, remove_garbage

    repository = Repository()
    stack = repository.get_stack(stack_name) if stack_name else repository.active_stack
    garbage = find_garbage(
        stack, grace_period=timedelta(hours=grace_hours), include_undated=include_undated
    )
    removed = remove_garbage(stack, garbage) if delete else []
    if as_json:
        print_json(
            {
                "artifact_store": stack.artifact_store.path,
                "unregistered": [{"uri": g.uri, "age_seconds": g.age_seconds} for g in garbage],
                "removed": removed,
            }
        )
        return
    if not garbage:
        click.echo(
            f"No unregistered artifact directories older than {grace_hours:g} h in {stack.artifact_store.path}."
        )
        return
    root = stack.artifact_store.path.rstrip("/") + "/"
    print_table(
        f"Unregistered artifact directories in {root}",
        ["PIPELINE/STEP/OUTPUT/ID", "AGE (H)"],
        [
            [
                g.uri.removeprefix(root),
                "?" if g.age_seconds is None else f"{g.age_seconds / 3600:.1f}",
            ]
            for g in garbage
        ],
    )
    if delete:
        click.echo(f"Removed {len(removed)} director{'y' if len(removed) == 1 else 'ies'}.")
    else:
        click.echo("Nothing was removed: add --delete to remove these.")
