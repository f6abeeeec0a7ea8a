"""The communications log: a customer's (everything), a work address's (only what concerns it), and
calls, SMS or emails had outside Fieldbook written into it. Notes add their own lines; emails,
letters and SMS add theirs with `log_outgoing`."""

from __future__ import annotations

from typing import Any

from fieldbook_shared.db import utcnow

from ..domain.messages import summary
from ..store.models import Communication
from ..uow import CommsUnitOfWork
from .customers import check_work_address, live_customer


def customer_communications(
    uow: CommsUnitOfWork, customer_id: str, kind: str | None, page: int, page_size: int
):
    with uow:
        live_customer(uow, customer_id)
        return uow.communications.page(
            customer_id=str(customer_id), kind=kind, page=page, page_size=page_size
        )


def work_address_communications(
    uow: CommsUnitOfWork, work_address_id: str, kind: str | None, page: int, page_size: int
):
    """Only what concerns the work address: records made on it, never the owner's other ones."""
    with uow:
        return uow.communications.page(
            work_address_id=str(work_address_id), kind=kind, page=page, page_size=page_size
        )


def record_communication(uow: CommsUnitOfWork, customer_id: str, data: dict) -> Communication:
    """A call, SMS or email had outside Fieldbook, written into the log (in or out)."""
    with uow:
        customer = live_customer(uow, customer_id)
        check_work_address(uow, customer.id, data.get("work_address_id"))
        entry = Communication(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            work_address_id=data.get("work_address_id"),
            kind=data["kind"],
            direction=data["direction"],
            author=uow.context.actor,
            occurred_at=data.get("occurred_at") or utcnow(),
            subject=data.get("subject"),
            summary=data.get("summary"),
            pinned=bool(data.get("pinned", False)),
        )
        uow.communications.add(entry)
        uow.commit()
        return entry


def log_outgoing(uow: CommsUnitOfWork, kind: str, message: Any, subject: str | None) -> None:
    """The log line of a message comms sends (`kind` email, letter or sms: its row, just added),
    linked to it by `email_id`, `letter_id` or `sms_id`: one shape for all three, so the log reads
    alike. Its customer, work address, author, time, text and status are the message's."""
    uow.session.flush()  # the message's id, for the link
    uow.communications.add(
        Communication(
            tenant_id=uow.tenant_id,
            customer_id=message.customer_id,
            work_address_id=message.work_address_id,
            kind=kind,
            direction="out",
            author=message.author,
            occurred_at=message.created_at,
            subject=subject,
            summary=summary(message.body),
            status=message.status,
            **{f"{kind}_id": message.id},
        )
    )
