"""The Airflow orchestrator: compile, deploy into the dags folder, trigger and follow a run.

``p.run()`` on a stack with this orchestrator compiles the pipeline, writes the DAG file into the
orchestrator's ``dags_folder``, waits until Airflow has parsed it, unpauses it, triggers a run
through the REST API and follows it to the end, printing each task's state. The same steps back
``zenml-airflow pipeline deploy``.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from zenml_airflow.compiler.compile import (
    build_spec,
    check_dag_id,
    render_dag_file,
    spec_from_dag_file,
    write_atomically,
)
from zenml_airflow.compiler.image import ImagePolicy
from zenml_airflow.core.spec import CONF_ENABLE_CACHE, CONF_RUN_NAME
from zenml_airflow.exceptions import PipelineRunError, StackError
from zenml_airflow.orchestrators.airflow_client import (
    AirflowAPIError,
    AirflowClient,
    generated_password,
)
from zenml_airflow.orchestrators.airflow_local import LocalAirflow, LocalAirflowError
from zenml_airflow.orchestrators.base import BaseOrchestrator
from zenml_airflow.post_execution import PipelineRunView, get_run

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.pipeline import BasePipeline
    from zenml_airflow.core.schedule import Schedule
    from zenml_airflow.core.spec import PipelineSpec
    from zenml_airflow.orchestrators.dag_bundle import BundleCheckout
    from zenml_airflow.stack.components import AirflowOrchestratorComponent
    from zenml_airflow.stack.stack import Stack

STATE_STYLES = {
    "success": "green",
    "failed": "red",
    "upstream_failed": "red",
    "running": "yellow",
    "queued": "cyan",
}


@dataclass(frozen=True)
class Deployment:
    dag_id: str
    path: Path


class AirflowOrchestrator(BaseOrchestrator):
    """Deploys pipelines as DAG files and runs them on an Airflow 3 installation."""

    component: AirflowOrchestratorComponent

    def __init__(self, component: Any, console: Console | None = None) -> None:
        super().__init__(component)
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)

    # --- configuration -------------------------------------------------------------------------

    @property
    def airflow_home(self) -> Path:
        return Path(self.component.resolved_airflow_home())

    @property
    def dags_folder(self) -> Path:
        return Path(self.component.resolved_dags_folder())

    def local_airflow(self) -> LocalAirflow:
        """The local Airflow ``stack up`` starts for this orchestrator (its executor, database
        and Celery workers as configured; a secret reference in the database URL is resolved
        here)."""
        component = self.component
        return LocalAirflow(
            self.airflow_home,
            self.dags_folder,
            api_url=component.api_url,
            executor=component.executor,
            database_url=component.resolve("airflow_database_url"),
            broker_url=component.celery_broker_url,
            workers=tuple(component.celery_workers),
            worker_concurrency=component.celery_concurrency,
            dag_bundle=(
                None
                if component.dag_bundle_name is None or component.dag_bundle_repo is None
                else {
                    "name": component.dag_bundle_name,
                    "repo_url": component.dag_bundle_repo,
                    "tracking_ref": component.dag_bundle_branch,
                    "subdir": component.dag_bundle_subdir,
                }
            ),
        )

    def client(self) -> AirflowClient:
        # A `{{secret.key}}` username/password is resolved here, when the client is built.
        username = self.component.resolve("username")
        password = self.component.resolve("password")
        if password is None:
            # A local simple-auth-manager Airflow: use its generated admin password.
            username = username or "admin"
            password = generated_password(self.airflow_home, username)
        return AirflowClient(self.component.api_url, username, password)

    # --- deploy --------------------------------------------------------------------------------

    def deploy(
        self,
        pipeline: BasePipeline,
        *,
        stack: Stack,
        schedule: Schedule | None = None,
        dag_id: str | None = None,
        source: str | None = None,
        enable_cache: bool | None = None,
        client: AirflowClient | None = None,
        timeout: float = 120.0,
        images: ImagePolicy = "build",
        commit: bool = False,
    ) -> Deployment:
        """Write the DAG file into the dags folder and wait until Airflow has parsed it.

        ``images``: build (default) or require (``--no-build``) the pipeline image a step
        operator needs (see :func:`~zenml_airflow.compiler.compile.build_spec`).

        With a git DAG bundle (``dag_bundle_repo``) the DAG file goes into the bundle directory
        of the checkout holding the pipeline's code instead, that state is published (``commit``:
        committed and pushed; else it must be already, see
        :func:`~zenml_airflow.orchestrators.dag_bundle.publish`) and the wait is for Airflow to
        have parsed that very commit, so a run triggered next runs it.
        """
        spec, _ = build_spec(
            pipeline,
            stack=stack,
            schedule=schedule,
            dag_id=dag_id,
            source=source,
            enable_cache=enable_cache,
            images=images,
        )
        assert spec.dag_id is not None
        deployed: str = spec.dag_id
        bundle = self._bundle_checkout(spec)
        if bundle is not None:
            spec = spec.model_copy(update={"bundle": bundle.spec()})
            path = bundle.root / f"{deployed}.py"
        else:
            path = self.dags_folder / f"{deployed}.py"
        text = render_dag_file(spec, recompile="deploy")
        unchanged = path.exists() and path.read_text(encoding="utf-8") == text
        written_at = datetime.now(UTC)
        if not unchanged:
            write_atomically(path, text)
            self.console.print(f"Wrote DAG '{deployed}' to {path}")
        version = None
        if bundle is not None:
            from zenml_airflow.orchestrators.dag_bundle import publish

            version = publish(
                bundle, commit=commit, message=f"zenml-airflow: deploy DAG '{deployed}'"
            )
            self.console.print(
                f"DAG bundle '{bundle.name}': commit {version[:12]} on {bundle.branch}"
            )
        own_client = client is None
        client = client or self.client()
        try:
            self.wait_until_parsed(
                client,
                deployed,
                path,
                None if unchanged else written_at,
                timeout=timeout,
                bundle_version=version,
            )
            if self.component.unpause_on_deploy:
                client.set_paused(deployed, False)
        finally:
            if own_client:
                client.close()
        return Deployment(deployed, path)

    def _bundle_checkout(self, spec: PipelineSpec) -> BundleCheckout | None:
        """The checkout and bundle directory to deploy ``spec`` into, or None without a git
        DAG bundle."""
        component = self.component
        if component.dag_bundle_repo is None or component.dag_bundle_name is None:
            return None
        from zenml_airflow.orchestrators.dag_bundle import find_checkout

        return find_checkout(
            spec,
            name=component.dag_bundle_name,
            repo_url=component.dag_bundle_repo,
            branch=component.dag_bundle_branch,
            subdir=component.dag_bundle_subdir,
        )

    def _in_dags_folder(self, path: str | None) -> bool:
        if not path:
            return False
        folder = self.dags_folder.resolve()
        return folder in Path(path).resolve().parents

    def use_dag_file(
        self, pipeline: BasePipeline, path: Path, *, client: AirflowClient, timeout: float = 120.0
    ) -> Deployment:
        """Deploy a pipeline whose own file in the dags folder builds its DAG (``DAG = p.run()``).

        Nothing is written but the removal of a file this compiler generated earlier for the same
        DAG id, which would otherwise define the DAG a second time.
        """
        dag_id = check_dag_id(pipeline.name)
        compiled = self.dags_folder / f"{dag_id}.py"
        if compiled.resolve() != path.resolve() and compiled.is_file():
            try:
                spec_from_dag_file(compiled)
            except Exception:
                raise PipelineRunError(
                    f"{compiled} and {path} would both define the DAG '{dag_id}'. Rename one of "
                    "them, or name the pipeline differently."
                ) from None
            compiled.unlink()
            self.console.print(f"Removed {compiled}: {path.name} now defines DAG '{dag_id}'")
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        self.wait_until_parsed(client, dag_id, path, modified, timeout=timeout)
        if self.component.unpause_on_deploy:
            client.set_paused(dag_id, False)
        return Deployment(dag_id, path)

    def _request_parse(self, client: AirflowClient, dag: dict[str, Any] | None) -> None:
        """Ask Airflow to parse the file now instead of at its next folder scan: through the REST
        API for a file it already knows, else with ``airflow dags reserialize`` when that Airflow
        is installed here. Neither is required: its own folder scan finds the file eventually."""
        if dag is not None and dag.get("file_token"):
            try:
                client.request(
                    "PUT", f"/api/v2/parseDagFile/{dag['file_token']}", expect=(200, 201)
                )
                return
            except AirflowAPIError:
                pass
        local = self.local_airflow()
        try:
            airflow = local.airflow_executable()
        except LocalAirflowError:
            return  # Airflow is not installed here
        if not self.airflow_home.is_dir():
            return  # ... or runs elsewhere
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                [airflow, "dags", "reserialize"],
                env=local.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=120,
            )

    def wait_until_parsed(
        self,
        client: AirflowClient,
        dag_id: str,
        path: Path,
        since: datetime | None,
        *,
        timeout: float = 120.0,
        bundle_version: str | None = None,
    ) -> dict[str, Any]:
        """Wait until Airflow shows ``dag_id`` parsed from the current file (of commit
        ``bundle_version`` of a git DAG bundle: the version its next run gets); fail on import
        errors."""
        deadline = time.monotonic() + timeout
        asked = False
        started = time.monotonic()
        while True:
            errors = client.import_errors(path.name)
            if errors:
                detail = str(errors[0].get("stack_trace", "")).strip().splitlines()
                raise PipelineRunError(
                    f"Airflow could not import {path}:\n" + "\n".join(detail[-15:])
                )
            dag = client.get_dag(dag_id)
            if dag is not None and not dag.get("is_stale"):
                parsed = dag.get("last_parsed_time")
                if bundle_version is not None:
                    if dag.get("bundle_version") == bundle_version:
                        return dag
                elif since is None or (
                    parsed and datetime.fromisoformat(parsed.replace("Z", "+00:00")) >= since
                ):
                    return dag
            if not asked and time.monotonic() - started > 10:
                self._request_parse(client, dag)
                asked = True
            if time.monotonic() > deadline:
                if bundle_version is not None:
                    seen = dag.get("bundle_version") if dag is not None else None
                    raise PipelineRunError(
                        f"Airflow at {client.api_url} did not parse commit {bundle_version[:12]} "
                        f"of its DAG bundle within {timeout:.0f}s (it shows "
                        f"{(seen or 'no version')[:12]} for DAG '{dag_id}'). Is the bundle "
                        "configured in that Airflow (zenml-airflow stack up writes it)?"
                    )
                raise PipelineRunError(
                    f"Airflow at {client.api_url} did not pick up {path} within {timeout:.0f}s. Is its "
                    "dags folder this one? Lower [dag_processor] refresh_interval, or run "
                    "`airflow dags reserialize`."
                )
            time.sleep(0.5)

    # --- run -----------------------------------------------------------------------------------

    def trigger_and_wait(
        self,
        client: AirflowClient,
        dag_id: str,
        *,
        conf: dict[str, Any] | None = None,
        run_id: str | None = None,
        wait: bool = True,
        timeout: float = 3600.0,
    ) -> dict[str, Any]:
        """Trigger a DAG run; with ``wait``, follow it to the end printing task states."""
        dag_run = client.trigger(dag_id, conf=conf, run_id=run_id)
        run_id = dag_run["dag_run_id"]
        self.console.print(f"Triggered DAG '{dag_id}' run '{run_id}'")
        if not wait:
            return dag_run
        started = time.monotonic()

        def report(task_id: str, state: str | None) -> None:
            if state is None:
                return
            style = STATE_STYLES.get(state, "white")
            self.console.print(
                f"  {time.monotonic() - started:6.1f}s  {task_id:<24} [{style}]{state}[/]"
            )

        final = client.wait_for_dag_run(dag_id, run_id, timeout=timeout, on_task_change=report)
        if final["state"] != "success":
            failed = [
                ti for ti in client.task_instances(dag_id, run_id) if ti.get("state") == "failed"
            ]
            details = []
            for ti in failed:
                log = client.task_log(dag_id, run_id, ti["task_id"], int(ti.get("try_number") or 1))
                tail = "\n".join(f"    {line}" for line in log.strip().splitlines()[-12:])
                details.append(f"  task '{ti['task_id']}' failed; end of its log:\n{tail}")
            raise PipelineRunError(
                f"DAG run '{run_id}' of '{dag_id}' {final['state']}.\n" + "\n".join(details)
            )
        self.console.print(
            f"[green]DAG run '{run_id}' succeeded[/] in {time.monotonic() - started:.1f}s"
        )
        return final

    def run(
        self,
        pipeline: BasePipeline,
        *,
        stack: Stack,
        run_name: str | None,
        schedule: Schedule | None,
        enable_cache: bool | None,
        runtime_configuration: dict[str, Any],
    ) -> PipelineRunView | None:
        """Compile, deploy, trigger and wait; return the finished run's view.

        With a ``schedule`` the DAG is deployed on that schedule and not triggered now.
        """
        source = f"{pipeline.dag_filepath}" if pipeline.dag_filepath else None
        with self.client() as client:
            if self._in_dags_folder(pipeline.dag_filepath):
                # The seed's pattern: the file calling run() is itself a DAG file (`DAG = p.run()`).
                # Airflow builds the DAG from it; compiling a second file would define the DAG twice.
                assert pipeline.dag_filepath is not None
                deployment = self.use_dag_file(pipeline, Path(pipeline.dag_filepath), client=client)
            else:
                deployment = self.deploy(
                    pipeline, stack=stack, schedule=schedule, source=source, client=client
                )
            if schedule is not None:
                self.console.print(
                    f"Deployed '{deployment.dag_id}' on its schedule; Airflow runs it from now on."
                )
                return None
            conf: dict[str, Any] = dict(runtime_configuration)
            if run_name:
                conf[CONF_RUN_NAME] = run_name
            if enable_cache is not None:
                conf[CONF_ENABLE_CACHE] = enable_cache
            final = self.trigger_and_wait(client, deployment.dag_id, conf=conf, run_id=run_name)
        store = stack.metadata_store.open_store()
        record = store.get_run_by_orchestrator_id(
            pipeline.name, f"{deployment.dag_id}/{final['dag_run_id']}"
        )
        if record is None:
            raise StackError(
                f"DAG run '{final['dag_run_id']}' succeeded but wrote no run to the metadata store "
                f"{store.masked_url}. Do the stack's stores and Airflow's workers point at the same place?"
            )
        return get_run(store, record.id, stack.artifact_store.open_store())
