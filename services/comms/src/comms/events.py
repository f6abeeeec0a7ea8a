"""What the comms service publishes: the data of its events (schemas in the kit's catalogue).

What it consumes is in handlers.py.
"""

from __future__ import annotations

from .store.models import Email, Note


def note_snapshot(note: Note) -> dict:
    return {
        "id": note.id,
        "customer_id": note.customer_id,
        "work_address_id": note.work_address_id,
        "version": note.version,
        "text": note.text,
        "important": note.important,
        "do_not_work_with_again": note.do_not_work_with_again,
        "author": note.author,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


def _email_common(email: Email) -> dict:
    return {
        "email_id": email.id,
        "customer_id": email.customer_id,
        "work_address_id": email.work_address_id,
        "mass_email_id": email.mass_email_id,
        "statement_id": email.statement_id,
        "subject": email.subject,
        "attempts": email.attempts,
        "smtp_code": email.smtp_code,
    }


def email_sent_data(email: Email) -> dict:
    return {**_email_common(email), "to": email.to_address, "sent_at": email.sent_at}


def email_failed_data(email: Email, reason: str, permanent: bool = True) -> dict:
    return {
        **_email_common(email),
        "to": email.to_address or None,
        "reason": reason,
        "permanent": permanent,
        "failed_at": email.failed_at,
    }
