"""Use cases of the comms service: one function per action, each taking a unit of work.

Every function that changes state publishes its event(s) through the outbox in the same
transaction and commits once. Emails are only *queued* here; the worker sends them (sending.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import Conflict, CustomerMerged, DomainError, NotFound, ValidationFailed

from . import directory, events
from .directory import CustomerFetcher
from .domain import recipients, templates
from .domain.messages import MAX_SUBJECT, fit, one_line
from .store.models import (
    Attachment,
    Communication,
    CustomerCopy,
    Email,
    EmailTemplate,
    MailingList,
    MassEmail,
    MassEmailRecipient,
    Note,
)
from .uow import CommsUnitOfWork

SUMMARY_CHARS = 500
MAX_MASS_RECIPIENTS = 10_000
MIB = 1024 * 1024


class PayloadTooLarge(DomainError):
    status = 413


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes


def _fetcher(uow: CommsUnitOfWork) -> CustomerFetcher | None:
    return getattr(uow, "customer_fetcher", None)


def _customer(uow: CommsUnitOfWork, customer_id: str) -> CustomerCopy:
    """A live customer of this tenant (fetched once from customers if not yet heard of), else 404;
    one merged into another is a 410 naming the survivor (`merged_into`, the kit's `CustomerMerged`)."""
    known = uow.directory.customer(str(customer_id))
    if known is not None and known.removed and known.merged_into:
        raise CustomerMerged(
            known.merged_into,
            f"That customer was merged into customer {known.merged_into}; its records are there now.",
        )
    row = directory.ensure(uow, str(customer_id), _fetcher(uow))
    if row is None:
        raise NotFound("No customer with that id.")
    return row


MAX_MERGE_HOPS = 10


def _survivor(uow: CommsUnitOfWork, row: CustomerCopy) -> CustomerCopy | None:
    """The live customer a merged one now lives on (following merges of merges); None when the
    trail ends at a deleted customer."""
    for _ in range(MAX_MERGE_HOPS):
        if not row.removed:
            return row
        if not row.merged_into:
            return None
        found = uow.directory.customer(row.merged_into) or directory.ensure(
            uow, row.merged_into, _fetcher(uow)
        )
        if found is None:
            return None
        row = found
    return None


def _check_work_address(uow: CommsUnitOfWork, customer_id: str, work_address_id: str | None) -> None:
    """A work address named on a record must be one of the customer's (as owner)."""
    if not work_address_id:
        return
    known = uow.directory.work_address(work_address_id)
    if known is not None:
        if known.customer_id != customer_id:
            raise ValidationFailed({"work_address_id": ["Not a work address of this customer."]})
        return
    fetch = getattr(uow, "work_address_fetcher", None)
    if fetch is not None:
        data = fetch(uow.tenant_id, customer_id, work_address_id)
        if data is None:
            raise ValidationFailed({"work_address_id": ["Not a work address of this customer."]})
        directory.apply_work_address(uow, {**data, "customer_id": data.get("customer_id", customer_id)})


def _summary(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


# --- notes ---------------------------------------------------------------------------------------


def list_notes(
    uow: CommsUnitOfWork,
    customer_id: str,
    work_address_id: str | None,
    do_not_work_with_again: bool | None,
    page: int,
    page_size: int,
):
    with uow:
        _customer(uow, customer_id)
        return uow.notes.of_customer(
            str(customer_id), work_address_id, page, page_size, do_not_work_with_again=do_not_work_with_again
        )


def add_note(uow: CommsUnitOfWork, customer_id: str, data: dict) -> Note:
    with uow:
        customer = _customer(uow, customer_id)
        _check_work_address(uow, customer.id, data.get("work_address_id"))
        now = utcnow()
        note = Note(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            work_address_id=data.get("work_address_id"),
            text=data["text"],
            important=bool(data.get("important", False)),
            do_not_work_with_again=bool(data.get("do_not_work_with_again", False)),
            author=uow.context.actor,
            created_at=now,
            updated_at=now,
        )
        uow.notes.add(note)
        uow.session.flush()
        uow.communications.add(
            Communication(
                tenant_id=uow.tenant_id,
                customer_id=customer.id,
                work_address_id=note.work_address_id,
                kind="note",
                direction="out",
                author=note.author,
                occurred_at=now,
                summary=_summary(note.text),
                pinned=note.important,
                note_id=note.id,
            )
        )
        uow.publish("note.created", events.note_snapshot(note), subject=note.id)
        uow.commit()
        return note


def get_note(uow: CommsUnitOfWork, note_id: str) -> Note:
    with uow:
        return uow.notes.get(note_id)


def update_note(uow: CommsUnitOfWork, note_id: str, expected_version: int | None, changes: dict) -> Note:
    with uow:
        note = uow.notes.get(note_id)
        if expected_version is not None:
            check_version(note.version, expected_version)
        for name in ("text", "important", "do_not_work_with_again"):
            if name in changes:
                setattr(note, name, changes[name])
        note.updated_at = utcnow()
        uow.session.flush()
        entry = uow.communications.of_note(note.id)
        if entry is not None:
            entry.pinned = note.important
            entry.summary = _summary(note.text)
        uow.publish("note.updated", events.note_snapshot(note), subject=note.id)
        uow.commit()
        return note


# --- communications log -----------------------------------------------------------------------


def customer_communications(
    uow: CommsUnitOfWork, customer_id: str, kind: str | None, page: int, page_size: int
):
    with uow:
        _customer(uow, customer_id)
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
        customer = _customer(uow, customer_id)
        _check_work_address(uow, customer.id, data.get("work_address_id"))
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


# --- templates -----------------------------------------------------------------------------------


def _check_placeholders(**texts: str | None) -> None:
    errors = templates.placeholder_errors(**texts)
    if errors:
        raise ValidationFailed(errors, detail="The text uses placeholders Fieldbook does not know.")


def list_templates(uow: CommsUnitOfWork, page: int, page_size: int) -> tuple[list[EmailTemplate], int]:
    with uow:
        return uow.templates.page(page, page_size)


def get_template(uow: CommsUnitOfWork, template_id: str) -> EmailTemplate:
    with uow:
        return uow.templates.get(template_id)


def save_template(
    uow: CommsUnitOfWork, data: dict, template_id: str | None = None, version: int | None = None
):
    with uow:
        if template_id is None:
            row = EmailTemplate(tenant_id=uow.tenant_id)
        else:
            row = uow.templates.get(template_id)
            if version is not None:
                check_version(row.version, version)
        for name in ("name", "subject", "body"):
            if name in data:
                setattr(row, name, data[name])
        _check_placeholders(subject=row.subject, body=row.body)
        with uow.session.no_autoflush:  # the changed row must not flush (and clash) before the check
            clash = uow.templates.by_name(row.name)
        if clash is not None and clash.id != row.id:
            raise Conflict(f"A template named {row.name!r} exists already.")
        row.updated_at = utcnow()
        uow.templates.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict(f"A template named {row.name!r} exists already.") from None
        uow.commit()
        return row


def delete_template(uow: CommsUnitOfWork, template_id: str) -> None:
    with uow:
        uow.session.delete(uow.templates.get(template_id))
        uow.commit()


# --- mailing lists -------------------------------------------------------------------------------


def list_mailing_lists(uow: CommsUnitOfWork, page: int, page_size: int) -> tuple[list[MailingList], int]:
    with uow:
        return uow.mailing_lists.page(page, page_size)


def get_mailing_list(uow: CommsUnitOfWork, list_id: str) -> MailingList:
    with uow:
        return uow.mailing_lists.get(list_id)


def save_mailing_list(
    uow: CommsUnitOfWork, data: dict, list_id: str | None = None, version: ExpectedVersion = None
) -> MailingList:
    with uow:
        if list_id is None:
            row = MailingList(tenant_id=uow.tenant_id)
        else:
            row = uow.mailing_lists.get(list_id)
            check_version(row.version, version)
        if "name" in data:
            row.name = data["name"]
        if "customer_ids" in data:
            row.customer_ids = list(dict.fromkeys(str(i) for i in data["customer_ids"]))
        with uow.session.no_autoflush:  # the changed row must not flush (and clash) before the check
            clash = uow.mailing_lists.by_name(row.name)
        if clash is not None and clash.id != row.id:
            raise Conflict(f"A mailing list named {row.name!r} exists already.")
        row.updated_at = utcnow()
        uow.mailing_lists.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict(f"A mailing list named {row.name!r} exists already.") from None
        uow.commit()
        return row


def delete_mailing_list(uow: CommsUnitOfWork, list_id: str) -> None:
    with uow:
        uow.session.delete(uow.mailing_lists.get(list_id))
        uow.commit()


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


def _store_attachments(uow: CommsUnitOfWork, attachments: list[NewAttachment], **owner: str) -> None:
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


def _content(uow: CommsUnitOfWork, data: dict) -> tuple[str, str, str | None]:
    """(subject, body, template id) from a template or the request's own text."""
    if data.get("template_id"):
        template = uow.templates.get(data["template_id"])
        return template.subject, template.body, template.id
    missing = {
        name: ["Required when no template_id is given."] for name in ("subject", "body") if not data.get(name)
    }
    if missing:
        raise ValidationFailed(missing)
    _check_placeholders(subject=data.get("subject"), body=data.get("body"))
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
        uow.communications.add(
            Communication(
                tenant_id=uow.tenant_id,
                customer_id=customer.id,
                work_address_id=work_address_id,
                kind="email",
                direction="out",
                author=email.author,
                occurred_at=now,
                subject=email.subject,
                summary=_summary(body),
                email_id=email.id,
                status="queued",
            )
        )
    return email


def send_email(uow: CommsUnitOfWork, data: dict, attachments: list[NewAttachment]) -> Email:
    """Queue one email: to a customer (rendered with its placeholders) and/or to an address."""
    with uow:
        subject, body, template_id = _content(uow, data)
        customer, values, to_name = None, {}, None
        to_address = data.get("to")
        if data.get("customer_id"):
            customer = _customer(uow, data["customer_id"])
            _check_work_address(uow, customer.id, data.get("work_address_id"))
            view = directory.view_of(uow, customer)
            if not data.get("to") and not recipients.recipient_of(view).address and _fetcher(uow):
                # a contact added a moment ago may not have reached us yet: ask customers once
                customer = directory.refresh(uow, customer.id, _fetcher(uow)) or customer
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
        _store_attachments(uow, attachments, email_id=email.id)
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
        customer = directory.ensure(uow, customer_id, _fetcher(uow))
        if customer is None:
            return  # deleted since, or not this tenant's: nobody to send it to
        view = directory.view_of(uow, customer)
        if not recipients.recipient_of(view).address and _fetcher(uow):
            customer = directory.refresh(uow, customer.id, _fetcher(uow)) or customer
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
            email.status = "failed"
            email.failed_at = utcnow()
            entry = uow.communications.of_email(email.id)
            if entry is not None:
                entry.status = "failed"
            uow.publish(
                "email.failed",
                events.email_failed_data(email, recipients.SKIP_NO_EMAIL, permanent=True),
                subject=email.id,
            )
        uow.commit()


# --- mass email ---------------------------------------------------------------------------------


def _mass_customer_ids(uow: CommsUnitOfWork, data: dict) -> tuple[list[str], str | None]:
    has_ids, has_list = bool(data.get("customer_ids")), bool(data.get("mailing_list_id"))
    if has_ids == has_list:
        raise ValidationFailed(
            {"customer_ids": ["Give either customer_ids or mailing_list_id (one of them)."]}
        )
    if has_list:
        mailing_list = uow.mailing_lists.get(data["mailing_list_id"])
        ids, list_id = list(mailing_list.customer_ids or []), mailing_list.id
        if not ids:
            raise ValidationFailed({"mailing_list_id": ["The mailing list is empty."]})
    else:
        ids, list_id = [str(i) for i in data["customer_ids"]], None
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_MASS_RECIPIENTS:
        raise ValidationFailed(
            {"customer_ids": [f"At most {MAX_MASS_RECIPIENTS} recipients per mass email."]}
        )
    return ids, list_id


def create_mass_email(uow: CommsUnitOfWork, data: dict, attachments: list[NewAttachment]) -> MassEmail:
    with uow:
        subject, body, template_id = _content(uow, data)
        ids, list_id = _mass_customer_ids(uow, data)
        job = MassEmail(
            tenant_id=uow.tenant_id,
            template_id=template_id,
            mailing_list_id=list_id,
            subject=subject,
            body=body,
            automated=data.get("automated", True),
            status="queued",
            total=len(ids),
            author=uow.context.actor,
            created_at=utcnow(),
        )
        uow.mass_emails.add(job)
        uow.session.flush()
        for position, customer_id in enumerate(ids):
            uow.session.add(
                MassEmailRecipient(
                    tenant_id=uow.tenant_id,
                    mass_email_id=job.id,
                    customer_id=customer_id,
                    position=position,
                    status="pending",
                )
            )
        _store_attachments(uow, attachments, mass_email_id=job.id)
        uow.commit()
        return job


def mass_email_progress(uow: CommsUnitOfWork, job: MassEmail) -> dict:
    p = uow.mass_emails.progress(job.id)
    return {
        "id": job.id,
        "status": job.status,
        "subject": job.subject,
        "automated": job.automated,
        "mailing_list_id": job.mailing_list_id,
        "template_id": job.template_id,
        "total": job.total,
        "sent": p["sent"],
        "skipped": p["skipped"],
        "failed": p["failed"],
        "pending": p["pending"] + p["sending"],
        "skipped_reasons": uow.mass_emails.skipped_reasons(job.id),
        "author": job.author,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def get_mass_email(uow: CommsUnitOfWork, job_id: str) -> dict:
    with uow:
        return mass_email_progress(uow, uow.mass_emails.get(job_id))


def list_mass_emails(uow: CommsUnitOfWork, page: int, page_size: int):
    with uow:
        jobs, total = uow.mass_emails.page(page, page_size)
        return [mass_email_progress(uow, j) for j in jobs], total


def mass_email_recipients(
    uow: CommsUnitOfWork, job_id: str, status: str | None, page: int, page_size: int
) -> tuple[list[dict], int]:
    """One page of the recipients with the status each shows; `status` keeps the rows showing it."""
    with uow:
        uow.mass_emails.get(job_id)
        rows, total = uow.mass_emails.recipients_page(job_id, status, page, page_size)
        return [
            {
                "customer_id": r.customer_id,
                "status": shown,
                "reason": r.reason,
                "email_id": r.email_id,
                "to": (email.to_address or None) if email else None,
            }
            for r, email, shown in rows
        ], total


def preview_recipients(uow: CommsUnitOfWork, data: dict, automated: bool) -> list[dict]:
    """Who a mass email would reach, from what comms knows now (no lookups): address or reason."""
    with uow:
        ids, _ = _mass_customer_ids(uow, data)
        known = uow.directory.customers(ids)
        primaries = uow.directory.primary_contacts(ids)
        out = []
        for customer_id in ids:
            row = known.get(customer_id)
            if row is None:
                out.append(
                    {
                        "customer_id": customer_id,
                        "status": "unknown",
                        "reason": "not heard of yet",
                        "to": None,
                    }
                )
                continue
            if row.removed and row.merged_into:
                survivor = uow.directory.customer(row.merged_into)
                if survivor is not None and not survivor.removed:
                    if survivor.id in ids:
                        out.append(
                            {
                                "customer_id": customer_id,
                                "status": "skipped",
                                "reason": recipients.SKIP_MERGED,
                                "to": None,
                            }
                        )
                        continue
                    row = survivor
                    primaries.update(uow.directory.primary_contacts([row.id]))
            if row.removed:
                out.append(
                    {
                        "customer_id": customer_id,
                        "status": "skipped",
                        "reason": recipients.SKIP_REMOVED,
                        "to": None,
                    }
                )
                continue
            view = directory.build_view(row, primaries.get(row.id))
            reason = recipients.skip_reason(view, automated=automated)
            r = recipients.recipient_of(view)
            out.append(
                {
                    "customer_id": customer_id,
                    "status": "skipped" if reason else "send",
                    "reason": reason,
                    "to": None if reason == recipients.SKIP_NO_EMAIL else r.address,
                    "name": r.name,
                }
            )
        return out


def expand_mass_email(uow: CommsUnitOfWork, job: MassEmail, now: datetime, wait_seconds: float) -> bool:
    """Turn pending recipients into queued emails or skips; True when none is left pending.

    A customer comms has not heard of yet waits (its events may be on their way) for up to
    `wait_seconds` after the job was made; then it is fetched once from customers, or skipped.
    """
    pending = uow.mass_emails.recipients(job.id, "pending")
    ids = [r.customer_id for r in pending]
    known = uow.directory.customers(ids)
    primaries = uow.directory.primary_contacts(ids)
    patient = (now - job.created_at).total_seconds() < wait_seconds
    in_job = {r.customer_id for r in uow.mass_emails.recipients(job.id)}
    left = 0
    for r in pending:
        row = known.get(r.customer_id)
        if row is None:
            if patient:
                left += 1
                continue
            row = directory.ensure(uow, r.customer_id, _fetcher(uow))
            if row is None:
                r.status, r.reason = "skipped", recipients.SKIP_UNKNOWN
                continue
            primaries.update(uow.directory.primary_contacts([row.id]))
        if row.removed and row.merged_into:
            # merged since: the email goes to the survivor, unless it has a place of its own
            survivor = _survivor(uow, row)
            if survivor is not None and survivor.id in in_job:
                r.status, r.reason = "skipped", recipients.SKIP_MERGED
                continue
            if survivor is not None:
                in_job.discard(r.customer_id)
                in_job.add(survivor.id)
                r.customer_id, row = survivor.id, survivor
                primaries.update(uow.directory.primary_contacts([row.id]))
        if row.removed:
            r.status, r.reason = "skipped", recipients.SKIP_REMOVED
            continue
        view = directory.build_view(row, primaries.get(row.id))
        reason = recipients.skip_reason(view, automated=job.automated)
        if reason:
            r.status, r.reason = "skipped", reason
            continue
        recipient = recipients.recipient_of(view)
        values = recipients.placeholder_values(view)
        email = queue_email(
            uow,
            customer=row,
            to_address=recipient.address,
            to_name=recipient.name,
            subject=templates.render(job.subject, values),
            body=templates.render(job.body, values),
            mass_email_id=job.id,
            template_id=job.template_id,
        )
        r.status, r.email_id = "queued", email.id
    return left == 0
