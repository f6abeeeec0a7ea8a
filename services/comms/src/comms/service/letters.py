"""Letters: what the office prints and posts. One is made where an email cannot go (a service
reminder to a customer who takes post but not email, or has no email address); listed for the
office (`to_print`, oldest first), drawn as a PDF on the tenant's letterhead (billing's document
settings, read when printed), one at a time or all those to print in one PDF, and marked printed.
Each has its line in the customer's communications log (kind `letter`)."""

from __future__ import annotations

from collections.abc import Callable

from fieldbook_shared import clock
from fieldbook_shared.db import utcnow
from fieldbook_shared.pdf import Letter as PrintedLetter
from fieldbook_shared.pdf import render_letters
from fieldbook_shared.problems import ValidationFailed

from ..domain.messages import fit, one_line
from ..store.models import CustomerCopy, Letter
from ..uow import CommsUnitOfWork
from .communications import log_outgoing

MAX_SUBJECT = 500
# the most letters one print run draws (the office prints the rest in the next)
MAX_PRINT_RUN = 200

Letterhead = Callable[[str], tuple[dict, bytes | None]]  # tenant_id → (document settings, logo)


def make_letter(
    uow: CommsUnitOfWork,
    *,
    customer: CustomerCopy,
    to_name: str | None,
    address_lines: list[str],
    subject: str,
    body: str,
    message_key: str | None = None,
    work_address_id: str | None = None,
    template_id: str | None = None,
    reason: str | None = None,
) -> Letter:
    """A letter written `to_print`, and its line in the customer's communications log."""
    now = utcnow()
    letter = Letter(
        tenant_id=uow.tenant_id,
        customer_id=customer.id,
        work_address_id=work_address_id,
        message_key=message_key,
        template_id=template_id,
        to_name=one_line(to_name) or None,
        address_lines=[one_line(line) for line in address_lines if line],
        letter_date=clock.today(),
        subject=fit(one_line(subject), MAX_SUBJECT),
        body=body,
        reason=reason,
        status="to_print",
        author=uow.context.actor,
        created_at=now,
    )
    uow.letters.add(letter)
    log_outgoing(uow, "letter", letter, letter.subject)
    return letter


def letters(uow: CommsUnitOfWork, status: str | None, customer_id: str | None, page: int, page_size: int):
    with uow:
        return uow.letters.page(customer_id, status, page, page_size)


def letter(uow: CommsUnitOfWork, letter_id: str) -> Letter:
    with uow:
        return uow.letters.get(str(letter_id))


def _printed(row: Letter) -> PrintedLetter:
    day = row.letter_date
    return PrintedLetter(
        to_lines=[line for line in (row.to_name, *(row.address_lines or [])) if line],
        date=f"{day.day} {day:%B %Y}",
        heading=row.subject,
        body=row.body,
    )


def _letterhead(uow: CommsUnitOfWork) -> tuple[dict, bytes | None]:
    read: Letterhead | None = getattr(uow, "letterhead", None)
    return read(uow.tenant_id) if read is not None else ({}, None)


def letter_pdf(uow: CommsUnitOfWork, letter_id: str) -> bytes:
    """One letter as a PDF (printing it does not mark it printed: the office says when it has)."""
    with uow:
        row = uow.letters.get(str(letter_id))
        settings, logo = _letterhead(uow)
        return render_letters([_printed(row)], settings, logo)


def print_run(uow: CommsUnitOfWork) -> tuple[bytes, list[str]]:
    """Every letter still to print (oldest first, at most MAX_PRINT_RUN) in one PDF, a letter a
    page or more, and their ids (what to mark printed once they are out of the printer)."""
    with uow:
        rows = uow.letters.to_print(MAX_PRINT_RUN)
        settings, logo = _letterhead(uow)
        return render_letters([_printed(r) for r in rows], settings, logo), [r.id for r in rows]


def mark_printed(uow: CommsUnitOfWork, letter_ids: list[str]) -> list[Letter]:
    """The letters printed (their log lines say so); all or nothing: an id that is not one of the
    tenant's letters is a 422 naming it. A letter printed already stays as it was (printed once)."""
    with uow:
        ids = list(dict.fromkeys(str(i) for i in letter_ids))
        rows = uow.letters.of_ids(ids)
        unknown = sorted(set(ids) - {r.id for r in rows})
        if unknown:
            raise ValidationFailed({"letter_ids": [f"No letter with the id {i}." for i in unknown]})
        now = utcnow()
        for row in rows:
            if row.status == "printed":
                continue
            row.printed(uow.context.actor, now)
            entry = uow.communications.of_message("letter", row.id)
            if entry is not None:
                entry.status = "printed"
        uow.commit()
        return rows
