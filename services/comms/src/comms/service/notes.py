"""Notes on a customer or one of its work addresses; each has its line in the communications log."""

from __future__ import annotations

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import at_version

from ..domain.messages import summary
from ..store.models import Communication, Note
from ..uow import CommsUnitOfWork
from .customers import check_work_address, live_customer


def list_notes(
    uow: CommsUnitOfWork,
    customer_id: str,
    work_address_id: str | None,
    do_not_work_with_again: bool | None,
    page: int,
    page_size: int,
):
    with uow:
        live_customer(uow, customer_id)
        return uow.notes.of_customer(
            str(customer_id), work_address_id, page, page_size, do_not_work_with_again=do_not_work_with_again
        )


def add_note(uow: CommsUnitOfWork, customer_id: str, data: dict) -> Note:
    with uow:
        customer = live_customer(uow, customer_id)
        check_work_address(uow, customer.id, data.get("work_address_id"))
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
                summary=summary(note.text),
                pinned=note.important,
                note_id=note.id,
            )
        )
        note.record("note.created")
        uow.commit()
        return note


def get_note(uow: CommsUnitOfWork, note_id: str) -> Note:
    with uow:
        return uow.notes.get(note_id)


def update_note(uow: CommsUnitOfWork, note_id: str, expected_version: int | None, changes: dict) -> Note:
    with uow:
        note = at_version(uow.notes.get(note_id), expected_version)
        note.edit(changes, utcnow())
        entry = uow.communications.of_message("note", note.id)
        if entry is not None:
            entry.pinned = note.important
            entry.summary = summary(note.text)
        uow.commit()
        return note
