"""Recurring invoices' periods and statuses, in plain dates.

A schedule runs from its `start_date` in periods of one, three or twelve months. Period `n` (from
0) starts `n` steps after the start, on the start's day of the month, or on the month's last day
when the month is shorter: a schedule from 31 January runs 31 Jan, 28 (29) Feb, 31 Mar, 30 Apr...
Each period is computed from the start, never from the period before, so a short month does not
pull every later period back to the 28th. A period ends the day before the next one starts.

The invoice of a period is raised on the period's first day (billed in advance) and dated that day,
also when the worker raises it late (after downtime), so the invoices of a schedule are dated one
period apart whatever happened to the worker.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from fieldbook_shared.problems import Conflict

FREQUENCIES = {"monthly": 1, "quarterly": 3, "yearly": 12}
STATUSES = ("active", "paused", "stopped", "ended")


def add_months(start: date, months: int) -> date:
    """`start` moved by `months`, on the same day of the month or the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_start(start: date, frequency: str, index: int) -> date:
    """The first day of period `index` (0 is the period beginning on `start`)."""
    return add_months(start, FREQUENCIES[frequency] * index)


def period_end(start: date, frequency: str, index: int) -> date:
    """The last day of period `index`: the day before the next period starts."""
    return period_start(start, frequency, index + 1) - timedelta(days=1)


def is_over(start: date, frequency: str, index: int, end: date | None) -> bool:
    """Whether period `index` begins after the schedule's last day (there is nothing more to raise)."""
    return end is not None and period_start(start, frequency, index) > end


def first_period_on_or_after(start: date, frequency: str, index: int, day: date) -> int:
    """The first period from `index` on that starts on `day` or later: where a resumed schedule goes
    on (the periods that began while it was paused are not invoiced)."""
    while period_start(start, frequency, index) < day:
        index += 1
    return index


# what each change of a schedule's status needs, the status it leaves, and its word in the past
# (the event: recurring_invoice.paused / resumed / stopped)
TRANSITIONS = {
    "pause": ({"active"}, "paused"),
    "resume": ({"paused"}, "active"),
    "stop": ({"active", "paused"}, "stopped"),
}
DONE = {"pause": "paused", "resume": "resumed", "stop": "stopped"}


def transition(status: str, action: str) -> str:
    """The status after `action` (pause, resume, stop), or a 409 saying why not."""
    allowed, new = TRANSITIONS[action]
    if status not in allowed:
        raise Conflict(
            f"A recurring invoice that is {status} cannot be {DONE[action]}.", current_status=status
        )
    return new
