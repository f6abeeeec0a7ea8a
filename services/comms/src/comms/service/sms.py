"""SMS: one text to a customer's mobile (its primary contact's, or a named contact's), from text or
from an email template's body (the same placeholders), queued here and handed to the provider by
the worker (sms_sending.py); the provider's delivery receipts settle it.

The SMS preference is honoured: a customer, contact or work address with `sms: false` in its
communication preferences, or no mobile number, is not texted. The SMS is still written, `skipped`
with the reason, and so is its line in the log, so the office sees what was not sent and why.
"""

from __future__ import annotations

import logging

from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import Conflict, ValidationFailed

from .. import directory
from ..domain import recipients, templates
from ..domain import sms as rules
from ..store.models import ContactCopy, CustomerCopy, Sms
from ..uow import CommsUnitOfWork
from .communications import log_outgoing
from .customers import check_work_address, fetcher, live_customer
from .emails import contact_values
from .templates import check_placeholders

log = logging.getLogger("comms.sms")


def _text(uow: CommsUnitOfWork, data: dict) -> tuple[str, str | None]:
    """(body, template id): an email template's body (plain text; its subject is not sent), or the
    request's own text."""
    if data.get("template_id"):
        template = uow.templates.get(data["template_id"])
        return template.body, template.id
    if not data.get("body"):
        raise ValidationFailed({"body": ["Required when no template_id is given."]})
    check_placeholders(body=data["body"])
    return data["body"], None


def _contact(uow: CommsUnitOfWork, customer: CustomerCopy, contact_id: str | None) -> ContactCopy | None:
    """The contact named (one of this customer's), else the primary contact (None if it has none)."""
    if not contact_id:
        return uow.directory.primary_contacts([customer.id]).get(customer.id)
    contact = uow.directory.contact(contact_id.lower())
    if contact is None or contact.removed or contact.customer_id != customer.id:
        raise ValidationFailed({"contact_id": ["Not a contact of this customer."]})
    return contact


def _number(customer: CustomerCopy, contact: ContactCopy | None, named: bool) -> str | None:
    """A named contact's own mobile; else the primary contact's, else the customer's own phone."""
    phones = contact.phones if contact is not None else []
    return rules.mobile_of(phones, fallback=None if named else customer.phone)


def send_sms(uow: CommsUnitOfWork, data: dict) -> Sms:
    """Queue one SMS to the customer (or one of its contacts), about one of its work addresses if
    named; `skipped` with the reason when it must not go."""
    with uow:
        body, template_id = _text(uow, data)
        customer = live_customer(uow, data["customer_id"])
        work_address_id = data.get("work_address_id")
        check_work_address(uow, customer.id, work_address_id)
        named = bool(data.get("contact_id"))
        contact = _contact(uow, customer, data.get("contact_id"))
        if not named and not _number(customer, contact, named) and fetcher(uow):
            # a mobile added a moment ago may not have reached us yet: ask customers once
            customer = directory.refresh(uow, customer.id, fetcher(uow)) or customer
            contact = _contact(uow, customer, None)
        number = _number(customer, contact, named)
        values = recipients.placeholder_values(directory.view_of(uow, customer))
        if named and contact is not None:
            values.update(contact_values(contact))
        text = templates.render(body, values)
        if len(text) > rules.MAX_BODY:
            field = "template_id" if template_id else "body"
            raise ValidationFailed(
                {
                    field: [
                        f"{len(text)} characters once the placeholders are filled in; "
                        f"at most {rules.MAX_BODY}."
                    ]
                }
            )
        place = uow.directory.work_address(work_address_id) if work_address_id else None
        reason = rules.skip_reason(
            number,
            customer.communication_preferences,
            contact.communication_preferences if contact is not None else None,
            place.communication_preferences if place is not None else None,
        )
        now = utcnow()
        message = Sms(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            contact_id=contact.id if contact is not None else None,
            work_address_id=work_address_id,
            template_id=template_id,
            to_number=number,
            body=text,
            status="skipped" if reason else "queued",
            reason=reason,
            attempts=0,
            next_attempt_at=now,
            author=uow.context.actor,
            created_at=now,
        )
        uow.sms.add(message)
        log_outgoing(uow, "sms", message, f"Not sent: {reason}" if reason else None)
        uow.commit()
        if reason:
            log.info(
                "sms %s skipped: %s",
                message.id,
                reason,
                extra={"sms_id": message.id, "tenant_id": message.tenant_id, "customer_id": customer.id},
            )
        return message


def get_sms(uow: CommsUnitOfWork, sms_id: str) -> Sms:
    with uow:
        return uow.sms.get(sms_id)


def list_sms(uow: CommsUnitOfWork, customer_id: str | None, status: str | None, page: int, page_size: int):
    with uow:
        return uow.sms.page(customer_id, status, page, page_size)


def apply_receipt(uow: CommsUnitOfWork, sms_id: str, receipt: dict) -> Sms:
    """The provider's delivery receipt: `delivered` → delivered (`sms.delivered`); `failed`,
    `undelivered`, `rejected`, `expired` → failed (`sms.failed`); anything else is only noted.
    Idempotent: a repeated (or late) receipt for a settled SMS changes nothing. A receipt for an SMS
    the worker has not recorded as sent yet is a 409, which the provider retries."""
    with uow:
        message = uow.sms.get(sms_id, for_update=True)
        if message.status in (rules.DELIVERED, rules.FAILED):
            return message
        if message.status != "sent":
            raise Conflict(f"The SMS is {message.status}, not sent yet; send the receipt again later.")
        if message.provider_message_id != receipt["id"]:
            raise Conflict("The receipt's id is not the provider's id of this SMS.")
        status = receipt["status"]
        message.provider_status = status
        final = rules.FINAL.get(status)
        now = utcnow()
        if final == rules.DELIVERED:
            message.mark_delivered(now)
        elif final == rules.FAILED:
            said = " ".join(str(receipt.get(k) or "") for k in ("error_code", "error_message")).strip()
            message.mark_failed(now, f"{status}: {said}" if said else status)
        entry = uow.communications.of_message("sms", message.id)
        if entry is not None:
            entry.status = message.status
        uow.commit()
        return message
