"""``pipeline compile`` / ``pipeline deploy`` and ``stack up`` / ``stack down``: the Airflow commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from zenml_airflow.exceptions import PipelineConfigurationError, StackError


def schedule_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The schedule flags shared by ``compile`` and ``deploy``."""
    options = [
        click.option(
            "--cron",
            "cron",
            metavar="EXPR",
            help="Run on this cron expression, e.g. '0 3 * * *' or '@daily'.",
        ),
        click.option(
            "--interval-seconds",
            type=click.IntRange(min=1),
            help="Run every N seconds (needs --start-time).",
        ),
        click.option(
            "--start-time", metavar="ISO", help="First possible run, ISO 8601 (naive = --timezone)."
        ),
        click.option("--end-time", metavar="ISO", help="No runs after this time, ISO 8601."),
        click.option(
            "--catchup/--no-catchup",
            default=False,
            show_default=True,
            help="Run every missed interval since --start-time.",
        ),
        click.option(
            "--timezone",
            "timezone_name",
            metavar="TZ",
            help="IANA time zone of the schedule (default UTC).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _parse_time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise PipelineConfigurationError(
            f"{flag} {value!r} is not an ISO 8601 time, e.g. 2026-01-01T03:00:00."
        ) from error


def build_schedule(
    cron: str | None,
    interval_seconds: int | None,
    start_time: str | None,
    end_time: str | None,
    catchup: bool,
    timezone_name: str | None,
) -> Any:
    """A ``Schedule`` from the CLI flags, or ``None`` when no schedule flag was given."""
    if cron is None and interval_seconds is None:
        if start_time or end_time or catchup or timezone_name:
            raise PipelineConfigurationError(
                "--start-time/--end-time/--catchup/--timezone need a schedule: add --cron or --interval-seconds."
            )
        return None
    from pydantic import ValidationError

    from zenml_airflow.core.schedule import Schedule

    try:
        return Schedule(
            cron_expression=cron,
            interval_second=timedelta(seconds=interval_seconds) if interval_seconds else None,
            start_time=_parse_time(start_time, "--start-time"),
            end_time=_parse_time(end_time, "--end-time"),
            catchup=catchup,
            timezone=timezone_name,
        )
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise PipelineConfigurationError(f"Invalid schedule: {problems}.") from error


# Runs in the interpreter being checked (Airflow's), so it imports Airflow by name there.
CHECK_SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.util, json, sys, time
    path = sys.argv[1]
    started = time.perf_counter()
    try:
        sdk = importlib.import_module("airflow.sdk")
    except ImportError as error:
        print(json.dumps({"ok": False, "error": "Airflow is not installed: " + str(error)}))
        sys.exit(0)
    try:
        importlib.import_module("zenml_airflow.runtime")
    except ImportError as error:
        print(json.dumps({"ok": False, "error": "zenml-airflow is not installed in this Airflow environment "
                          "(pip install zenml-airflow): " + str(error)}))
        sys.exit(0)
    before = set(sys.modules)
    parse_started = time.perf_counter()
    try:
        spec = importlib.util.spec_from_file_location("zenml_airflow_dag_check", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        dags = [v for v in vars(module).values() if isinstance(v, sdk.DAG)]
        if len(dags) != 1:
            raise RuntimeError(f"expected exactly one DAG in the file, found {len(dags)}")
        serialization = importlib.import_module("airflow.serialization.serialized_objects")
        serialization.DagSerialization.to_dict(dags[0])
    except Exception as error:
        message = " ".join(f"{type(error).__name__}: {error}".split())
        print(json.dumps({"ok": False, "error": message}))
        sys.exit(0)
    parse = time.perf_counter() - parse_started
    loaded = sorted(m for m in set(sys.modules) - before if not m.startswith(("airflow", "zenml_airflow")))
    print(json.dumps({"ok": True, "dag_id": dags[0].dag_id, "tasks": len(dags[0].tasks),
                      "parse_seconds": parse, "total_seconds": time.perf_counter() - started,
                      "new_modules": loaded}))
    """
)


def check_dag_file(path: Path, python: str = sys.executable) -> dict[str, Any]:
    """Import ``path`` in a fresh ``python`` the way Airflow's DAG processor does and report."""
    result = subprocess.run(
        [python, "-c", CHECK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        return {"ok": False, "error": (result.stderr or result.stdout).strip()[-2000:]}
    report: dict[str, Any] = json.loads(lines[-1])
    return report


@click.command("compile")
@click.argument("source")
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to write <dag_id>.py.",
)
@click.option("--dag-id", help="The DAG id (default: the pipeline name).")
@click.option(
    "--check",
    is_flag=True,
    help="Import the written file in a fresh interpreter, as Airflow does; report parse time and errors.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse to write a DAG file that would contain plain-text secret values (use {{secret.key}} references).",
)
@click.option(
    "--no-build",
    is_flag=True,
    help="Do not build the pipeline image of docker/kubernetes steps: it must exist already "
    "(in the Docker engine or the stack's container registry).",
)
@schedule_options
def compile_command(
    source: str,
    output_dir: Path,
    dag_id: str | None,
    check: bool,
    strict: bool,
    no_build: bool,
    cron: str | None,
    interval_seconds: int | None,
    start_time: str | None,
    end_time: str | None,
    catchup: bool,
    timezone_name: str | None,
) -> None:
    """Compile the pipeline SOURCE into an Airflow DAG file.

    SOURCE is path/to/file.py:name or package.module:name naming a pipeline instance, or a file or
    module alone: then the pipeline its `p.run(...)` call runs (with that call's schedule unless
    schedule options are given), else its only pipeline instance.
    """
    from zenml_airflow.compiler import compile_pipeline
    from zenml_airflow.compiler.source import load_source
    from zenml_airflow.repository import Repository

    loaded = load_source(source)
    schedule = build_schedule(cron, interval_seconds, start_time, end_time, catchup, timezone_name)
    stack = Repository().active_stack
    if strict:
        refuse_plain_secrets(stack)
    try:
        path = compile_pipeline(
            loaded.pipeline,
            output_dir,
            schedule=schedule or loaded.schedule,
            dag_id=dag_id,
            source=source,
            stack=stack,
            images="require" if no_build else "build",
        )
    except OSError as error:
        # Writing the DAG file (through a temporary file that is removed on failure) into the
        # output folder; any other OSError is not ours to describe.
        from zenml_airflow.config.yaml_io import os_error_reason

        target = output_dir.resolve()
        failed = Path(os.fsdecode(error.filename)).resolve() if error.filename else None
        if failed is None or not (
            failed == target or target in failed.parents or failed in target.parents
        ):
            raise
        raise PipelineConfigurationError(
            f"Cannot write the DAG file into {output_dir}: {os_error_reason(error)}. Check that "
            "it is a writable directory, or choose another with -o."
        ) from error
    click.echo(f"Wrote {path}")
    if check:
        report = check_dag_file(path)
        if not report["ok"]:
            raise PipelineConfigurationError(
                f"{path} does not import the way Airflow imports it: {report['error']}"
            )
        click.echo(
            f"Check passed: DAG '{report['dag_id']}' with {report['tasks']} task(s) parsed in "
            f"{report['parse_seconds'] * 1000:.0f} ms (fresh interpreter, {report['total_seconds']:.2f}s with "
            "Airflow's own imports)."
        )


def refuse_plain_secrets(stack: Any) -> None:
    """``--strict``: no DAG file with a plain-text secret value of ``stack``'s components.

    Raises:
        StackError: naming the fields and how to reference them instead.
    """
    from zenml_airflow.compiler.compile import plain_secrets_warning, stack_plain_secrets

    found = stack_plain_secrets(stack)
    if found:
        raise StackError(f"Refused (--strict): {plain_secrets_warning(stack, found)}")


def _airflow_orchestrator(stack: Any) -> Any:
    from zenml_airflow.orchestrators.dispatch import load_orchestrator

    orchestrator = load_orchestrator(stack)
    if not hasattr(orchestrator, "deploy"):
        raise StackError(
            f"The active stack '{stack.name}' uses the '{stack.orchestrator.flavor}' orchestrator, which "
            "does not deploy DAGs. Register an airflow orchestrator and a stack using it: "
            "`zenml-airflow orchestrator register af --flavor airflow` and `zenml-airflow stack register ... -o af --set`."
        )
    return orchestrator


@click.command("deploy")
@click.argument("source")
@click.option("--dag-id", help="The DAG id (default: the pipeline name).")
@click.option("--trigger", is_flag=True, help="Trigger a run right after deploying.")
@click.option(
    "--wait", is_flag=True, help="With --trigger: follow the run to its end (exit 1 if it fails)."
)
@click.option(
    "--conf",
    "conf_json",
    metavar="JSON",
    help="DAG run conf for --trigger, e.g. '{\"trainer.epochs\": 3}'.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse to write a DAG file that would contain plain-text secret values (use {{secret.key}} references).",
)
@click.option(
    "--no-build",
    is_flag=True,
    help="Do not build the pipeline image of docker/kubernetes steps: it must exist already "
    "(in the Docker engine or the stack's container registry).",
)
@click.option(
    "--commit",
    is_flag=True,
    help="With a git DAG bundle: commit the bundle directory (the DAG file and your code) and "
    "push it to the bundle's repository and branch, instead of refusing uncommitted changes.",
)
@schedule_options
def deploy_command(
    source: str,
    dag_id: str | None,
    trigger: bool,
    wait: bool,
    conf_json: str | None,
    strict: bool,
    no_build: bool,
    commit: bool,
    cron: str | None,
    interval_seconds: int | None,
    start_time: str | None,
    end_time: str | None,
    catchup: bool,
    timezone_name: str | None,
) -> None:
    """Compile SOURCE into the active airflow orchestrator's dags folder, have Airflow parse it and unpause it.

    SOURCE is as for `pipeline compile`.
    """
    from zenml_airflow.compiler.source import load_source
    from zenml_airflow.repository import Repository

    if wait and not trigger:
        raise click.UsageError("--wait needs --trigger.")
    conf = _parse_conf(conf_json)
    schedule = build_schedule(cron, interval_seconds, start_time, end_time, catchup, timezone_name)
    stack = Repository().active_stack
    orchestrator = _airflow_orchestrator(stack)
    if strict:
        refuse_plain_secrets(stack)
    loaded = load_source(source)
    with orchestrator.client() as client:
        deployment = orchestrator.deploy(
            loaded.pipeline,
            stack=stack,
            schedule=schedule or loaded.schedule,
            dag_id=dag_id,
            source=source,
            client=client,
            images="require" if no_build else "build",
            commit=commit,
        )
        click.echo(
            f"Deployed DAG '{deployment.dag_id}' ({deployment.path}); Airflow UI: {orchestrator.component.api_url}/dags/{deployment.dag_id}"
        )
        if trigger:
            orchestrator.trigger_and_wait(client, deployment.dag_id, conf=conf, wait=wait)


def _parse_conf(conf_json: str | None) -> dict[str, Any]:
    if not conf_json:
        return {}
    try:
        conf = json.loads(conf_json)
    except ValueError as error:
        raise PipelineConfigurationError(f"--conf is not valid JSON: {error}") from error
    if not isinstance(conf, dict):
        raise PipelineConfigurationError("--conf must be a JSON object.")
    return conf


@click.command("up")
@click.option(
    "--timeout",
    default=180,
    show_default=True,
    help="Seconds to wait for Airflow to become healthy.",
)
def stack_up(timeout: int) -> None:
    """Start a local Airflow for the active stack's airflow orchestrator."""
    from zenml_airflow.repository import Repository

    stack = Repository().active_stack
    orchestrator = _airflow_orchestrator(stack)
    component = orchestrator.component
    if component.executor == "kubernetes":
        from zenml_airflow.orchestrators.airflow_local import LocalAirflowError

        raise LocalAirflowError(
            f"`stack up` starts a local Airflow with the local or celery executor, and "
            f"orchestrator '{component.name}' is set to the kubernetes executor, whose workers "
            "are pods of a cluster. Deploy that Airflow to the cluster (docs/deployment.md), or "
            f"use a local one: zenml-airflow orchestrator update {component.name} "
            "--executor=local."
        )
    local = orchestrator.local_airflow()
    started = time.monotonic()
    workers = (
        f", {len(local.workers)} Celery worker(s) (queues: {'; '.join(local.workers)})"
        if local.celery
        else ""
    )
    click.echo(
        f"Starting Airflow (AIRFLOW_HOME={local.airflow_home}, dags folder {local.dags_folder}"
        f"{workers}) ..."
    )
    local.up(timeout=timeout)
    user, password = local.credentials()
    click.echo(
        f"Airflow is up after {time.monotonic() - started:.0f}s: {orchestrator.component.api_url}"
    )
    click.echo(
        f"Log in as '{user}' with password '{password}' (from {local.airflow_home}/simple_auth_manager_passwords.json.generated)."
    )
    click.echo("Stop it with `zenml-airflow stack down`.")
