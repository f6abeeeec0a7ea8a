"""The periods of a recurring invoice (domain/recurrence.py): month ends, leap years, quarters and
years from the start, never drifting; statuses."""

from __future__ import annotations

from datetime import date

import pytest

from billing.domain import recurrence
from fieldbook_shared.problems import Conflict


def starts(start: date, frequency: str, count: int) -> list[date]:
    return [recurrence.period_start(start, frequency, i) for i in range(count)]


def test_a_monthly_schedule_from_the_31st_takes_each_months_last_day_and_comes_back_to_the_31st():
    assert starts(date(2027, 1, 31), "monthly", 6) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),  # from the start, not from 28 Feb: no drift to the 28th
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
    ]


def test_february_has_29_days_in_a_leap_year():
    assert recurrence.period_start(date(2028, 1, 31), "monthly", 1) == date(2028, 2, 29)
    assert recurrence.period_start(date(2028, 1, 30), "monthly", 1) == date(2028, 2, 29)
    assert recurrence.period_start(date(2027, 1, 29), "monthly", 1) == date(2027, 2, 28)
    assert recurrence.period_start(date(2100, 1, 31), "monthly", 1) == date(2100, 2, 28)  # not a leap year


def test_quarters_and_years_cross_the_year_end():
    assert starts(date(2027, 11, 30), "quarterly", 4) == [
        date(2027, 11, 30),
        date(2028, 2, 29),
        date(2028, 5, 30),
        date(2028, 8, 30),
    ]
    assert starts(date(2028, 2, 29), "yearly", 5) == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]
    assert recurrence.period_start(date(2027, 12, 15), "monthly", 1) == date(2028, 1, 15)


def test_a_period_ends_the_day_before_the_next_begins():
    assert recurrence.period_end(date(2027, 1, 31), "monthly", 0) == date(2027, 2, 27)
    assert recurrence.period_end(date(2027, 1, 31), "monthly", 1) == date(2027, 3, 30)
    assert recurrence.period_end(date(2028, 1, 1), "monthly", 1) == date(2028, 2, 29)
    assert recurrence.period_end(date(2027, 1, 1), "quarterly", 0) == date(2027, 3, 31)
    assert recurrence.period_end(date(2027, 1, 1), "yearly", 0) == date(2027, 12, 31)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert recurrence.add_months(date(2027, 8, 31), 1) == date(2027, 9, 30)
    assert recurrence.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert recurrence.add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)
    assert recurrence.add_months(date(2027, 1, 15), 24) == date(2029, 1, 15)


def test_the_schedule_is_over_once_a_period_would_start_after_the_end_date():
    start, end = date(2027, 1, 31), date(2027, 3, 31)
    assert not recurrence.is_over(start, "monthly", 2, end)  # 31 Mar: the last day, still invoiced
    assert recurrence.is_over(start, "monthly", 3, end)
    assert not recurrence.is_over(start, "monthly", 300, None)


def test_a_resumed_schedule_goes_on_from_the_first_period_starting_that_day_or_later():
    start = date(2027, 1, 31)
    assert recurrence.first_period_on_or_after(start, "monthly", 1, date(2027, 2, 28)) == 1
    assert recurrence.first_period_on_or_after(start, "monthly", 1, date(2027, 3, 1)) == 2
    assert recurrence.first_period_on_or_after(start, "monthly", 1, date(2027, 5, 1)) == 4


@pytest.mark.parametrize(
    ("status", "action", "new"),
    [
        ("active", "pause", "paused"),
        ("paused", "resume", "active"),
        ("active", "stop", "stopped"),
        ("paused", "stop", "stopped"),
    ],
)
def test_the_statuses_a_schedule_moves_through(status, action, new):
    assert recurrence.transition(status, action) == new


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("paused", "pause"),
        ("active", "resume"),
        ("stopped", "resume"),
        ("stopped", "stop"),
        ("ended", "pause"),
    ],
)
def test_a_change_its_status_does_not_allow_is_a_409(status, action):
    with pytest.raises(Conflict, match=f"that is {status} cannot be"):
        recurrence.transition(status, action)
