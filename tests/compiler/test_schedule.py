"""``to_schedule_spec``: a user's ``Schedule`` checked and turned into data, at compile time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from zenml_airflow.compiler.schedule import to_schedule_spec
from zenml_airflow.core.schedule import Schedule
from zenml_airflow.core.spec import ScheduleSpec
from zenml_airflow.exceptions import PipelineConfigurationError


def test_valid_cron_with_timezone() -> None:
    spec = to_schedule_spec(Schedule(cron_expression="0 3 * * 1-5", timezone="Europe/Berlin"))
    assert spec == ScheduleSpec(cron_expression="0 3 * * 1-5", timezone="Europe/Berlin")


@pytest.mark.parametrize("preset", ["@hourly", "@daily", "@weekly", "@monthly", "@yearly"])
def test_cron_presets_are_accepted(preset: str) -> None:
    assert to_schedule_spec(Schedule(cron_expression=preset)).cron_expression == preset


def test_interval_with_start() -> None:
    start = datetime(2026, 1, 1, 6, 30, tzinfo=UTC)
    spec = to_schedule_spec(Schedule(start_time=start, interval_second=5400))
    assert spec == ScheduleSpec(
        interval_seconds=5400.0, start_time="2026-01-01T06:30:00+00:00", timezone="UTC"
    )


def test_naive_times_are_taken_in_the_schedule_timezone_and_stored_as_utc() -> None:
    spec = to_schedule_spec(
        Schedule(
            cron_expression="0 3 * * *",
            timezone="Europe/Berlin",
            start_time=datetime(2026, 1, 15, 3, 0),  # CET, UTC+1
            end_time=datetime(2026, 7, 15, 3, 0),  # CEST, UTC+2
        )
    )
    assert spec.start_time == "2026-01-15T02:00:00+00:00"
    assert spec.end_time == "2026-07-15T01:00:00+00:00"
    assert spec.timezone == "Europe/Berlin"


def test_aware_times_are_converted_to_utc() -> None:
    new_york = timezone(timedelta(hours=-5))
    spec = to_schedule_spec(
        Schedule(start_time=datetime(2026, 1, 1, 22, 0, tzinfo=new_york), interval_second=60)
    )
    assert spec.start_time == "2026-01-02T03:00:00+00:00"


def test_catchup_with_start_is_kept() -> None:
    spec = to_schedule_spec(
        Schedule(cron_expression="@daily", start_time=datetime(2026, 1, 1), catchup=True)
    )
    assert (spec.catchup, spec.start_time) == (True, "2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize("expression", ["61 * * * *", "* 25 * * *", "0 3 * * mon-xyz", "a b c d e"])
def test_invalid_cron_is_refused(expression: str) -> None:
    with pytest.raises(
        PipelineConfigurationError, match=r"is not a valid cron expression \(minute hour"
    ):
        to_schedule_spec(Schedule(cron_expression=expression))


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(
        PipelineConfigurationError, match=r"'@fortnightly' is not a known preset \(@annually"
    ):
        to_schedule_spec(Schedule(cron_expression="@fortnightly"))


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "not a zone", "../etc/passwd"])
def test_unknown_timezone_is_refused(zone: str) -> None:
    with pytest.raises(PipelineConfigurationError, match="is not a known IANA time zone"):
        to_schedule_spec(Schedule(cron_expression="0 3 * * *", timezone=zone))


def test_cron_together_with_interval_is_refused() -> None:
    with pytest.raises(
        PipelineConfigurationError, match="both cron_expression and interval_second"
    ):
        to_schedule_spec(
            Schedule(
                cron_expression="0 3 * * *", interval_second=60, start_time=datetime(2026, 1, 1)
            )
        )


def test_catchup_without_start_time_is_refused() -> None:
    with pytest.raises(PipelineConfigurationError, match="catchup=True but no start_time"):
        to_schedule_spec(Schedule(cron_expression="0 3 * * *", catchup=True))


@pytest.mark.parametrize(
    "end", [datetime(2025, 12, 31), datetime(2026, 1, 1)], ids=["before", "equal"]
)
def test_end_not_after_start_is_refused(end: datetime) -> None:
    start = datetime(2026, 1, 1)
    with pytest.raises(ValidationError, match="end_time must be after start_time"):
        Schedule(cron_expression="@daily", start_time=start, end_time=end)
    # The compiler checks again (in UTC), whatever built the Schedule.
    unchecked = Schedule.model_construct(cron_expression="@daily", start_time=start, end_time=end)
    with pytest.raises(PipelineConfigurationError, match="end_time must be after start_time"):
        to_schedule_spec(unchecked)


def test_end_before_start_across_timezones_is_refused() -> None:
    """18:00 in New York is after 22:00 in UTC the same day: the comparison happens in UTC."""
    new_york = timezone(timedelta(hours=-5))
    unchecked = Schedule.model_construct(
        cron_expression="@daily",
        start_time=datetime(2026, 1, 1, 23, 30, tzinfo=new_york),  # 04:30 UTC on Jan 2
        end_time=datetime(2026, 1, 2, 1, 0, tzinfo=UTC),
    )
    with pytest.raises(PipelineConfigurationError, match="end_time must be after start_time"):
        to_schedule_spec(unchecked)


def test_once_without_start_is_refused() -> None:
    with pytest.raises(PipelineConfigurationError, match="'@once' needs a start_time"):
        to_schedule_spec(Schedule(cron_expression="@once"))


def test_naive_start_with_aware_end_is_compared_in_the_schedule_timezone() -> None:
    schedule = Schedule(
        cron_expression="0 3 * * *",
        timezone="Europe/Berlin",
        start_time=datetime(2026, 1, 1, 0, 0),
        end_time=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert to_schedule_spec(schedule).end_time == "2026-02-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 0 30 2 *", r"'0 0 30 2 \*' never fires: no date matches it"),
        (
            "0 0 * * * *",
            r"is not a valid cron expression \(minute hour day-of-month month day-of-week: five fields",
        ),
    ],
)
def test_compile_time_check_refuses_what_the_schedule_did_not_check(
    expression: str, message: str
) -> None:
    # A Schedule built without validation (model_construct) still meets croniter's check.
    schedule = Schedule.model_construct(cron_expression=expression, catchup=False)
    with pytest.raises(PipelineConfigurationError, match=message):
        to_schedule_spec(schedule)
