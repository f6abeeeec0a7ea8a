"""The rules of service plans and contracts, plain Python.

- a service plan: a price (Decimal) per billing period, visits a year, the SLA response time (hours
  from a job's creation at a covered property to the engineer's response) and what it covers;
- a contract puts a customer on a plan from `start_date` to `end_date` (both days covered), on some
  of the customer's work addresses and assets;
- at its end date a contract with auto-renew renews once: the next term starts the day after and
  is as long as the one that ends (whole months when the term was whole months, else as many days);
  one without auto-renew expires the day after its end date; a cancelled one stays cancelled.
"""

from __future__ import annotations

from datetime import date, timedelta

from .rules import add_months

BILLING_FREQUENCIES = ("monthly", "quarterly", "yearly", "one_off")
CONTRACT_STATUSES = ("active", "cancelled", "expired")
ACTIONS = ("renew", "cancel")


def term_months(start: date, end: date) -> int | None:
    """The term's length in whole months (start 1 Jan, end 31 Dec → 12), or None when it is not."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    return months if months > 0 and add_months(start, months) == after else None


def next_term(start: date, end: date) -> tuple[date, date]:
    """The term after the one from `start` to `end`: as long, starting the day after."""
    new_start = end + timedelta(days=1)
    months = term_months(start, end)
    if months is not None:
        return new_start, add_months(new_start, months) - timedelta(days=1)
    return new_start, new_start + (end - start)


def term_errors(start: date | None, end: date | None) -> dict[str, list[str]]:
    if start is not None and end is not None and end < start:
        return {"end_date": ["Must be on or after start_date."]}
    return {}


def what_is_due(status: str, end: date, auto_renew: bool, today: date) -> str | None:
    """What the end of a contract asks for today: `renew` (on its end date, with auto-renew),
    `expire` (after its end date, without), or None."""
    if status != "active":
        return None
    if auto_renew and today >= end:
        return "renew"
    if not auto_renew and today > end:
        return "expire"
    return None
