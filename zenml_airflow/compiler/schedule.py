"""From the user's ``Schedule`` to a checked ``ScheduleSpec`` (what becomes an Airflow timetable).

Everything that can be wrong with a schedule is caught here, at compile time, with the field named:
an invalid cron expression or time zone, a cron expression together with an interval, an end
before the start, catch-up without a start time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zenml_airflow.core.schedule import Schedule
from zenml_airflow.core.spec import ScheduleSpec
from zenml_airflow.exceptions import PipelineConfigurationError


def _check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PipelineConfigurationError(
            f"Schedule timezone {name!r} is not a known IANA time zone (e.g. 'UTC', 'Europe/Berlin')."
        ) from error


def _check_cron(expression: str) -> None:
    if expression.startswith("@"):
        presets = {
            "@once",
            "@hourly",
            "@daily",
            "@weekly",
            "@monthly",
            "@quarterly",
            "@yearly",
            "@annually",
            "@midnight",
        }
        if expression not in presets:
            raise PipelineConfigurationError(
                f"Schedule cron_expression {expression!r} is not a known preset ({', '.join(sorted(presets))})."
            )
        return
    try:
        from croniter import croniter
    except (
        ImportError
    ):  # pragma: no cover - croniter comes with Airflow; without it, trust the shape
        return
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise PipelineConfigurationError(
            f"Schedule cron_expression {expression!r} is not a valid cron expression "
            "(minute hour day-of-month month day-of-week: five fields, e.g. '0 3 * * *')."
        )
    from croniter import CroniterBadDateError

    try:
        # croniter gives up after some years without a match: an expression that names only
        # impossible dates ('0 0 30 2 *') would be a DAG that never runs.
        croniter(expression, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterBadDateError as error:
        raise PipelineConfigurationError(
            f"Schedule cron_expression {expression!r} never fires: no date matches it (e.g. "
            "February has no 30th). Use a day that exists."
        ) from error


def _iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).isoformat()


def to_schedule_spec(schedule: Schedule, *, timezone_name: str | None = None) -> ScheduleSpec:
    """Validate ``schedule`` for Airflow and describe it as data.

    Naive start/end times are taken in the schedule's time zone (default UTC).
    """
    zone_name = timezone_name or schedule.timezone or "UTC"
    zone = _check_timezone(zone_name)
    if schedule.cron_expression is not None and schedule.interval_second is not None:
        raise PipelineConfigurationError(
            "Schedule has both cron_expression and interval_second; Airflow runs a DAG on one "
            "timetable. Keep one of them."
        )
    if schedule.cron_expression is not None:
        _check_cron(schedule.cron_expression)
    if schedule.catchup and schedule.start_time is None:
        raise PipelineConfigurationError(
            "Schedule has catchup=True but no start_time: catch-up needs a start to catch up from."
        )
    if schedule.cron_expression == "@once" and schedule.start_time is None:
        raise PipelineConfigurationError("Schedule '@once' needs a start_time: the moment to run.")
    start, end = _iso(schedule.start_time, zone), _iso(schedule.end_time, zone)
    if start is not None and end is not None and end <= start:
        raise PipelineConfigurationError("Schedule end_time must be after start_time.")
    return ScheduleSpec(
        cron_expression=schedule.cron_expression,
        interval_seconds=schedule.interval_second.total_seconds()
        if schedule.interval_second
        else None,
        start_time=start,
        end_time=end,
        catchup=schedule.catchup,
        timezone=zone_name,
    )
