"""The reminder chain, one reminder at a time: on the chain's day, the stage whose day has come
(first, second, overdue) is claimed once — a unique (reminder, service date, stage) row written
with the request to comms (`service_reminder.send_requested`, through the outbox) in one
transaction, or with the reason it is skipped. The request names the channel the customer's and
the work address's preferences allow (`email`, else `letter`: comms records a letter to print).
Two workers claiming the same stage: one inserts the row, the other's insert is refused and it
moves on; a worker killed mid-run either committed both or neither."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain import rules
from ..store.models import ReminderSend, ServiceReminder
from ..uow import ServicingUnitOfWork


def _claimed(uow: ServicingUnitOfWork, reminder: ServiceReminder, due: date, stage: str) -> bool:
    return (
        uow.session.scalar(
            select(ReminderSend.id).where(
                ReminderSend.tenant_id == uow.tenant_id,
                ReminderSend.reminder_id == reminder.id,
                ReminderSend.due_date == due,
                ReminderSend.stage == stage,
            )
        )
        is not None
    )


def _recipient(uow: ServicingUnitOfWork, reminder: ServiceReminder) -> rules.Recipient:
    customer = uow.directory.customer(reminder.customer_id)
    address = uow.directory.work_address(reminder.work_address_id)
    assert customer is not None
    return rules.Recipient(
        customer_status=customer.status,
        customer_blocked=customer.blocked,
        customer_removed=customer.removed,
        customer_preferences=customer.communication_preferences or {},
        address_status=address.status if address is not None and not address.removed else None,
        address_preferences=address.communication_preferences if address is not None else None,
    )


def remind(uow: ServicingUnitOfWork, reminder_id: str, today: date, offsets: rules.Offsets) -> str | None:
    """The stage sent (or skipped) for this reminder today, or None when there was nothing to do."""
    with uow:
        reminder = uow.reminders.of_id(reminder_id)
        if reminder is None or reminder.removed or reminder.status not in rules.DECIDABLE:
            return None
        due = reminder.due_date
        stage = rules.stage_on(due, today, offsets) if due is not None else None
        if due is None or stage is None or _claimed(uow, reminder, due, stage):
            return None
        if uow.directory.customer(reminder.customer_id) is None:
            return None  # its customer's events have not reached us yet: next time
        who = _recipient(uow, reminder)
        reason = rules.skip_reason(who)
        channel = None if reason else rules.channel_for(who)
        key = rules.message_key(reminder.id, due, stage)
        send = ReminderSend(
            tenant_id=uow.tenant_id,
            reminder_id=reminder.id,
            due_date=due,
            stage=stage,
            status="skipped" if reason else "requested",
            reason=reason,
            channel=channel,
            message_key=key,
            on_day=today,
        )
        try:
            with uow.session.begin_nested():
                uow.session.add(send)
                uow.session.flush()
        except IntegrityError:
            return None  # another worker claimed this stage first
        if reason is None:
            asset = uow.directory.asset(reminder.asset_id)
            address = uow.directory.work_address(reminder.work_address_id)
            uow.publish(
                "service_reminder.send_requested",
                {
                    "id": reminder.id,
                    "customer_id": reminder.customer_id,
                    "work_address_id": reminder.work_address_id,
                    "asset_id": reminder.asset_id,
                    "stage": stage,
                    "channel": channel,
                    "message_key": key,
                    "service_due_date": due,
                    "asset": asset.summary if asset is not None else "your appliance",
                    "work_address": address.one_line if address is not None else None,
                },
                subject=reminder.id,
            )
        uow.commit()
        return stage
