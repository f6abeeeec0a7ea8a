"""The rules of service reminders, plain Python.

- the interval that applies to an asset: its own, else its work address's, else its asset type's
  (the assets catalogue's asset group), else none (no reminder is worked out);
- the next service date: a date set by hand (or a postponement) wins; otherwise the last completed
  service (else the install date) plus the interval;
- the reminder chain: first and second reminders some days before the date, an overdue one some
  days after; on a given day the one stage whose day has come most recently is the one to send
  (a stage passed over while nobody ran the chain is not sent late, after the next one);
- who is not reminded, and why; how the others are reminded (email, else a letter to print).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES = ("due", "booked", "postponed", "cancelled")
DECISIONS = ("book", "postpone", "cancel")
# a decision is taken on a reminder that waits for one; a booked or cancelled one has had its answer
DECIDABLE = ("due", "postponed")

SKIP_DORMANT = "dormant customer"
SKIP_BLOCKED = "blocked customer"
SKIP_OPTED_OUT = "customer opted out of email and letter"
SKIP_REMOVED = "customer deleted"
SKIP_ADDRESS_DORMANT = "dormant work address"
SKIP_ADDRESS_OPTED_OUT = "work address opted out of email and letter"
SKIP_NO_CHANNEL = "customer and work address opted out of email and letter between them"
# how a stage reaches the customer, in the order tried: email first, else a letter the office prints
CHANNELS = ("email", "letter")


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; the 31st becomes the month's last day where it has fewer."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def interval_for(*months: int | None) -> int | None:
    """The first interval given, most specific first (asset, work address, asset type)."""
    return next((m for m in months if m), None)


def next_service_date(
    *, set_by_hand: date | None, last_service: date | None, installed: date | None, months: int | None
) -> date | None:
    if set_by_hand is not None:
        return set_by_hand
    since = last_service or installed
    if since is None or not months:
        return None
    return add_months(since, months)


@dataclass(frozen=True)
class Offsets:
    """Days before the service date of the first and second reminders, and after it of the overdue one."""

    first_before: int = 28
    second_before: int = 7
    overdue_after: int = 14

    def days(self, due: date) -> list[tuple[str, date]]:
        return [
            ("first", due - timedelta(days=self.first_before)),
            ("second", due - timedelta(days=self.second_before)),
            ("overdue", due + timedelta(days=self.overdue_after)),
        ]


def stage_on(due: date, today: date, offsets: Offsets) -> str | None:
    """The stage to send on `today` for a service due on `due`: the latest whose day has come."""
    reached = [stage for stage, day in offsets.days(due) if day <= today]
    return reached[-1] if reached else None


def message_key(reminder_id: str, due: date, stage: str) -> str:
    """The same for every attempt at one stage of one service date: what comms sends once."""
    return f"service-reminder:{reminder_id}:{due.isoformat()}:{stage}"


@dataclass(frozen=True)
class Recipient:
    """What the chain needs to know of a customer and the work address before reminding them."""

    customer_status: str | None
    customer_blocked: bool
    customer_removed: bool
    customer_preferences: dict
    address_status: str | None = None
    address_preferences: dict | None = None


def _allows(preferences: dict | None, channel: str) -> bool:
    """A channel is allowed unless the preferences say `false` for it (customers' default: all true)."""
    return (preferences or {}).get(channel) is not False


def channel_for(who: Recipient) -> str | None:
    """How to remind: `email` when the customer and the work address both allow email, else
    `letter` when both allow letters (someone who said no to email but not to post gets a letter to
    print); None when no channel is allowed by both."""
    for channel in CHANNELS:
        if _allows(who.customer_preferences, channel) and _allows(who.address_preferences, channel):
            return channel
    return None


def skip_reason(who: Recipient) -> str | None:
    """Why this reminder must not be sent (automated sends honour status and preferences); None: send."""
    if who.customer_removed:
        return SKIP_REMOVED
    if who.customer_status == "dormant":
        return SKIP_DORMANT
    if who.customer_blocked:
        return SKIP_BLOCKED
    if who.address_status is not None and who.address_status != "active":
        return SKIP_ADDRESS_DORMANT
    if channel_for(who) is not None:
        return None
    if not any(_allows(who.customer_preferences, c) for c in CHANNELS):
        return SKIP_OPTED_OUT
    if not any(_allows(who.address_preferences, c) for c in CHANNELS):
        return SKIP_ADDRESS_OPTED_OUT
    return SKIP_NO_CHANNEL


def decision_errors(decision: str, day: date | None, reason: str | None, today: date) -> dict[str, list[str]]:
    """What a batch decision lacks: a date to book or postpone to (not in the past), a reason to
    postpone or cancel."""
    errors: dict[str, list[str]] = {}
    if decision in ("book", "postpone"):
        if day is None:
            errors["date"] = [f"Required to {decision}."]
        elif day < today:
            errors["date"] = ["Must not be in the past."]
    if decision in ("postpone", "cancel") and not (reason or "").strip():
        errors["reason"] = [f"Required to {decision}."]
    return errors
