"""The ``zenml-airflow`` command line: one module per noun, loaded only when used.

Errors raised on purpose (:class:`~zenml_airflow.exceptions.ZenMLAirflowError`) print one clean
line on stderr and exit with status 1; ``--verbose`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from zenml_airflow.enums import StackComponentType

# command name -> "module:attribute" of a click command or group
LAZY_COMMANDS: dict[str, str] = {
    "init": "zenml_airflow.cli.init:init",
    "version": "zenml_airflow.cli.init:version",
    "profile": "zenml_airflow.cli.profile:profile",
    "stack": "zenml_airflow.cli.stack:stack",
    "pipeline": "zenml_airflow.cli.pipeline:pipeline",
    "secret": "zenml_airflow.cli.secret:secret",
    "integration": "zenml_airflow.cli.integration:integration",
    "example": "zenml_airflow.cli.example:example",
    "image": "zenml_airflow.cli.image:image",
    # one group per component type: `orchestrator`, `metadata-store`, ...
    **{
        kind.cli_name: f"zenml_airflow.cli.stack_components:{kind.value}"
        for kind in StackComponentType
    },
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (keeps ``--help`` and start-up fast)."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):  # pragma: no cover - programming error
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)


class ErrorBoundaryGroup(LazyGroup):
    """The root group: turns expected errors into one clean line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        from zenml_airflow.exceptions import ZenMLAirflowError

        try:
            return super().invoke(ctx)
        except ZenMLAirflowError as error:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            click.secho(f"Error: {error}", fg="red", err=True)
            ctx.exit(1)
        except OSError as error:
            # A file or folder the command needed could not be read or written (read-only,
            # missing, disk full): the path and the reason are the whole story, not a traceback.
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            from zenml_airflow.config.yaml_io import os_error_reason

            click.secho(f"Error: {os_error_reason(error)}", fg="red", err=True)
            ctx.exit(1)


@click.group(cls=ErrorBoundaryGroup, lazy_commands=LAZY_COMMANDS)
@click.option("--verbose", "-v", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """zenml-airflow: ZenML-style ML pipelines on Apache Airflow 3."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def main() -> None:
    cli(prog_name="zenml-airflow")


if __name__ == "__main__":  # pragma: no cover
    main()
