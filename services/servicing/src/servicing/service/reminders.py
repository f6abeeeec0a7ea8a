"""Use cases of service reminders: what is due, a date set by hand, the batch decisions (book,
postpone, cancel), and what a changed asset, an interval or a completed service job does to one."""

from __future__ import annotations

from datetime import date

from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import Conflict, ValidationFailed

from ..domain import rules
from ..store.models import KnownAsset, ReminderSend, ServiceReminder
from ..store.queries import ReminderFilters
from ..uow import ServicingUnitOfWork
from .common import today


def list_reminders(uow: ServicingUnitOfWork, filters: ReminderFilters, page: int, page_size: int):
    with uow:
        return uow.reminders.page(filters, page, page_size)


def get_reminder(uow: ServicingUnitOfWork, reminder_id: str) -> tuple[ServiceReminder, list[ReminderSend]]:
    with uow:
        reminder = uow.reminders.get(reminder_id)
        return reminder, uow.reminders.sends(reminder.id)


def set_due_date(
    uow: ServicingUnitOfWork, reminder_id: str, version: ExpectedVersion, due: date | None
) -> tuple[ServiceReminder, list[ReminderSend]]:
    """A next service date set by hand (None: worked out from the interval again)."""
    with uow:
        reminder = uow.reminders.get(reminder_id, lock=True)
        check_version(reminder.version, version)
        reminder.due_set_by_hand = due
        refresh(uow, reminder)
        uow.commit()
        return reminder, uow.reminders.sends(reminder.id)


def decide(
    uow: ServicingUnitOfWork, ids: list[str], decision: str, day: date | None, reason: str | None
) -> list[ServiceReminder]:
    """One decision on a selection, all or nothing: every reminder named must be this tenant's and
    waiting for a decision (due or postponed)."""
    with uow:
        errors = rules.decision_errors(decision, day, reason, today())
        if errors:
            raise ValidationFailed(errors)
        wanted = list(dict.fromkeys(str(i) for i in ids))
        found = {r.id: r for r in uow.reminders.by_ids(wanted)}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise ValidationFailed({"reminder_ids": [f"No service reminder with id {i}." for i in missing]})
        taken = [r for r in found.values() if r.status not in rules.DECIDABLE]
        if taken:
            raise Conflict(
                "Only reminders that are due or postponed can be decided on: "
                + ", ".join(f"{r.id} is {r.status}" for r in taken)
                + ".",
                reminder_ids=[r.id for r in taken],
            )
        for reminder in (found[i] for i in wanted):
            asset = uow.directory.asset(reminder.asset_id)
            summary = asset.summary if asset is not None else "asset"
            reminder.decide(decision, day, (reason or "").strip() or None, uow.context.actor, summary)
        uow.commit()
        return [found[i] for i in wanted]


# --- what events do to reminders ---------------------------------------------------------------------


def interval_of(uow: ServicingUnitOfWork, asset: KnownAsset) -> int | None:
    return rules.interval_for(
        uow.intervals.months("asset", asset.asset_id),
        uow.intervals.months("work_address", asset.work_address_id),
        uow.intervals.months("asset_group", asset.asset_group_id),
    )


def refresh(uow: ServicingUnitOfWork, reminder: ServiceReminder) -> None:
    """The reminder's interval and next service date worked out again from what is known now."""
    asset = uow.directory.asset(reminder.asset_id)
    if asset is None:
        return
    reminder.interval_months = interval_of(uow, asset)
    reminder.due_date = rules.next_service_date(
        set_by_hand=reminder.due_set_by_hand,
        last_service=reminder.last_service_date,
        installed=asset.install_date,
        months=reminder.interval_months,
    )


def follow_asset(uow: ServicingUnitOfWork, asset: KnownAsset) -> ServiceReminder | None:
    """An asset's reminder made, moved or dropped as its copy changed."""
    reminder = uow.reminders.of_asset(asset.asset_id)
    if asset.removed or not asset.customer_id:
        if reminder is not None:
            reminder.removed = True
        return reminder
    if reminder is None:
        reminder = ServiceReminder(tenant_id=uow.tenant_id, asset_id=asset.asset_id, status="due")
        uow.session.add(reminder)
    reminder.customer_id, reminder.work_address_id = asset.customer_id, asset.work_address_id
    refresh(uow, reminder)
    return reminder


def refresh_assets(uow: ServicingUnitOfWork, assets: list[KnownAsset]) -> None:
    for asset in assets:
        follow_asset(uow, asset)


def job_booked(uow: ServicingUnitOfWork, reminder_id: str, job_id: str) -> None:
    """billing made the job a booking asked for: its id goes on the reminder."""
    with uow:
        reminder = uow.reminders.of_id(reminder_id)
        if reminder is not None and reminder.status == "booked" and reminder.job_id is None:
            reminder.job_id = job_id
        uow.commit()


def booking_refused(uow: ServicingUnitOfWork, data: dict) -> None:
    """billing refused a booking (`service_reminder.booking_refused`): the reminder is due again,
    the reason kept. Only the booking it answers: still booked for that day and without a job (a
    redelivery, or a refusal heard after a later decision, changes nothing)."""
    with uow:
        reminder = uow.reminders.of_id(data["reminder_id"])
        day = data["date"] if isinstance(data["date"], date) else date.fromisoformat(str(data["date"]))
        if (
            reminder is not None
            and reminder.status == "booked"
            and reminder.job_id is None
            and reminder.booked_for == day
        ):
            reminder.booking_refused(data["reason"])
        uow.commit()


def service_done(uow: ServicingUnitOfWork, data: dict) -> None:
    """A service job completed: the asset's next service follows it (an older completion heard late
    changes nothing)."""
    with uow:
        reminder = uow.reminders.of_id(data.get("service_reminder_id")) or uow.reminders.of_asset(
            data.get("asset_id") or ""
        )
        done_at = data.get("completed_at")
        if reminder is None or reminder.removed or not done_at:
            return
        on = date.fromisoformat(str(done_at)[:10])
        if reminder.last_service_date is not None and on < reminder.last_service_date:
            return
        asset = uow.directory.asset(reminder.asset_id)
        months = interval_of(uow, asset) if asset is not None else reminder.interval_months
        reminder.interval_months = months
        reminder.serviced(
            on,
            data["id"],
            rules.next_service_date(set_by_hand=None, last_service=on, installed=None, months=months),
        )
        uow.commit()


def is_service_job(data: dict) -> bool:
    """A job booked from a reminder, or one on an asset whose category says it is a service."""
    if data.get("service_reminder_id"):
        return True
    return bool(data.get("asset_id")) and (data.get("category") or "").strip().lower() == "service"
