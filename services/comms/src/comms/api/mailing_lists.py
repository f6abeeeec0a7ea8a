"""Saved mailing lists: a name and customer ids to mass-email."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.etag import expected_version, with_etag
from fieldbook_shared.verbs import created, creates, edits, lists, reads
from fieldbook_shared.web import current_uow

from ..service import mailing_lists as service
from .schemas import MailingListInSchema, MailingListSchema, PagedQuery

blp = Blueprint(
    "mailing_lists",
    __name__,
    url_prefix="/v1/mailing-lists",
    description="Saved lists of customers to email.",
)


@blp.route("")
class MailingListCollection(MethodView):
    @lists(blp, MailingListSchema(many=True), query=PagedQuery, unknown=RAISE)
    def get(self, query, page):
        """The saved lists by name, paged."""
        return service.list_mailing_lists(current_uow(), *page)

    @creates(blp, MailingListInSchema, MailingListSchema)
    def post(self, body):
        """Save a list (a name and customer ids)."""
        row = service.save_mailing_list(current_uow(), body)
        return created(row, f"/v1/mailing-lists/{row.id}")


@blp.route("/<uuid:list_id>")
class MailingListItem(MethodView):
    @reads(blp, MailingListSchema)
    def get(self, list_id):
        """Load a list (with its ETag)."""
        return with_etag(service.get_mailing_list(current_uow(), str(list_id)))

    @edits(blp, MailingListInSchema(partial=True), MailingListSchema)
    def patch(self, body, list_id):
        """Rename a list or change its customers; needs `If-Match` (428 without, 412 when stale)."""
        version = expected_version()
        return with_etag(service.save_mailing_list(current_uow(), body, str(list_id), version))

    @blp.response(204)
    def delete(self, list_id):
        """Delete a mailing list."""
        service.delete_mailing_list(current_uow(), str(list_id))
