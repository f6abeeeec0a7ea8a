"""Saved mailing lists: a name and customer ids to mass-email."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from fieldbook_shared.etag import expected_version, with_etag
from fieldbook_shared.verbs import creator, edits, lister, reader
from fieldbook_shared.web import current_uow

from ..service import mailing_lists as service
from .schemas import MailingListInSchema, MailingListSchema

blp = Blueprint(
    "mailing_lists",
    __name__,
    url_prefix="/v1/mailing-lists",
    description="Saved lists of customers to email.",
)


@blp.route("")
class MailingListCollection(MethodView):
    get = lister(
        blp, MailingListSchema(many=True), service.list_mailing_lists, "The saved lists by name, paged."
    )

    post = creator(
        blp,
        MailingListInSchema,
        MailingListSchema,
        service.save_mailing_list,
        "/v1/mailing-lists/{id}",
        "Save a list (a name and customer ids).",
    )


@blp.route("/<uuid:list_id>")
class MailingListItem(MethodView):
    get = reader(blp, MailingListSchema, service.get_mailing_list, "Load a list (with its ETag).")

    @edits(blp, MailingListInSchema(partial=True), MailingListSchema)
    def patch(self, body, list_id):
        """Rename a list or change its customers; needs `If-Match` (428 without, 412 when stale)."""
        version = expected_version()
        return with_etag(service.save_mailing_list(current_uow(), body, str(list_id), version))

    @blp.response(204)
    def delete(self, list_id):
        """Delete a mailing list."""
        service.delete_mailing_list(current_uow(), str(list_id))
