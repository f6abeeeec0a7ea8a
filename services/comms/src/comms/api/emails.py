"""Emails: queued here, sent by the worker over SMTP; each send logged with its SMTP outcome."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import sends_location
from fieldbook_shared.verbs import blueprint, lists
from fieldbook_shared.web import current_uow

from ..service import emails as service
from ..store.models import Email
from .mail_request import load_mail_request, request_body_doc
from .schemas import EmailDetailSchema, EmailInSchema, EmailQuerySchema, EmailSchema

blp = blueprint(
    "emails",
    "/v1/emails",
    "Emails to a customer (its primary contact) or an address, from a template or text, "
    "with attachments (16 MB in total). Sending happens in the background.",
)


def detail(email, attachments, attempts) -> dict:
    out = {column.key: getattr(email, column.key) for column in Email.__table__.columns}
    out["attachments"] = [
        {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
        for a in attachments
    ]
    out["send_log"] = [
        {"attempted_at": a.attempted_at, "outcome": a.outcome, "smtp_code": a.smtp_code, "detail": a.detail}
        for a in attempts
    ]
    return out


@blp.route("")
class EmailCollection(MethodView):
    @lists(blp, EmailSchema(many=True), query=EmailQuerySchema, unknown=RAISE)
    def get(self, query, page):
        """Emails, latest first (`customer_id`, `status` filter)."""
        return service.list_emails(
            current_uow(),
            query.get("customer_id"),
            query.get("status"),
            *page,
        )

    @sends_location
    @blp.doc(**request_body_doc(EmailInSchema))
    @blp.response(202, EmailDetailSchema)
    def post(self):
        """Queue an email: `customer_id` (placeholders from the customer, `to` defaults to its
        primary contact's email) and/or `to`; `template_id` or `subject` + `body`. 413 beyond 16 MB
        of attachments. Answers 202: the worker sends it; read it back for the SMTP outcome."""
        data, attachments = load_mail_request(EmailInSchema())
        email = service.send_email(current_uow(), data, attachments)
        email, stored, attempts = service.get_email(current_uow(), email.id)
        return detail(email, stored, attempts), 202, {"Location": f"/v1/emails/{email.id}"}


@blp.route("/<uuid:email_id>")
class EmailItem(MethodView):
    @blp.response(200, EmailDetailSchema)
    def get(self, email_id):
        """An email, its attachments and its send log (each SMTP attempt and what the server said)."""
        return detail(*service.get_email(current_uow(), str(email_id)))
