"""comms' part of a customer's timeline (the gateway merges it with the other services'): the
communications log, one entry a line — notes, emails, letters, calls and SMS, in or out."""

from fieldbook_shared.timeline import Source, timeline_blueprint

from ..store.models import Communication

NAMES = {"note": "Note", "email": "Email", "letter": "Letter", "call": "Call", "sms": "SMS"}


def _entry(line: Communication) -> dict:
    name = NAMES.get(line.kind, line.kind.capitalize())
    if line.kind == "email":
        name = f"Email {line.status or ('received' if line.direction == 'in' else 'sent')}"
    elif line.kind == "letter":
        name = f"Letter {'printed' if line.status == 'printed' else 'to print'}"
    elif line.kind in ("call", "sms"):
        name = f"{name} {'from' if line.direction == 'in' else 'to'} the customer"
    if line.note_id:
        link = f"/v1/notes/{line.note_id}"
    elif line.email_id:
        link = f"/v1/emails/{line.email_id}"
    elif line.sms_id:
        link = f"/v1/sms/{line.sms_id}"
    elif line.letter_id:
        link = f"/v1/letters/{line.letter_id}"
    else:
        link = f"/v1/customers/{line.customer_id}/communications"
    return {
        "title": f"{name}: {line.subject}" if line.subject else name,
        "summary": line.summary,
        "status": line.status,
        "links": {"self": link},
    }


SOURCES = [
    Source(
        ("call", "email", "letter", "note", "sms"),
        Communication,
        _entry,
        occurred_at="occurred_at",
        kind_column="kind",
    ),
]

blp = timeline_blueprint(SOURCES)
