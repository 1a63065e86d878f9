"""``zenml-airflow pipeline ...``: pipelines and their runs, read from the active stack's metadata
store (or the one of ``--stack``).

``pipeline`` is a plain click group; other modules' commands (e.g. ``compile``/``deploy``) are added
to it with ``@pipeline.command()``.
"""

from __future__ import annotations

from typing import Any

import click

from zenml_airflow.cli.utils import json_option, print_json, print_table

_stack_option = click.option(
    "--stack",
    "stack_name",
    default=None,
    help="Read this stack's metadata store (default: active).",
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _short(iso: str | None) -> str:
    """``2024-05-01 12:00:00`` from an ISO timestamp (for tables; JSON keeps the full value)."""
    return iso[:19].replace("T", " ") if iso else "-"


def _artifact_json(artifact: Any) -> dict[str, Any]:
    from zenml_airflow.materializers.cloudpickle_materializer import MATERIALIZER_PATH

    return {
        "id": artifact.id,
        "uri": artifact.uri,
        "type": artifact.type,
        "data_type": artifact.data_type,
        "materializer": artifact.materializer,
        # Reading it runs code from its file (the opt-in pickle materializer, docs/integrations.md).
        "unsafe_to_load": artifact.materializer == MATERIALIZER_PATH,
        "content_hash": artifact.content_hash,
        "size_bytes": artifact.size_bytes,
        "metadata": artifact.metadata,
        "producer_step_id": artifact.parent_step_id,
    }


def _run_summary(run: Any) -> dict[str, Any]:
    return {
        "name": run.name,
        "pipeline": run.pipeline_name,
        "status": run.status.value,
        "created_at": _iso(run.created_at),
        "finished_at": _iso(run.finished_at),
        "orchestrator": run.orchestrator,
        "orchestrator_run_id": run.orchestrator_run_id,
        "stack": run.stack_name,
        "zenml_version": run.zenml_version,
        "git_sha": run.git_sha,
    }


def _step_json(step: Any) -> dict[str, Any]:
    return {
        "name": step.name,
        "entrypoint": step.entrypoint_name,
        "status": step.status.value,
        "cached": step.is_cached,
        "parameters": step.parameters,
        "started_at": _iso(step.started_at),
        "finished_at": _iso(step.finished_at),
        "duration_seconds": step.duration,
        "try_number": step.try_number,
        "image": step.image,
        "error": step.error,
        "inputs": {name: _artifact_json(a) for name, a in step.inputs.items()},
        "outputs": {name: _artifact_json(a) for name, a in step.outputs.items()},
    }


@click.group(help="Pipelines: compile and deploy them to Airflow; list them and their runs.")
def pipeline() -> None:
    pass


@pipeline.command("list", help="List the pipelines recorded in the metadata store.")
@_stack_option
@json_option
def list_(stack_name: str | None, as_json: bool) -> None:
    from zenml_airflow.repository import Repository

    rows: list[dict[str, Any]] = []
    for view in Repository().get_pipelines(stack_name):
        runs = view.runs
        latest = runs[-1] if runs else None
        rows.append(
            {
                "name": view.name,
                "runs": len(runs),
                "latest_run": latest.name if latest else None,
                "latest_status": latest.status.value if latest else None,
                "latest_created_at": _iso(latest.created_at) if latest else None,
            }
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        "Pipelines",
        ["PIPELINE", "RUNS", "LATEST RUN", "STATUS", "STARTED"],
        (
            [
                r["name"],
                r["runs"],
                r["latest_run"],
                r["latest_status"],
                _short(r["latest_created_at"]),
            ]
            for r in rows
        ),
        empty="No pipeline has run on this stack yet.",
    )


def _pipeline_view(repo: Any, name: str, stack_name: str | None) -> Any:
    from zenml_airflow.exceptions import DoesNotExistError, did_you_mean

    view = repo.get_pipeline(name, stack_name)
    if view is None:
        known = [p.name for p in repo.get_pipelines(stack_name)]
        raise DoesNotExistError(
            f"No pipeline named '{name}' in the metadata store.{did_you_mean(name, known)} "
            f"Pipelines: {', '.join(known) or 'none'}."
        )
    return view


@pipeline.command(
    "runs", help="List the runs of pipeline NAME, oldest first (the newest --limit runs)."
)
@click.argument("name")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Show only the newest LIMIT runs; 0 shows every run.",
)
@_stack_option
@json_option
def runs(name: str, limit: int, stack_name: str | None, as_json: bool) -> None:
    from zenml_airflow.cli.utils import console
    from zenml_airflow.repository import Repository

    view = _pipeline_view(Repository(), name, stack_name)
    all_runs = view.runs
    total = len(all_runs)
    shown = list(all_runs) if limit == 0 or total <= limit else all_runs[total - limit :]
    summaries = []
    for run in shown:
        summary = _run_summary(run)
        summary["steps"] = len(run.steps)
        summaries.append(summary)
    if as_json:
        print_json(summaries)
        return
    print_table(
        f"Runs of pipeline '{name}'",
        ["RUN", "STATUS", "STEPS", "STARTED", "FINISHED", "ORCHESTRATOR", "STACK", "CODE"],
        (
            [
                s["name"],
                s["status"],
                s["steps"],
                _short(s["created_at"]),
                _short(s["finished_at"]),
                s["orchestrator"],
                s["stack"],
                # the commit the run's code came from (its git DAG bundle's, or the checkout's)
                (s["git_sha"] or "")[:12],
            ]
            for s in summaries
        ),
        empty=f"Pipeline '{name}' has no runs.",
    )
    if len(shown) < total:
        console().print(
            f"Showing the newest {len(shown)} of {total} runs; pass --limit 0 to list every run."
        )


@pipeline.command(
    "describe-run",
    help="Show run RUN: its steps (status, cached) and their artifacts (uri, type, data type).",
)
@click.argument("run_name", metavar="RUN")
@_stack_option
@json_option
def describe_run(run_name: str, stack_name: str | None, as_json: bool) -> None:
    from rich.markup import escape

    from zenml_airflow.cli.utils import console
    from zenml_airflow.exceptions import DoesNotExistError, did_you_mean
    from zenml_airflow.repository import Repository

    repo = Repository()
    stack = repo.active_stack if stack_name is None else repo.get_stack(stack_name)
    record = stack.metadata_store.open_store().get_run(run_name)
    if record is None:
        known = [run.name for p in stack.get_pipelines() for run in p.runs]
        raise DoesNotExistError(
            f"No run named '{run_name}' in the metadata store of stack '{stack.name}'."
            f"{did_you_mean(run_name, known)} List runs with `zenml-airflow pipeline runs "
            "PIPELINE`."
        )
    run = _pipeline_view(repo, record.pipeline_name, stack_name).get_run(run_name)
    steps = [_step_json(step) for step in run.steps]
    if as_json:
        print_json({**_run_summary(run), "steps": steps})
        return
    out = console()
    summary = _run_summary(run)
    out.print(
        f"[bold]Run '{escape(run.name)}'[/] of pipeline '{escape(run.pipeline_name)}': "
        f"{escape(summary['status'])}"
    )
    out.print(
        f"  started {_short(summary['created_at'])}, finished {_short(summary['finished_at'])}; "
        f"orchestrator {escape(str(summary['orchestrator']))}, stack {escape(str(summary['stack']))}"
    )
    if not steps:
        out.print("  No step has started.")
    for step in steps:
        cached = " (cached)" if step["cached"] else ""
        out.print(f"  [bold]{escape(step['name'])}[/]: {escape(step['status'])}{cached}")
        for output, artifact in step["outputs"].items():
            unsafe = (
                " [red](pickle: UNSAFE to load - reading it runs code from the file)[/]"
                if artifact["unsafe_to_load"]
                else ""
            )
            out.print(
                f"    {escape(output)}: {escape(artifact['type'])}, "
                f"{escape(artifact['data_type'])} at {escape(artifact['uri'])}{unsafe}"
            )
    for step in steps:
        if step["error"]:
            out.print(f"[red]{escape(step['name'])} failed:[/] {escape(step['error'])}")


@pipeline.command("run")
@click.argument("python_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--config",
    "-c",
    "config_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The YAML file naming the pipeline, its steps' sources and parameters.",
)
def run_command(python_file: str, config_path: str) -> None:
    """Run the pipeline that CONFIG describes, built from the steps in PYTHON_FILE, on the active stack.

    CONFIG (the seed's format): `name:` the pipeline function or class in PYTHON_FILE, and
    `steps: {<step>: {source: <function>, parameters: {...}, materializers: ...}}`.
    """
    from zenml_airflow.compiler.source import pipeline_from_config

    pipeline_from_config(python_file, config_path).run()


# Compiling and deploying to Airflow (zenml_airflow/cli/airflow_commands.py).
from zenml_airflow.cli.airflow_commands import compile_command, deploy_command  # noqa: E402

pipeline.add_command(compile_command)
pipeline.add_command(deploy_command)
