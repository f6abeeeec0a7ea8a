"""Service reminders servicing asks for (`service_reminder.send_requested`): one email per
`message_key`, whatever is redelivered or asked twice, to the customer's primary contact, in the
tenant's template for the stage ("Service reminder: first", "…: second", "…: overdue") or a short
default; with `[service_due_date]`, `[asset]` and `[work_address]` filled in. A reminder is an
automated email: a customer without an address, opted out or dormant is not sent one (the email is
recorded failed with the reason)."""

from __future__ import annotations

from datetime import date

from .. import directory
from ..domain import recipients, templates
from ..uow import CommsUnitOfWork
from .customers import fetcher
from .emails import fail_at_once, queue_email

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


def queue_service_reminder(uow: CommsUnitOfWork, data: dict) -> None:
    with uow:
        if uow.emails.with_key(data["message_key"]) is not None:
            return  # this stage of this service date was emailed (or tried) already
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
        email.message_key = data["message_key"]
        reason = recipients.skip_reason(view, automated=True)
        if reason:
            fail_at_once(uow, email, reason)
        uow.commit()
