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
        if not value.startswith("@") and len(value.split()) not in (5, 6):
            raise ValueError(
                f"cron_expression {value!r} must have 5 fields (minute hour day month weekday) "
                "or be a preset such as '@daily'"
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
