"""What the comms service consumes (queue `comms.events`): one handler per event type.

customers' customer.* / contact.* / work_address.* snapshots for the read model, customer.merged
(re-point to the survivor), customer.deleted / customer.erased (remove what comms holds about the
customer, its SMS too; its part in mass emails stays counted, without personal data), billing's
ledger.balance_changed (`[balance]`), billing's statement.generated (`send: true` → a
statement email with the PDF attached) and document.send_requested (an invoice, quote or credit
note emailed with its PDF attached); servicing's service_reminder.send_requested (one email per
message key).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select, update

from fieldbook_shared.events import Event
from fieldbook_shared.events.catalogue.customers import CUSTOMER_SNAPSHOTS

from . import directory
from .domain import recipients
from .service.admin_notices import queue_webhook_disabled_notice
from .service.emails import queue_document_email, queue_statement_email
from .service.service_reminders import queue_service_reminder
from .store.models import (
    Attachment,
    Communication,
    Email,
    EmailAttempt,
    Letter,
    MailingList,
    MassEmailRecipient,
    Note,
    Sms,
    WorkAddressCopy,
)
from .store.queries import repoint_customer
from .uow import CommsUnitOfWork


def on_customer_merged(uow: CommsUnitOfWork, event: Event) -> None:
    """Notes, the communications log, emails and places in mass emails of the merged customer move
    to the survivor."""
    survivor_id, merged_id = event.data["survivor_id"], event.data["merged_id"]
    repoint_customer(uow.session, uow.tenant_id, merged_id, survivor_id)
    for mailing_list in uow.mailing_lists.all():
        if merged_id in (mailing_list.customer_ids or []):
            ids = [survivor_id if i == merged_id else i for i in mailing_list.customer_ids]
            mailing_list.customer_ids = list(dict.fromkeys(ids))
    directory.tombstone(uow, merged_id, merged_into=survivor_id)


def _settle_mass_emails(session, tenant: str, customer_id: str) -> dict[str, int]:
    """A removed customer's part in mass emails, so each job's figures still add up to its total:
    what was sent or failed stays counted, its email kept without anything personal (no customer,
    address, name, subject, body or server reply); what was not sent yet is skipped ("customer
    deleted") and its email goes with the customer's other emails."""
    kept = list(
        session.scalars(
            select(Email.id).where(
                Email.tenant_id == tenant,
                Email.customer_id == customer_id,
                Email.mass_email_id.is_not(None),
                Email.status.in_(("sent", "failed")),
            )
        )
    )
    if kept:
        session.execute(
            update(Email)
            .where(Email.id.in_(kept))
            .values(
                customer_id=None,
                work_address_id=None,
                to_address="",
                to_name=None,
                subject="",
                body="",
                smtp_response=None,
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(EmailAttempt)
            .where(EmailAttempt.email_id.in_(kept))
            .values(detail=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Attachment)
            .where(Attachment.email_id.in_(kept))
            .execution_options(synchronize_session=False)
        )
    # its places in mass emails: under its id, or (merged into it while the job was running) through
    # the email it was written as
    its_emails = select(Email.id).where(Email.tenant_id == tenant, Email.customer_id == customer_id)
    mine = (MassEmailRecipient.tenant_id == tenant) & (
        (MassEmailRecipient.customer_id == customer_id) | MassEmailRecipient.email_id.in_(its_emails)
    )
    not_sent = (MassEmailRecipient.status == "pending") | (
        (MassEmailRecipient.status == "queued")
        & (MassEmailRecipient.email_id.is_(None) | MassEmailRecipient.email_id.not_in(kept))
    )
    skipped = session.execute(
        update(MassEmailRecipient)
        .where(mine, not_sent)
        .values(status="skipped", reason=recipients.SKIP_REMOVED, email_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"mass_email_recipients_skipped": skipped, "mass_emails_anonymised": len(kept)}


def on_customer_removed(uow: CommsUnitOfWork, event: Event) -> None:
    """Deleted or erased: what comms holds about the customer goes (notes, log, emails); its part in
    mass emails is settled so their figures still add up (`_settle_mass_emails`)."""
    customer_id = event.data["customer_id"]
    session, tenant = uow.session, uow.tenant_id
    settled = _settle_mass_emails(session, tenant, customer_id)
    deleted = {}
    for model, what in (
        (Note, "notes_deleted"),
        (Communication, "communications_deleted"),
        (Email, "emails_deleted"),
        (Sms, "sms_deleted"),
        (Letter, "letters_deleted"),
    ):
        deleted[what] = session.execute(
            delete(model)
            .where(model.tenant_id == tenant, model.customer_id == customer_id)
            .execution_options(synchronize_session=False)
        ).rowcount
    for mailing_list in session.scalars(select(MailingList).where(MailingList.tenant_id == tenant)):
        if customer_id in (mailing_list.customer_ids or []):
            mailing_list.customer_ids = [i for i in mailing_list.customer_ids if i != customer_id]
    contacts = uow.directory.contacts_of(customer_id)
    for contact in contacts:
        session.delete(contact)
    # its work addresses' copies stay as tombstones (a late work_address event finds them), emptied
    work_addresses = session.execute(
        update(WorkAddressCopy)
        .where(WorkAddressCopy.tenant_id == tenant, WorkAddressCopy.customer_id == customer_id)
        .values(name=None, address_line_1=None, postcode=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    row = directory.tombstone(uow, customer_id)
    for name in ("title", "first_name", "surname", "company_name", "display_name", "email", "phone"):
        setattr(row, name, None)
    row.address_line_1 = row.address_line_2 = row.town = row.postcode = None
    if event.type == "customer.erased":
        actions = {
            **deleted,
            **settled,
            "contact_copies_deleted": len(contacts),
            "work_address_copies_anonymised": work_addresses,
            "customer_copy_anonymised": True,
        }
        uow.publish(
            "customer.erasure_reported",
            {"customer_id": customer_id, "service": "comms", "actions": actions},
            subject=customer_id,
        )


def on_contact_snapshot(uow: CommsUnitOfWork, event: Event) -> None:
    directory.apply_contact(uow, event.data)


def on_contact_deleted(uow: CommsUnitOfWork, event: Event) -> None:
    directory.remove_contact(uow, event.data["id"], event.data["customer_id"])


def on_balance_changed(uow: CommsUnitOfWork, event: Event) -> None:
    """billing's ledger balance, for `[balance]`; a reading older than the one held is ignored."""
    row = uow.directory.customer(event.data["customer_id"])
    if row is None or row.removed:
        return
    as_of = datetime.fromisoformat(event.data["as_of"].replace("Z", "+00:00"))
    if row.balance_as_of is not None and row.balance_as_of >= as_of:
        return
    row.balance = Decimal(event.data["balance"])
    row.balance_as_of = as_of


def on_statement_generated(uow: CommsUnitOfWork, event: Event) -> None:
    """`send: true` → one statement email to the primary contact; the sender attaches the PDF."""
    if not event.data.get("send"):
        return
    queue_statement_email(
        uow,
        customer_id=event.data["customer_id"],
        statement_id=str(event.data["statement_id"]),
        as_at=event.data.get("as_at"),
        balance=event.data.get("balance"),
    )


def on_document_send_requested(uow: CommsUnitOfWork, event: Event) -> None:
    """One email per recipient asked for (default the primary contact); the sender attaches the
    PDF. A redelivered event is not handled twice (the kit's processed_events), so nothing is sent twice."""
    queue_document_email(uow, event.data)


def on_service_reminder(uow: CommsUnitOfWork, event: Event) -> None:
    """servicing's reminder chain: one email per message key (service/service_reminders.py)."""
    queue_service_reminder(uow, event.data)


def on_webhook_endpoint_disabled(uow: CommsUnitOfWork, event: Event) -> None:
    """A partner's endpoint failing for days was disabled: its admins are told by email."""
    queue_webhook_disabled_notice(uow, event.data)


HANDLERS = {
    **dict.fromkeys(CUSTOMER_SNAPSHOTS, directory.CUSTOMER_SNAPSHOT),
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_removed,
    "customer.erased": on_customer_removed,
    "contact.created": on_contact_snapshot,
    "contact.updated": on_contact_snapshot,
    "contact.primary_changed": on_contact_snapshot,
    "contact.deleted": on_contact_deleted,
    "work_address.created": directory.WORK_ADDRESS_SNAPSHOT,
    "work_address.updated": directory.WORK_ADDRESS_SNAPSHOT,
    "work_address.status_changed": directory.WORK_ADDRESS_SNAPSHOT,
    "ledger.balance_changed": on_balance_changed,
    "statement.generated": on_statement_generated,
    "document.send_requested": on_document_send_requested,
    "service_reminder.send_requested": on_service_reminder,
    "webhook_endpoint.disabled": on_webhook_endpoint_disabled,
}
