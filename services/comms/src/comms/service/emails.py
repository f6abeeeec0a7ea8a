"""Emails: one queued to a customer (its primary contact) or an address, with attachments; the
statement and document (invoice, quote, credit note) emails billing asks for. Emails are only
queued here: the worker sends them (sending.py), fetching billing's PDFs as it does.

`queue_email`, `email_content` and `store_attachments` serve mass emails too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import DomainError, NotFound, ValidationFailed

from .. import directory
from ..domain import recipients, templates
from ..domain.messages import MAX_SUBJECT, fit, one_line
from ..store.models import Attachment, ContactCopy, CustomerCopy, Email
from ..uow import CommsUnitOfWork
from .communications import log_outgoing
from .customers import check_work_address, fetcher, live_customer
from .templates import check_placeholders

MIB = 1024 * 1024


class PayloadTooLarge(DomainError):
    status = 413


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes


# --- attachments ---------------------------------------------------------------------------------


def decode_attachments(items: list[dict], limit: int) -> list[NewAttachment]:
    """base64 attachments from JSON → bytes; 422 for bad base64, 413 beyond `limit` in total."""
    out, errors = [], {}
    for i, item in enumerate(items or []):
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            errors[f"attachments.{i}.content_base64"] = ["Not valid base64."]
            continue
        out.append(
            NewAttachment(item["filename"], item.get("content_type") or "application/octet-stream", content)
        )
    if errors:
        raise ValidationFailed(errors)
    check_attachment_size(out, limit)
    return out


def check_attachment_size(attachments: list[NewAttachment], limit: int) -> None:
    total = sum(len(a.content) for a in attachments)
    if total > limit:
        raise PayloadTooLarge(
            f"Attachments total {total} bytes; at most {limit} bytes ({limit // MIB} MB) may be sent.",
            limit_bytes=limit,
            total_bytes=total,
        )


def store_attachments(uow: CommsUnitOfWork, attachments: list[NewAttachment], **owner: str) -> None:
    """The files of an email (`email_id=`) or of a mass email (`mass_email_id=`)."""
    for a in attachments:
        uow.session.add(
            Attachment(
                tenant_id=uow.tenant_id,
                filename=a.filename,
                content_type=a.content_type,
                size=len(a.content),
                content=a.content,
                **owner,
            )
        )


# --- emails ----------------------------------------------------------------------------------------


def email_content(uow: CommsUnitOfWork, data: dict) -> tuple[str, str, str | None]:
    """(subject, body, template id) from a template or the request's own text."""
    if data.get("template_id"):
        template = uow.templates.get(data["template_id"])
        return template.subject, template.body, template.id
    missing = {
        name: ["Required when no template_id is given."] for name in ("subject", "body") if not data.get(name)
    }
    if missing:
        raise ValidationFailed(missing)
    check_placeholders(subject=data.get("subject"), body=data.get("body"))
    return data["subject"], data["body"], None


def queue_email(
    uow: CommsUnitOfWork,
    *,
    customer: CustomerCopy | None,
    to_address: str,
    to_name: str | None,
    subject: str,
    body: str,
    work_address_id: str | None = None,
    mass_email_id: str | None = None,
    statement_id: str | None = None,
    template_id: str | None = None,
    document: dict | None = None,
) -> Email:
    """An email written `queued`, and its line in the customer's communications log."""
    now = utcnow()
    email = Email(
        tenant_id=uow.tenant_id,
        customer_id=customer.id if customer else None,
        work_address_id=work_address_id,
        mass_email_id=mass_email_id,
        statement_id=statement_id,
        template_id=template_id,
        document_kind=document and document["kind"],
        document_id=document and document["document_id"],
        document_number=document and document["number"],
        to_address=to_address,
        to_name=one_line(to_name) or None,
        subject=fit(one_line(subject), MAX_SUBJECT),  # a mass or statement email's subject may grow
        body=body,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        author=uow.context.actor,
        created_at=now,
    )
    uow.emails.add(email)
    uow.session.flush()
    if customer is not None:
        log_outgoing(uow, "email", email, email.subject)
    return email


def fail_at_once(uow: CommsUnitOfWork, email: Email, reason: str) -> None:
    """An email that cannot go (no address, an opted-out customer…): failed for good with the
    reason, and so is its line in the log."""
    email.mark_failed(utcnow(), reason, permanent=True)
    entry = uow.communications.of_message("email", email.id)
    if entry is not None:
        entry.status = "failed"


def send_email(uow: CommsUnitOfWork, data: dict, attachments: list[NewAttachment]) -> Email:
    """Queue one email: to a customer (rendered with its placeholders) and/or to an address."""
    with uow:
        subject, body, template_id = email_content(uow, data)
        customer, values, to_name = None, {}, None
        to_address = data.get("to")
        if data.get("customer_id"):
            customer = live_customer(uow, data["customer_id"])
            check_work_address(uow, customer.id, data.get("work_address_id"))
            view = directory.view_of(uow, customer)
            if not data.get("to") and not recipients.recipient_of(view).address and fetcher(uow):
                # a contact added a moment ago may not have reached us yet: ask customers once
                customer = directory.refresh(uow, customer.id, fetcher(uow)) or customer
                view = directory.view_of(uow, customer)
            values = recipients.placeholder_values(view)
            recipient = recipients.recipient_of(view)
            to_name = recipient.name
            to_address = to_address or recipient.address
            if to_address != recipient.address:
                values["email"] = to_address
        elif data.get("work_address_id"):
            raise ValidationFailed({"customer_id": ["Needed with work_address_id."]})
        if not to_address:
            field = "to" if not data.get("customer_id") else "customer_id"
            raise ValidationFailed(
                {field: ["No email address: the customer and its primary contact have none."]}
            )
        values.setdefault("email", to_address)
        subject = one_line(templates.render(subject, values))
        if len(subject) > MAX_SUBJECT:
            raise ValidationFailed(
                {
                    "subject": [
                        f"{len(subject)} characters once the placeholders are filled in; "
                        f"at most {MAX_SUBJECT}."
                    ]
                }
            )
        email = queue_email(
            uow,
            customer=customer,
            to_address=to_address,
            to_name=to_name,
            subject=subject,
            body=templates.render(body, values),
            work_address_id=data.get("work_address_id"),
            template_id=template_id,
        )
        store_attachments(uow, attachments, email_id=email.id)
        uow.commit()
        return email


def get_email(uow: CommsUnitOfWork, email_id: str) -> tuple[Email, list, list]:
    with uow:
        email = uow.emails.get(email_id)
        return email, uow.emails.attachments(email), uow.emails.attempts(email.id)


def list_emails(uow: CommsUnitOfWork, customer_id: str | None, status: str | None, page: int, page_size: int):
    with uow:
        return uow.emails.page(customer_id, status, page, page_size)


def queue_statement_email(
    uow: CommsUnitOfWork, customer_id: str, statement_id: str, as_at: str | None, balance: str | None = None
) -> None:
    """On billing's statement.generated with send: one email to the primary contact; the sender
    fetches the PDF from billing and attaches it. Without an address: recorded failed at once."""
    with uow:
        customer = directory.ensure(uow, customer_id, fetcher(uow))
        if customer is None:
            return  # deleted since, or not this tenant's: nobody to send it to
        view = directory.view_of(uow, customer)
        if not recipients.recipient_of(view).address and fetcher(uow):
            customer = directory.refresh(uow, customer.id, fetcher(uow)) or customer
            view = directory.view_of(uow, customer)
        recipient = recipients.recipient_of(view)
        values = recipients.placeholder_values(view)
        if balance is not None:  # the statement's own figure
            values["balance"] = templates.format_amount(balance)
        when = f" as at {as_at}" if as_at else ""
        subject = templates.render(f"Your statement{when} — [customer_name]", values)
        body = templates.render(
            f"Dear [first_name] [last_name],\n\nPlease find attached your statement of account{when}.\n"
            "Your balance is [balance].\n\nKind regards\n",
            values,
        )
        email = queue_email(
            uow,
            customer=customer,
            to_address=recipient.address or "",
            to_name=recipient.name,
            subject=subject,
            body=body,
            statement_id=statement_id,
        )
        if not recipient.address:
            fail_at_once(uow, email, recipients.SKIP_NO_EMAIL)
        uow.commit()


# --- documents billing asks to send -------------------------------------------------------------------

SKIP_NO_CONTACT = "no such contact of the customer"


SIGN_OFF = "Kind regards\n"


def _document_text(uow: CommsUnitOfWork, data: dict) -> tuple[str, str, str | None]:
    """(subject, body, template id): the template's, or a short note naming the document (its
    sign-off added after the message, `SIGN_OFF`). A template deleted since the request was made
    gives way to the note rather than to no email."""
    if data.get("template_id"):
        try:
            template = uow.templates.get(data["template_id"])
            return template.subject, template.body, template.id
        except NotFound:
            pass
    name = f"{data['kind'].replace('_', ' ')} {data['number']}"
    return (
        f"Your {name} — [customer_name]",
        f"Dear [first_name] [last_name],\n\nPlease find attached your {name}.\n\n",
        None,
    )


def contact_values(contact: ContactCopy) -> dict[str, str | None]:
    """A chosen contact's own name and address, in place of the primary contact's."""
    name = " ".join(p for p in (contact.first_name, contact.surname) if p)
    return {
        "title": contact.title,
        "first_name": contact.first_name,
        "last_name": contact.surname,
        "surname": contact.surname,
        "full_name": name,
        "email": contact.email,
    }


def _document_recipients(
    uow: CommsUnitOfWork, customer: CustomerCopy, values: dict, wanted: list[str]
) -> list[tuple[str, str | None, dict, str | None]]:
    """(address, name, placeholder values, why it cannot be sent) for each recipient asked for: a
    contact id (of this customer) or an address; none asked → the primary contact (or the
    customer's own email)."""
    if not wanted:
        address = values.get("email")
        return [
            (address or "", values.get("full_name"), values, None if address else recipients.SKIP_NO_EMAIL)
        ]
    out = []
    for item in dict.fromkeys(wanted):  # the same recipient twice gets one email
        if "@" in item:
            out.append((item, None, {**values, "email": item}, None))
            continue
        contact = uow.directory.contact(item.lower())
        if contact is None or contact.removed or contact.customer_id != customer.id:
            out.append(("", None, values, SKIP_NO_CONTACT))
            continue
        own = {**values, **contact_values(contact)}
        out.append(
            (contact.email or "", own["full_name"], own, None if contact.email else recipients.SKIP_NO_EMAIL)
        )
    return out


def queue_document_email(uow: CommsUnitOfWork, data: dict) -> None:
    """On billing's document.send_requested: one email per recipient with the template's (or a
    short default) text and the request's message; the sender fetches the document's PDF from
    billing and attaches it. A recipient without an address is recorded failed at once."""
    with uow:
        customer = directory.ensure(uow, data["customer_id"], fetcher(uow))
        if customer is None:
            return  # deleted since, or not this tenant's: nobody to send it to
        view = directory.view_of(uow, customer)
        if not data.get("to") and not recipients.recipient_of(view).address and fetcher(uow):
            customer = directory.refresh(uow, customer.id, fetcher(uow)) or customer
            view = directory.view_of(uow, customer)
        subject, body, template_id = _document_text(uow, data)
        message = (data.get("message") or "").strip()
        link = data.get("acceptance_url")
        answer_online = (
            f"You can read the {data['kind']} and accept or decline it online: {link}\n\n" if link else ""
        )
        for address, name, values, failure in _document_recipients(
            uow, customer, recipients.placeholder_values(view), data.get("to") or []
        ):
            # the sender's message as written (never read for placeholders): above a template's
            # text, or after the default note's line naming the document
            text = templates.render(body, values)
            if template_id:
                text = f"{message}\n\n{text}" if message else text
                text = f"{text.rstrip()}\n\n{answer_online}" if answer_online else text
            else:
                text = f"{text}{message}\n\n" if message else text
                text = f"{text}{answer_online}{SIGN_OFF}"
            email = queue_email(
                uow,
                customer=customer,
                to_address=address,
                to_name=name,
                subject=templates.render(subject, values),
                body=text,
                template_id=template_id,
                document=data,
            )
            if failure:
                fail_at_once(uow, email, failure)
        uow.commit()
