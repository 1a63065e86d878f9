"""``zenml-airflow init [PATH]`` and ``zenml-airflow version``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument(
    "path",
    required=False,
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
)
def init(path: Path | None) -> None:
    """Make PATH (default: the current directory) a zenml-airflow repository.

    Creates PATH/.zen/config.yaml and, if they do not exist yet, the global config and the
    `default` profile with its `default` stack (local orchestrator, sqlite metadata store, local
    artifact store).
    """
    from rich.console import Console
    from rich.markup import escape

    from zenml_airflow.config import (
        GlobalConfig,
        ProfileManager,
        get_config_dir,
        initialize_repository,
        resolve_active,
    )
    from zenml_airflow.config.repository_config import (
        REPOSITORY_DIRECTORY_NAME,
        is_repository_directory,
    )
    from zenml_airflow.exceptions import InitializationError

    root = (path if path is not None else Path.cwd()).resolve()
    if is_repository_directory(root):  # checked first so a repeated init changes nothing
        raise InitializationError(
            f"{root} is already a zenml-airflow repository ({REPOSITORY_DIRECTORY_NAME}/ exists). "
            f"Delete {root / REPOSITORY_DIRECTORY_NAME} to start again."
        )

    config_dir = get_config_dir()
    had_global_config = GlobalConfig.load(config_dir).exists()
    manager = ProfileManager(config_dir)
    had_default_profile = manager.exists("default")
    manager.ensure_default()
    # Resolved before .zen/ exists (a new repository pins nothing), so that a bad
    # $ZENML_AIRFLOW_PROFILE/STACK fails init without leaving a half-made repository.
    context = resolve_active(None, config_dir=config_dir)
    config_file = initialize_repository(root)

    console = Console(soft_wrap=True, highlight=False)
    console.print(f"[green]Initialized zenml-airflow repository[/] at {escape(str(root))}")
    console.print(f"  repository config: {escape(str(config_file))}")
    created = "created" if not had_global_config else "using"
    console.print(f"  global config ({created}): {escape(str(config_dir))}")
    if not had_default_profile:
        console.print(
            "  created profile 'default' with stack 'default' (local orchestrator, "
            "sqlite metadata store, local artifact store)"
        )
    console.print(
        f"  active profile: [bold]{escape(context.profile_name)}[/], "
        f"active stack: [bold]{escape(context.stack_name)}[/]"
    )


@click.command()
def version() -> None:
    """Print the installed zenml-airflow version."""
    from zenml_airflow import __version__

    click.echo(f"zenml-airflow {__version__}")
