"""Cron expressions Airflow would misread or that never fire are refused when the ``Schedule`` is
made (issue 14, "weak messages"); the core check needs no croniter (no Airflow in core)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from zenml_airflow.core.schedule import Schedule, never_fires


@pytest.mark.parametrize("expression", ["0 0 * * * *", "0 0 3 * * * 2026", "0 3 * *"])
def test_anything_but_five_fields_is_refused(expression: str) -> None:
    count = len(expression.split())
    with pytest.raises(
        ValidationError, match=rf"has {count} fields; it must have 5 fields \(minute hour"
    ):
        Schedule(cron_expression=expression)


@pytest.mark.parametrize(
    "expression",
    ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 feb *", "15 3 31 apr-apr ?", "0 0 31 2/12 *"],
)
def test_expressions_that_never_fire_are_refused(expression: str) -> None:
    with pytest.raises(ValidationError, match=r"never fires: no month it names has the day"):
        Schedule(cron_expression=expression)


@pytest.mark.parametrize(
    "expression",
    [
        "0 3 * * *",
        "0 0 29 2 *",  # leap years
        "0 0 31 * *",
        "0 0 30 2 1",  # day of month OR Monday: fires every Monday of February
        "0 0 31 2-4 *",  # March has a 31st
        "*/5 * * * *",
        "0 0 1-31/10 jan *",
        "0 0 L 2 *",  # not read by the small parser: left to the compile-time check
        "@daily",
    ],
)
def test_expressions_that_fire_are_accepted(expression: str) -> None:
    assert Schedule(cron_expression=expression).cron_expression == expression


def test_never_fires_does_not_judge_what_it_cannot_read() -> None:
    assert not never_fires(["0", "0", "30", "2", "MON"])
    assert not never_fires(["0", "0", "x", "2", "*"])
    assert not never_fires(["0", "0", "40", "2", "*"])  # out of range: invalid, not judged here
    assert never_fires(["0", "0", "30,31", "2", "*"])
