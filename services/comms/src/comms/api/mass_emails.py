"""Mass email (a background job with progress) and saved mailing lists."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.apidoc import requires_if_match, sends_etag, sends_location
from fieldbook_shared.etag import etag_for, expected_version
from fieldbook_shared.pagination import paginate
from fieldbook_shared.web import current_uow

from .. import service
from .mail_request import load_mail_request, request_body_doc
from .schemas import (
    MailingListInSchema,
    MailingListSchema,
    MassEmailInSchema,
    MassEmailPreviewInSchema,
    MassEmailSchema,
    PagedQuery,
    PreviewRowSchema,
    RecipientQuerySchema,
    RecipientSchema,
)

mass_emails = Blueprint(
    "mass_emails",
    __name__,
    url_prefix="/v1/mass-emails",
    description="One personalised email per recipient, sent by the worker as a job with progress. "
    "Customers without an email, who opted out, or dormant (automated sends) are skipped with the reason.",
)
mailing_lists = Blueprint(
    "mailing_lists",
    __name__,
    url_prefix="/v1/mailing-lists",
    description="Saved lists of customers to email.",
)


def with_etag(row, status: int = 200, **headers):
    return row, status, {"ETag": etag_for(row.version), **headers}


@mass_emails.route("")
class MassEmailCollection(MethodView):
    @mass_emails.arguments(PagedQuery, location="query", unknown=RAISE)
    @mass_emails.response(200, MassEmailSchema(many=True))
    @paginate(mass_emails)
    def get(self, query, pagination_parameters):
        """List the mass emails sent or being sent."""
        rows, total = service.list_mass_emails(
            current_uow(), pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = total
        return rows

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
    @mass_emails.response(200, MassEmailSchema)
    def get(self, job_id):
        """The job's progress: total, sent, skipped (with reasons), failed, pending."""
        return service.get_mass_email(current_uow(), str(job_id))


@mass_emails.route("/<uuid:job_id>/recipients")
class MassEmailRecipients(MethodView):
    @mass_emails.arguments(RecipientQuerySchema, location="query", unknown=RAISE)
    @mass_emails.response(200, RecipientSchema(many=True))
    @paginate(mass_emails)
    def get(self, query, job_id, pagination_parameters):
        """Each recipient, in the job's order and paged: sent, failed, skipped with the reason, or
        still pending."""
        rows, total = service.mass_email_recipients(
            current_uow(),
            str(job_id),
            query.get("status"),
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@mailing_lists.route("")
class MailingListCollection(MethodView):
    @mailing_lists.arguments(PagedQuery, location="query", unknown=RAISE)
    @mailing_lists.response(200, MailingListSchema(many=True))
    @paginate(mailing_lists)
    def get(self, query, pagination_parameters):
        """The saved lists by name, paged."""
        rows, total = service.list_mailing_lists(
            current_uow(), pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = total
        return rows

    @sends_etag
    @sends_location
    @mailing_lists.arguments(MailingListInSchema)
    @mailing_lists.response(201, MailingListSchema)
    def post(self, body):
        """Save a list (a name and customer ids)."""
        row = service.save_mailing_list(current_uow(), body)
        return with_etag(row, 201, Location=f"/v1/mailing-lists/{row.id}")


@mailing_lists.route("/<uuid:list_id>")
class MailingListItem(MethodView):
    @sends_etag
    @mailing_lists.response(200, MailingListSchema)
    def get(self, list_id):
        """Load a list (with its ETag)."""
        return with_etag(service.get_mailing_list(current_uow(), str(list_id)))

    @requires_if_match
    @sends_etag
    @mailing_lists.arguments(MailingListInSchema(partial=True))
    @mailing_lists.response(200, MailingListSchema)
    def patch(self, body, list_id):
        """Rename a list or change its customers; needs `If-Match` (428 without, 412 when stale)."""
        version = expected_version()
        return with_etag(service.save_mailing_list(current_uow(), body, str(list_id), version))

    @mailing_lists.response(204)
    def delete(self, list_id):
        """Delete a mailing list."""
        service.delete_mailing_list(current_uow(), str(list_id))
