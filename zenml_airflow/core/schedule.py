"""``Schedule``: when a pipeline runs on an orchestrator that schedules (Airflow).

Seed-era fields (``start_time``, ``end_time``, ``interval_second``, ``catchup``) plus 0.9's
``cron_expression``. Either a cron expression, or a start time and an interval, is required; when
both are given the cron expression wins (with a warning), as in ZenML 0.9::

    Schedule(cron_expression="0 3 * * *")
    Schedule(start_time=datetime(2026, 1, 1, tzinfo=timezone.utc), interval_second=3600)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

logger = logging.getLogger(__name__)

_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# The longest each month can be (February in a leap year): a day that no named month reaches
# never comes.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _cron_values(field: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    """The values a cron field names (``*``, ``5``, ``1-5``, ``*/15``, ``1-20/5``, lists, month
    names), or ``None`` for anything else (left to the full check at compile time)."""
    values: set[int] = set()
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, stop = low, high
            else:
                first, _, last = base.partition("-")
                start = names[first] if first in names else int(first)
                stop = (
                    (names[last] if last in names else int(last))
                    if last
                    else (high if step_text else start)
                )
        except ValueError:
            return None
        if step < 1 or not low <= start <= stop <= high:
            return None
        values.update(range(start, stop + 1, step))
    return values


def never_fires(fields: list[str]) -> bool:
    """Whether a 5-field cron expression names only impossible dates (``0 0 30 2 *``).

    Standard cron fires when the day of the month *or* the weekday matches if both are
    restricted, so only a restricted day of the month with an unrestricted weekday can name
    impossible dates. Fields this small parser does not read are not judged (``False``).
    """
    _, _, day_field, month_field, weekday_field = fields
    if weekday_field not in ("*", "?"):
        return False
    days = _cron_values(day_field, 1, 31, {})
    months = _cron_values(month_field, 1, 12, _MONTH_NAMES)
    if days is None or months is None:
        return False
    return min(days) > max(_MONTH_DAYS[month - 1] for month in months)


class Schedule(BaseModel):
    """When to run a pipeline. ``interval_second`` takes seconds (int) or a ``timedelta``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron_expression: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    interval_second: timedelta | None = None
    catchup: bool = False
    timezone: str | None = None

    @field_validator("interval_second", mode="before")
    @classmethod
    def _seconds_to_timedelta(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return timedelta(seconds=value)
        return value

    @field_validator("interval_second")
    @classmethod
    def _positive_interval(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value.total_seconds() <= 0:
            raise ValueError("interval_second must be positive")
        return value

    @field_validator("cron_expression")
    @classmethod
    def _cron_shape(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if value.startswith("@"):
            return value
        fields = value.split()
        if len(fields) != 5:
            # A 6th field means seconds (or years) to some cron dialects; Airflow's cron
            # timetables take exactly five, and would read the six differently.
            raise ValueError(
                f"cron_expression {value!r} has {len(fields)} fields; it must have 5 fields (minute "
                "hour day-of-month month day-of-week, e.g. '0 3 * * *') or be a preset such as '@daily'"
            )
        if never_fires(fields):
            raise ValueError(
                f"cron_expression {value!r} never fires: no month it names has the day(s) of the "
                "month it names (e.g. February has no 30th). Use a day that exists, e.g. "
                "'0 0 28 2 *'"
            )
        return value

    @model_validator(mode="after")
    def _cron_or_interval(self) -> Schedule:
        has_interval = self.start_time is not None and self.interval_second is not None
        if self.cron_expression is None and not has_interval:
            raise ValueError(
                "a Schedule needs either cron_expression, or start_time together with "
                "interval_second"
            )
        if self.cron_expression is not None and self.interval_second is not None:
            logger.warning(
                "Schedule has both cron_expression and interval_second; using the cron expression."
            )
        start, end = self.start_time, self.end_time
        # Mixed naive/aware times are compared by the compiler, in the schedule's time zone.
        if start and end and (start.tzinfo is None) == (end.tzinfo is None) and end <= start:
            raise ValueError("end_time must be after start_time")
        return self

    @staticmethod
    def _utc(value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()

    @property
    def utc_start_time(self) -> str | None:
        """The start time as an ISO string in UTC (naive times are taken as UTC)."""
        return self._utc(self.start_time)

    @property
    def utc_end_time(self) -> str | None:
        return self._utc(self.end_time)
