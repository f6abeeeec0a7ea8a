"""Service reminders servicing asks for (`service_reminder.send_requested`): one email — or one
letter — per `message_key`, whatever is redelivered or asked twice, to the customer's primary
contact, in the tenant's template for the stage ("Service reminder: first", "…: second",
"…: overdue") or a short default; with `[service_due_date]`, `[asset]` and `[work_address]` filled
in.

The channel is servicing's (the customer's and work address's preferences): `letter` makes a letter
for the office to print (service/letters.py), the template's subject its heading and its body the
letter's, addressed to the customer's name and postal address. An `email` to a customer comms knows
no email address for becomes a letter too when the customer (and its primary contact) take post;
otherwise a reminder is an automated email: a customer without an address, opted out or dormant is
not sent one (the email is recorded failed with the reason)."""

from __future__ import annotations

from datetime import date

from .. import directory
from ..domain import recipients, templates
from ..uow import CommsUnitOfWork
from .customers import fetcher
from .emails import fail_at_once, queue_email
from .letters import make_letter

LETTER_PREFERRED = "the customer's or work address's preferences: post, not email"
LETTER_NO_EMAIL = "no email address; the customer takes post"

TEMPLATE_NAMES = {stage: f"Service reminder: {stage}" for stage in ("first", "second", "overdue")}
DEFAULT_SUBJECTS = {
    "first": "Your service is due on [service_due_date]",
    "second": "Reminder: your service is due on [service_due_date]",
    "overdue": "Your service is overdue (due [service_due_date])",
}
DEFAULT_BODY = (
    "Dear [first_name] [last_name],\n\n"
    "Your [asset] at [work_address] is due its service on [service_due_date].\n"
    "Please get in touch to book a visit.\n\nKind regards\n"
)


def _text(uow: CommsUnitOfWork, stage: str) -> tuple[str, str, str | None]:
    template = uow.templates.by_name(TEMPLATE_NAMES[stage])
    if template is not None:
        return template.subject, template.body, template.id
    return DEFAULT_SUBJECTS[stage], DEFAULT_BODY, None


def _takes_post(view: recipients.CustomerView) -> bool:
    contact = view.primary_contact
    return view.person.preferences.get("letter") is not False and (
        contact is None or contact.preferences.get("letter") is not False
    )


def _postal_address(
    uow: CommsUnitOfWork, view: recipients.CustomerView, work_address_id: str | None
) -> list[str]:
    """The customer's address; a customer with none on the record: the work address's."""
    own = [view.address_line_1, view.address_line_2, view.town, view.postcode]
    if view.address_line_1 or view.postcode:
        return [line for line in own if line]
    site = uow.directory.work_address(work_address_id) if work_address_id else None
    return [] if site is None else [line for line in (site.address_line_1, site.postcode) if line]


def _addressee(view: recipients.CustomerView) -> str:
    r = recipients.recipient_of(view)
    return " ".join(p for p in (r.title, r.first_name, r.last_name) if p) or view.display_name or ""


def _why_a_letter(data: dict, view: recipients.CustomerView, recipient: recipients.Recipient) -> str | None:
    """Why this stage goes by post (None: by email): servicing asked for a letter, or for an email to
    a live customer comms has no email address for, who takes post."""
    if data.get("channel") == "letter":
        return LETTER_PREFERRED
    if not recipient.address and view.status != "dormant" and _takes_post(view):
        return LETTER_NO_EMAIL
    return None


def queue_service_reminder(uow: CommsUnitOfWork, data: dict) -> None:
    with uow:
        key = data["message_key"]
        if uow.emails.with_key(key) is not None or uow.letters.with_key(key) is not None:
            return  # this stage of this service date was sent (or tried) already
        customer = directory.ensure(uow, data["customer_id"], fetcher(uow))
        if customer is None:
            return  # deleted since, or not this tenant's
        view = directory.view_of(uow, customer)
        recipient = recipients.recipient_of(view)
        due = date.fromisoformat(str(data["service_due_date"]))
        values = {
            **recipients.placeholder_values(view),
            "service_due_date": f"{due.day} {due:%B %Y}",
            "asset": data.get("asset"),
            "work_address": data.get("work_address") or view.address_line_1,
        }
        subject, body, template_id = _text(uow, data["stage"])
        why = _why_a_letter(data, view, recipient)
        if why:
            make_letter(
                uow,
                customer=customer,
                to_name=_addressee(view),
                address_lines=_postal_address(uow, view, data.get("work_address_id")),
                subject=templates.render(subject, values),
                body=templates.render(body, values),
                message_key=key,
                work_address_id=data.get("work_address_id"),
                template_id=template_id,
                reason=why,
            )
            uow.commit()
            return
        email = queue_email(
            uow,
            customer=customer,
            to_address=recipient.address or "",
            to_name=recipient.name,
            subject=templates.render(subject, values),
            body=templates.render(body, values),
            work_address_id=data.get("work_address_id"),
            template_id=template_id,
        )
        email.message_key = key
        reason = recipients.skip_reason(view, automated=True)
        if reason:
            fail_at_once(uow, email, reason)
        uow.commit()
