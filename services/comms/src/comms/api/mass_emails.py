"""Mass email: a background job with progress, and who it would reach (preview)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import sends_location
from fieldbook_shared.verbs import blueprint, lister, lists, reader
from fieldbook_shared.web import current_uow

from ..service import mass_emails as service
from .mail_request import load_mail_request, request_body_doc
from .schemas import (
    MassEmailInSchema,
    MassEmailPreviewInSchema,
    MassEmailSchema,
    PreviewRowSchema,
    RecipientQuerySchema,
    RecipientSchema,
)

mass_emails = blueprint(
    "mass_emails",
    "/v1/mass-emails",
    "One personalised email per recipient, sent by the worker as a job with progress. "
    "Customers without an email, who opted out, or dormant (automated sends) are skipped with the reason.",
)


@mass_emails.route("")
class MassEmailCollection(MethodView):
    get = lister(
        mass_emails,
        MassEmailSchema(many=True),
        service.list_mass_emails,
        "List the mass emails sent or being sent.",
    )

    @sends_location
    @mass_emails.doc(**request_body_doc(MassEmailInSchema))
    @mass_emails.response(202, MassEmailSchema)
    def post(self):
        """Start a mass email to `customer_ids` or a `mailing_list_id`; answers 202 with the job."""
        data, attachments = load_mail_request(MassEmailInSchema())
        job = service.create_mass_email(current_uow(), data, attachments)
        return service.get_mass_email(current_uow(), job.id), 202, {"Location": f"/v1/mass-emails/{job.id}"}


@mass_emails.route("/preview")
class MassEmailPreview(MethodView):
    @mass_emails.arguments(MassEmailPreviewInSchema)
    @mass_emails.response(200, PreviewRowSchema(many=True))
    def post(self, body):
        """Who would be emailed (address) and who skipped (reason), from what comms knows now."""
        return service.preview_recipients(current_uow(), body, body.get("automated", True))


@mass_emails.route("/<uuid:job_id>")
class MassEmailItem(MethodView):
    get = reader(
        mass_emails,
        MassEmailSchema,
        service.get_mass_email,
        "The job's progress: total, sent, skipped (with reasons), failed, pending.",
        etag=False,
    )


@mass_emails.route("/<uuid:job_id>/recipients")
class MassEmailRecipients(MethodView):
    @lists(mass_emails, RecipientSchema(many=True), query=RecipientQuerySchema, unknown=RAISE)
    def get(self, query, job_id, page):
        """Each recipient, in the job's order and paged: sent, failed, skipped with the reason, or
        still pending."""
        return service.mass_email_recipients(
            current_uow(),
            str(job_id),
            query.get("status"),
            *page,
        )
