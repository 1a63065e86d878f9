"""What each page shows, as plain JSON-friendly dicts (the JSON API returns them as they are;
the HTML pages render them with templates). Every record read here is filtered by the viewer.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zenml_airflow.exceptions import DoesNotExistError, ZenMLAirflowError
from zenml_airflow.metadata.records import ArtifactRecord, RunRecord, StepRunRecord
from zenml_airflow.plugin.access import Viewer, run_dag_id
from zenml_airflow.plugin.stores import Catalog, StoreHandle
from zenml_airflow.visualizers.files import ArtifactFiles, UnsafePathError
from zenml_airflow.visualizers.html import artifact_properties, preview_record, run_lineage

STORE_KEY = re.compile(r"^[a-z0-9]{1,32}$")
ARTIFACT_ID = re.compile(r"^[0-9a-f]{32}$")
DAG_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 255
LAST_RUNS = 5
MAX_RUNS_LISTED = 200
#: Runs whose values are charted on a pipeline's page (the newest).
MAX_RUNS_CHARTED = 50


class NotFound(Exception):
    """Unknown, invalid or not visible to this user (the same answer for all three)."""


class StoreUnavailable(Exception):
    """A store the user may see cannot be read right now."""


class StoreRefused(Exception):
    """A DAG names a store the Airflow deployment has not allowed the plugin to read."""


def check_text(value: str, what: str, limit: int = MAX_NAME) -> str:
    if not value or len(value) > limit or _CONTROL.search(value):
        raise NotFound(f"Invalid {what}.")
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _duration(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds(), 3)


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


@dataclass
class Ctx:
    """One request: who asks, what they may see, and where our pages and Airflow's live."""

    viewer: Viewer
    catalog: Catalog
    visible: set[str]
    base: str  # URL path our app is mounted at ("/zenml" inside Airflow)
    airflow: str  # URL path of Airflow's UI root

    # --- links ---------------------------------------------------------------------------------

    def pipeline_href(self, key: str, name: str) -> str:
        return f"{self.base}/pipelines/{key}/{_q(name)}"

    def run_href(self, key: str, run_id: int) -> str:
        return f"{self.base}/runs/{key}/{run_id}"

    def step_href(self, key: str, step_id: int) -> str:
        return f"{self.base}/steps/{key}/{step_id}"

    def artifact_href(self, key: str, artifact_id: str) -> str:
        return f"{self.base}/artifacts/{key}/{artifact_id}"

    def airflow_run_href(self, dag_id: str, run_id: str) -> str:
        return f"{self.airflow}/dags/{_q(dag_id)}/runs/{_q(run_id)}"

    def airflow_task_href(self, dag_id: str, run_id: str, task_id: str) -> str:
        return f"{self.airflow_run_href(dag_id, run_id)}/tasks/{_q(task_id)}"

    # --- access --------------------------------------------------------------------------------

    def store(self, key: str) -> StoreHandle:
        if not STORE_KEY.match(key) or key not in self.visible or key not in self.catalog.stores:
            raise NotFound(f"No store {key!r}.")
        handle = self.catalog.stores[key]
        if handle.metadata is None:
            raise StoreUnavailable(
                f"The metadata store {handle.label} cannot be read: {handle.error}"
            )
        return handle

    def visible_run(self, handle: StoreHandle, run_id: int) -> RunRecord:
        assert handle.metadata is not None
        _fail_orphans(handle)
        run = handle.metadata.get_run_by_id(run_id)
        if run is None or not self.viewer.can_see_run(run):
            raise NotFound(f"No run {run_id}.")
        return run

    def visible_step(self, handle: StoreHandle, step_id: int) -> tuple[StepRunRecord, RunRecord]:
        assert handle.metadata is not None
        try:
            step = handle.metadata.get_step_run(step_id)
        except DoesNotExistError:
            raise NotFound(f"No step {step_id}.") from None
        return step, self.visible_run(handle, step.run_id)


# --- shared shapes ------------------------------------------------------------------------------


def run_code(run: RunRecord) -> str | None:
    """The code version a run ran: ``<bundle>@<commit>`` for a run of a git DAG bundle, else the
    commit of the checkout it was started from (``None`` when unknown)."""
    if not run.git_sha:
        return None
    bundle = (run.runtime_configuration or {}).get("dag_bundle") or {}
    name = bundle.get("name") if isinstance(bundle, dict) else None
    return f"{name}@{run.git_sha[:12]}" if name else run.git_sha[:12]


def run_dict(ctx: Ctx, key: str, run: RunRecord) -> dict[str, Any]:
    dag_id = run_dag_id(run)
    airflow_run_id = (run.orchestrator_run_id or "").partition("/")[2] if dag_id else None
    return {
        "id": run.id,
        "name": run.name,
        "pipeline": run.pipeline_name,
        "status": run.status.value,
        "orchestrator": run.orchestrator,
        "dag_id": dag_id,
        "airflow_run_id": airflow_run_id,
        "stack": run.stack_name,
        "code": run_code(run),
        "num_steps": run.num_steps,
        "created_at": _iso(run.created_at),
        "finished_at": _iso(run.finished_at),
        "duration": _duration(run.created_at, run.finished_at),
        "href": ctx.run_href(key, run.id),
        "airflow_href": ctx.airflow_run_href(dag_id, airflow_run_id)
        if dag_id and airflow_run_id
        else None,
    }


def artifact_ref(ctx: Ctx, key: str, name: str, record: ArtifactRecord) -> dict[str, Any]:
    return {
        "name": name,
        "id": record.id,
        "data_type": record.data_type,
        "size_bytes": record.size_bytes,
        "href": ctx.artifact_href(key, record.id),
    }


def step_dict(
    ctx: Ctx, key: str, step: StepRunRecord, run: RunRecord, *, io: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": step.id,
        "name": step.name,
        "entrypoint": step.entrypoint,
        "status": step.status.value,
        "try_number": step.try_number,
        "parameters": step.parameters,
        "cache_key": step.cache_key,
        # Filled in by step() only where the viewer may see the run that produced the outputs:
        # a link would name a step run of a run they may not see (issue 14).
        "cached_from": None,
        "error": step.error,
        "started_at": _iso(step.started_at),
        "finished_at": _iso(step.finished_at),
        "duration": _duration(step.started_at, step.finished_at),
        "href": ctx.step_href(key, step.id),
        "run_id": run.id,
        "airflow_href": None,
    }
    dag_id = run_dag_id(run)
    if dag_id:
        data["airflow_href"] = ctx.airflow_task_href(
            dag_id, (run.orchestrator_run_id or "").partition("/")[2], step.name
        )
    return data


# --- pages --------------------------------------------------------------------------------------


def index(ctx: Ctx) -> dict[str, Any]:
    """Pipelines with their last runs, per store the user may see."""
    stores = []
    for key in sorted(ctx.visible):
        handle = ctx.catalog.stores[key]
        entry: dict[str, Any] = {
            "key": key,
            "label": handle.label,
            "error": handle.error,
            "pipelines": [],
        }
        stores.append(entry)
        if handle.metadata is None:
            continue
        try:
            pipelines = handle.metadata.list_pipelines()
        except ZenMLAirflowError as error:  # one unreachable store must not hide the others
            entry["error"] = f"{type(error).__name__}: {error}"
            continue
        for pipeline in pipelines:
            total, last_runs = _newest_runs(ctx, handle, pipeline.name, LAST_RUNS)
            dags = sorted(
                d.dag_id for d in ctx.catalog.dags.values()
                if d.pipeline == pipeline.name and d.store_key == key and ctx.viewer.can_read_dag(d.dag_id)
            )  # fmt: skip
            if not total:
                continue
            entry["pipelines"].append(
                {
                    "name": pipeline.name,
                    "href": ctx.pipeline_href(key, pipeline.name),
                    "dags": dags,
                    "run_count": total,
                    "last_runs": [run_dict(ctx, key, r) for r in last_runs],
                }
            )
    problems = [
        {"dag_id": d.dag_id, "problem": d.problem}
        for d in sorted(ctx.catalog.dags.values(), key=lambda d: d.dag_id)
        if d.problem and ctx.viewer.can_read_dag(d.dag_id)
    ]
    return {"stores": stores, "dag_problems": problems}


def _fail_orphans(handle: StoreHandle) -> None:
    """Steps of this host whose process was killed show as failed, not running forever (the
    DAG-run callback settles those of other hosts; ``metadata/liveness.py``)."""
    from zenml_airflow.post_execution.views import fail_orphaned_step_runs

    assert handle.metadata is not None
    fail_orphaned_step_runs(handle.metadata)


def pipeline(ctx: Ctx, key: str, name: str) -> dict[str, Any]:
    handle = ctx.store(key)
    assert handle.metadata is not None
    check_text(name, "pipeline name")
    total, newest = _newest_runs(ctx, handle, name, MAX_RUNS_LISTED)
    if not total:
        raise NotFound(f"No pipeline {name!r}.")
    listed = [run_dict(ctx, key, r) for r in newest]
    trends = _trends(ctx, key, handle, list(reversed(newest[:MAX_RUNS_CHARTED])))
    return {"store": key, "name": name, "run_count": total, "runs": listed, "trends": trends}


def _trends(ctx: Ctx, key: str, handle: StoreHandle, runs: list[RunRecord]) -> list[dict[str, Any]]:
    """Scalar outputs and numeric artifact metadata across ``runs`` (oldest first)."""
    from zenml_airflow.visualizers.trends import SCALAR_MAX_BYTES, trend_series

    assert handle.metadata is not None
    outputs = handle.metadata.list_run_outputs([run.id for run in runs])

    def read_scalar(record: ArtifactRecord) -> object:
        if handle.artifacts is None:
            return None
        # Through ArtifactFiles: only inside the store's root, and a bounded read.
        raw = ArtifactFiles(handle.artifacts, record.uri).read("data.json", SCALAR_MAX_BYTES)
        return json.loads(raw)

    return [
        {
            "label": series.label,
            "points": [
                {"run": p.run, "value": p.value, "href": ctx.run_href(key, p.run_id)}
                for p in series.points
            ],
        }
        for series in trend_series(runs, outputs, read_scalar)
    ]


def _newest_runs(
    ctx: Ctx, handle: StoreHandle, name: str, limit: int
) -> tuple[int, list[RunRecord]]:
    """How many runs of pipeline ``name`` the user may see, and the newest ``limit`` of them
    (newest first): a count and one page, whatever the number of runs."""
    assert handle.metadata is not None
    dags = None if ctx.viewer.all_dags else ctx.viewer.readable_dags
    _fail_orphans(handle)
    total = handle.metadata.count_runs(name, airflow_dag_ids=dags)
    if not total:
        return 0, []
    newest = handle.metadata.list_runs(name, limit=limit, newest_first=True, airflow_dag_ids=dags)
    return total, newest


def run(ctx: Ctx, key: str, run_id: int) -> dict[str, Any]:
    handle = ctx.store(key)
    assert handle.metadata is not None
    record = ctx.visible_run(handle, run_id)
    steps = []
    lineage_input = []
    for step in handle.metadata.list_step_runs(record.id):
        inputs, outputs = handle.metadata.get_step_io(step.id)
        data = step_dict(ctx, key, step, record)
        data["inputs"] = [artifact_ref(ctx, key, n, a) for n, a in inputs.items()]
        data["outputs"] = [artifact_ref(ctx, key, n, a) for n, a in outputs.items()]
        steps.append(data)
        lineage_input.append((step.name, step.status.value, inputs, outputs))
    hrefs = {s["name"]: s["href"] for s in steps}
    graph = run_lineage(
        lineage_input,
        step_href=lambda name: hrefs[name],
        artifact_href=lambda artifact_id: ctx.artifact_href(key, artifact_id),
    )
    return {
        "store": key,
        "run": run_dict(ctx, key, record),
        "pipeline_href": ctx.pipeline_href(key, record.pipeline_name),
        "parameters": {s["name"]: s["parameters"] for s in steps},
        "steps": steps,
        "lineage_svg": graph,
    }


def step(ctx: Ctx, key: str, step_id: int, *, previews: bool = True) -> dict[str, Any]:
    handle = ctx.store(key)
    assert handle.metadata is not None
    record, run_record = ctx.visible_step(handle, step_id)
    inputs, outputs = handle.metadata.get_step_io(record.id)
    parents = handle.metadata.get_parent_step_runs(record.id)
    data = step_dict(ctx, key, record, run_record)
    if record.cached_from_step_run_id is not None:
        try:
            ctx.visible_step(handle, record.cached_from_step_run_id)
            data["cached_from"] = ctx.step_href(key, record.cached_from_step_run_id)
        except NotFound:
            pass  # from a run this viewer may not see: say it is cached, not where from
    data["inputs"] = [artifact_ref(ctx, key, n, a) for n, a in inputs.items()]
    data["outputs"] = [artifact_ref(ctx, key, n, a) for n, a in outputs.items()]
    if previews:
        for ref, artifact in zip(data["outputs"], outputs.values(), strict=True):
            ref["preview_html"] = preview_record(artifact, handle.artifacts).html
    data["parents"] = [{"name": p.name, "href": ctx.step_href(key, p.id)} for p in parents]
    return {"store": key, "step": data, "run": run_dict(ctx, key, run_record)}


def _artifact(
    ctx: Ctx, key: str, artifact_id: str
) -> tuple[StoreHandle, ArtifactRecord, dict[str, Any]]:
    handle = ctx.store(key)
    assert handle.metadata is not None
    if not ARTIFACT_ID.match(artifact_id):
        raise NotFound("Invalid artifact id.")
    try:
        record = handle.metadata.get_artifact(artifact_id)
        producer = handle.metadata.get_artifact_producer(artifact_id)
    except DoesNotExistError:
        raise NotFound(f"No artifact {artifact_id}.") from None
    links = handle.metadata.list_artifact_links(artifact_id)
    runs: dict[int, RunRecord | None] = {}

    def visible(run_id: int) -> RunRecord | None:
        if run_id not in runs:
            found = handle.metadata.get_run_by_id(run_id)  # type: ignore[union-attr]
            runs[run_id] = found if found is not None and ctx.viewer.can_see_run(found) else None
        return runs[run_id]

    producer_run = visible(producer.run_id)
    shown_links: list[dict[str, Any]] = []
    hidden = 0
    for kind, name, linked in links:
        linked_run = visible(linked.run_id)
        if linked_run is None:
            hidden += 1
            continue
        shown_links.append(
            {
                "kind": kind,
                "name": name,
                "step": step_dict(ctx, key, linked, linked_run, io=False),
                "run": run_dict(ctx, key, linked_run),
            }  # fmt: skip
        )
    if producer_run is None and not shown_links:
        raise NotFound(f"No artifact {artifact_id}.")
    data: dict[str, Any] = {
        "store": key,
        "artifact": {k.replace(" ", "_"): v for k, v in artifact_properties(record)},
        "metadata": record.metadata,
        "producer": (
            {
                "step": step_dict(ctx, key, producer, producer_run),
                "run": run_dict(ctx, key, producer_run),
            }
            if producer_run is not None
            else None
        ),  # fmt: skip
        "consumers": [link for link in shown_links if link["kind"] == "input"],
        "reused_by": [
            link
            for link in shown_links
            if link["kind"] == "output" and link["step"]["id"] != producer.id
        ],
        "hidden_links": hidden,
    }
    return handle, record, data


def artifact(ctx: Ctx, key: str, artifact_id: str) -> dict[str, Any]:
    handle, record, data = _artifact(ctx, key, artifact_id)
    files: list[dict[str, Any]] = []
    if handle.artifacts is not None:
        try:
            listing = ArtifactFiles(handle.artifacts, record.uri).list()
            files = [
                {"name": f.name, "size": f.size,
                 "href": f"{ctx.artifact_href(key, artifact_id)}/files/{urllib.parse.quote(f.name)}"}
                for f in listing
            ]  # fmt: skip
        except (UnsafePathError, OSError, Exception) as error:  # noqa: BLE001 - shown as a note
            data["files_error"] = str(error)
    data["files"] = files
    return data


def artifact_preview(ctx: Ctx, key: str, artifact_id: str) -> tuple[dict[str, Any], str]:
    handle, record, _ = _artifact(ctx, key, artifact_id)
    preview = preview_record(record, handle.artifacts)
    return preview.to_dict(), preview.html


def artifact_file(ctx: Ctx, key: str, artifact_id: str, name: str) -> tuple[ArtifactFiles, str]:
    """The artifact's files and the validated path of ``name`` inside them."""
    handle, record, _ = _artifact(ctx, key, artifact_id)
    if handle.artifacts is None:
        raise NotFound("No artifact store is known for this artifact.")
    try:
        files = ArtifactFiles(handle.artifacts, record.uri)
        files.path(name)
    except UnsafePathError as error:
        raise PathRejected(str(error)) from None
    return files, name


class PathRejected(Exception):
    """A file path from a request that would leave the artifact directory."""


# --- Airflow ids -> our pages -------------------------------------------------------------------


def resolve_dag(ctx: Ctx, dag_id: str) -> tuple[str, str]:
    """``(store key, pipeline name)`` of a zenml-airflow DAG the user may read."""
    if not DAG_ID.match(dag_id) or not ctx.viewer.can_read_dag(dag_id):
        raise NotFound(f"No DAG {dag_id!r}.")
    dag = ctx.catalog.dags.get(dag_id)
    if dag is None:
        raise NotFound(f"DAG {dag_id!r} is not a zenml-airflow pipeline.")
    if dag.refused:
        raise StoreRefused(
            f"The store of DAG {dag_id!r} is not configured for this UI: {dag.problem}"
        )
    if dag.store_key is None or dag.pipeline is None:
        raise StoreUnavailable(f"The store of DAG {dag_id!r} is unknown: {dag.problem}")
    ctx.store(dag.store_key)  # visible and readable
    return dag.store_key, dag.pipeline


def resolve_dag_run(ctx: Ctx, dag_id: str, run_id: str) -> tuple[str, RunRecord]:
    key, pipeline_name = resolve_dag(ctx, dag_id)
    check_text(run_id, "run id", 250)
    handle = ctx.store(key)
    assert handle.metadata is not None
    found = handle.metadata.get_run_by_orchestrator_id(pipeline_name, f"{dag_id}/{run_id}")
    if found is None:
        raise NotFound(
            f"No zenml-airflow run is recorded for DAG run {run_id!r} of {dag_id!r} yet: it is "
            "recorded when its first step starts."
        )
    return key, found


def resolve_task(ctx: Ctx, dag_id: str, run_id: str, task_id: str) -> tuple[str, int]:
    key, run_record = resolve_dag_run(ctx, dag_id, run_id)
    check_text(task_id, "task id", 250)
    handle = ctx.store(key)
    assert handle.metadata is not None
    for step_record in handle.metadata.list_step_runs(run_record.id):
        if step_record.name == task_id:
            return key, step_record.id
    raise NotFound(f"Step {task_id!r} of this run has not started yet.")
