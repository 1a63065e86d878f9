"""``build_dag(spec, checksum=...)``: the one call a compiled DAG file makes.

The DAG is built from the spec's plain data. A sealed literal (the checksum the compiler wrote
matches) is used as it is; anything else is validated into a ``PipelineSpec`` first, so an edited
or foreign file fails to parse with the spec's own error (ADR 0013).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, CronTriggerTimetable, DeltaTriggerTimetable, Param

from zenml_airflow.core.spec_format import DAG_TAG, is_sealed, pipeline_tag
from zenml_airflow.runtime.task import (
    CompiledSpec,
    DagRunFailed,
    StepTask,
    asset_name,
    asset_uri,
    param_key,
)

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import PipelineSpec


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _schedule(schedule: dict[str, Any] | None) -> dict[str, Any]:
    """DAG keyword arguments for a schedule (Airflow 3 timetables, see docs/airflow.md)."""
    if schedule is None:
        return {"schedule": None}
    timetable: Any
    cron = schedule["cron_expression"]
    if cron is not None:
        if cron == "@once":
            timetable = "@once"
        else:  # cron expressions and presets such as "@daily", in the schedule's time zone
            timetable = CronTriggerTimetable(cron, timezone=schedule["timezone"])
    else:
        timetable = DeltaTriggerTimetable(timedelta(seconds=schedule["interval_seconds"]))
    # A schedule needs a start; without one we use a fixed date in the past (never "now", which
    # would change on every parse) and catch-up is off, so only the latest tick runs.
    start = _datetime(schedule["start_time"]) or datetime.fromisoformat("2020-01-01T00:00:00+00:00")
    return {
        "schedule": timetable,
        "start_date": start,
        "end_date": _datetime(schedule["end_time"]),
        "catchup": schedule["catchup"],
    }


def _param_schema(value: Any) -> dict[str, Any]:
    kinds = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }
    kind = kinds.get(type(value))
    if kind is None:
        return {}
    if kind == "number":
        return {"type": ["number", "integer"]}
    return {"type": kind}


def _params(steps: list[dict[str, Any]]) -> dict[str, Param]:
    """One trigger-form parameter per step config field, defaulting to the compiled value."""
    params: dict[str, Param] = {}
    for step in steps:
        for field, value in step["parameters"].items():
            params[param_key(step["name"], field)] = Param(
                value,
                description=f"Parameter '{field}' of step '{step['name']}'.",
                **_param_schema(value),
            )
    return params


def _task(spec: CompiledSpec, step: dict[str, Any]) -> PythonOperator:
    name = step["name"]
    extra: dict[str, Any] = {"retries": step["retries"]}
    if step["retry_delay_seconds"] is not None:
        extra["retry_delay"] = timedelta(seconds=step["retry_delay_seconds"])
    if step["timeout_seconds"] is not None:
        extra["execution_timeout"] = timedelta(seconds=step["timeout_seconds"])
    if step.get("queue"):  # absent from specs of version 3
        extra["queue"] = step["queue"]
    resources = step.get("resources")
    if resources:  # shown on the task in Airflow; container step operators apply them
        extra["resources"] = {
            key: resources[field]
            for key, field in (("cpus", "cpu"), ("ram", "memory_mb"), ("gpus", "gpu"))
            if resources[field] is not None
        }
    return PythonOperator(
        task_id=name,
        python_callable=StepTask(spec, name),
        outlets=[
            Asset(name=asset_name(spec.name, name, output), uri=asset_uri(spec.name, name, output))
            for output in step["outputs"]
        ],
        doc_md=step["docstring"],
        **extra,
    )


def spec_data(spec: dict[str, Any] | PipelineSpec, checksum: str | None = None) -> dict[str, Any]:
    """The spec as plain data every key of which is present: a sealed literal as it is, anything
    else validated (raising the spec's error for an invalid or newer spec)."""
    if is_sealed(spec, checksum):
        return spec  # type: ignore[return-value]  # is_sealed checked it is a dict
    from zenml_airflow.core.spec import PipelineSpec

    model = spec if isinstance(spec, PipelineSpec) else PipelineSpec.from_dict(spec)
    return model.model_dump(mode="json")


def build_dag(spec: dict[str, Any] | PipelineSpec, checksum: str | None = None) -> DAG:
    """Build the Airflow DAG for a compiled pipeline spec: one task per step, wired by data.

    ``checksum`` is the seal the compiler wrote next to the spec literal (see module docstring).
    """
    data = spec_data(spec, checksum)
    compiled = CompiledSpec(data)
    name = data["name"]
    with DAG(
        dag_id=data["dag_id"] or name,
        params=_params(data["steps"]),
        tags=[DAG_TAG, pipeline_tag(name)],
        doc_md=f"zenml-airflow pipeline `{name}` (compiled from `{data['source'] or name}`).",
        # Steps left running by a killed task are recorded as failed when the run fails.
        on_failure_callback=DagRunFailed(compiled),
        **_schedule(data["schedule"]),
    ) as dag:
        tasks = {step["name"]: _task(compiled, step) for step in data["steps"]}
        for step in data["steps"]:
            for upstream in step["upstream"]:
                tasks[upstream] >> tasks[step["name"]]
    return dag
