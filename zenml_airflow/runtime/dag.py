"""``build_dag(spec)``: the one call a compiled DAG file makes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, CronTriggerTimetable, DeltaTriggerTimetable, Param

from zenml_airflow.core.spec import PipelineSpec, ScheduleSpec, StepSpec
from zenml_airflow.runtime.task import StepTask, asset_name, asset_uri, param_key

DAG_TAG = "zenml-airflow"


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _schedule(schedule: ScheduleSpec | None) -> dict[str, Any]:
    """DAG keyword arguments for a schedule (Airflow 3 timetables, see docs/airflow.md)."""
    if schedule is None:
        return {"schedule": None}
    timetable: Any
    if schedule.cron_expression is not None:
        if schedule.cron_expression == "@once":
            timetable = "@once"
        else:  # cron expressions and presets such as "@daily", in the schedule's time zone
            timetable = CronTriggerTimetable(schedule.cron_expression, timezone=schedule.timezone)
    else:
        assert schedule.interval_seconds is not None
        timetable = DeltaTriggerTimetable(timedelta(seconds=schedule.interval_seconds))
    # A schedule needs a start; without one we use a fixed date in the past (never "now", which
    # would change on every parse) and catch-up is off, so only the latest tick runs.
    start = _datetime(schedule.start_time) or datetime.fromisoformat("2020-01-01T00:00:00+00:00")
    return {
        "schedule": timetable,
        "start_date": start,
        "end_date": _datetime(schedule.end_time),
        "catchup": schedule.catchup,
    }


def _param_schema(value: Any) -> dict[str, Any]:
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    kind = kinds.get(type(value))
    if kind is None:
        return {}
    if kind == "number":
        return {"type": ["number", "integer"]}
    return {"type": kind}


def _params(spec: PipelineSpec) -> dict[str, Param]:
    """One trigger-form parameter per step config field, defaulting to the compiled value."""
    params: dict[str, Param] = {}
    for step in spec.steps:
        for field, value in step.parameters.items():
            params[param_key(step.name, field)] = Param(
                value,
                description=f"Parameter '{field}' of step '{step.name}'.",
                **_param_schema(value),
            )
    return params


def _task(spec: PipelineSpec, step: StepSpec) -> PythonOperator:
    extra: dict[str, Any] = {"retries": step.retries}
    if step.retry_delay_seconds is not None:
        extra["retry_delay"] = timedelta(seconds=step.retry_delay_seconds)
    if step.timeout_seconds is not None:
        extra["execution_timeout"] = timedelta(seconds=step.timeout_seconds)
    return PythonOperator(
        task_id=step.name,
        python_callable=StepTask(spec, step.name),
        outlets=[
            Asset(name=asset_name(spec.name, step.name, output), uri=asset_uri(spec.name, step.name, output))
            for output in step.outputs
        ],
        doc_md=step.docstring,
        **extra,
    )


def build_dag(spec_data: dict[str, Any] | PipelineSpec) -> DAG:
    """Build the Airflow DAG for a compiled pipeline spec: one task per step, wired by data."""
    spec = spec_data if isinstance(spec_data, PipelineSpec) else PipelineSpec.from_dict(spec_data)
    with DAG(
        dag_id=spec.dag_id or spec.name,
        params=_params(spec),
        tags=[DAG_TAG, f"pipeline:{spec.name}"],
        doc_md=f"zenml-airflow pipeline `{spec.name}` (compiled from `{spec.source or spec.name}`).",
        **_schedule(spec.schedule),
    ) as dag:
        tasks = {step.name: _task(spec, step) for step in spec.steps}
        for step in spec.steps:
            for upstream in step.upstream:
                tasks[upstream] >> tasks[step.name]
    return dag
