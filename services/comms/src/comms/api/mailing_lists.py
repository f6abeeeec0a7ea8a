"""Saved mailing lists: a name and customer ids to mass-email."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.verbs import blueprint, creator, deleter, editor, lister, reader

from ..service.mailing_lists import MAILING_LISTS
from .schemas import MailingListInSchema, MailingListSchema

blp = blueprint("mailing_lists", "/v1/mailing-lists", "Saved lists of customers to email.")


@blp.route("")
class MailingListCollection(MethodView):
    get = lister(blp, MailingListSchema(many=True), MAILING_LISTS.page, "The saved lists by name, paged.")

    post = creator(
        blp,
        MailingListInSchema,
        MailingListSchema,
        MAILING_LISTS.add,
        "/v1/mailing-lists/{id}",
        "Save a list (a name and customer ids).",
    )


@blp.route("/<uuid:list_id>")
class MailingListItem(MethodView):
    get = reader(blp, MailingListSchema, MAILING_LISTS.get, "Load a list (with its ETag).")

    patch = editor(
        blp,
        MailingListInSchema(partial=True),
        MailingListSchema,
        MAILING_LISTS.update,
        "Rename a list or change its customers; needs `If-Match` (428 without, 412 when stale).",
    )
    delete = deleter(blp, MAILING_LISTS.delete, "Delete a mailing list.", version=None)
