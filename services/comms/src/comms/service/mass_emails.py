"""Mass emails: a job of one personalised email per recipient, from customer ids or a mailing list.

The API creates the job (202) and answers its progress; the worker's mass-email loop
(sending.py) expands it here (`expand_mass_email`): each recipient becomes a queued email or a
skip with the reason.
"""

from __future__ import annotations

from datetime import datetime

from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import ValidationFailed

from .. import directory
from ..domain import recipients, templates
from ..store.models import MassEmail, MassEmailRecipient
from ..uow import CommsUnitOfWork
from .customers import fetcher, survivor_of
from .emails import NewAttachment, email_content, queue_email, store_attachments

MAX_MASS_RECIPIENTS = 10_000


def customer_ids_of(uow: CommsUnitOfWork, data: dict) -> tuple[list[str], str | None]:
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
        subject, body, template_id = email_content(uow, data)
        ids, list_id = customer_ids_of(uow, data)
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
        store_attachments(uow, attachments, mass_email_id=job.id)
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
        ids, _ = customer_ids_of(uow, data)
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
            row = directory.ensure(uow, r.customer_id, fetcher(uow))
            if row is None:
                r.status, r.reason = "skipped", recipients.SKIP_UNKNOWN
                continue
            primaries.update(uow.directory.primary_contacts([row.id]))
        if row.removed and row.merged_into:
            # merged since: the email goes to the survivor, unless it has a place of its own
            survivor = survivor_of(uow, row)
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
