"""The SLA of a job at a property a contract covers (servicing's service plans), plain Python.

A job made at a covered work address is due a response within the plan's SLA hours of its making;
when several contracts cover the address the shortest SLA holds. Only a contract that is active
and whose term holds the day the job is made counts. A job completed after its due time, or still
open past it, is breached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta


def covering_hours(
    covers: Iterable[tuple[str | None, date | None, date | None, int | None]], day: date
) -> int | None:
    """The SLA hours that apply on `day`, of (status, start, end, hours) of the contracts covering
    the address, or None when none does."""
    hours = [
        h
        for status, start, end, h in covers
        if status == "active" and h and start is not None and end is not None and start <= day <= end
    ]
    return min(hours) if hours else None


def sla_due(made: datetime, hours: int) -> datetime:
    return made + timedelta(hours=hours)


def sla_late(due: datetime, at: datetime) -> bool:
    return at > due
