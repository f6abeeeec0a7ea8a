"""Notes on a customer or a work address: pinned (important) first, "do not work with again"."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.etag import optional_version
from fieldbook_shared.verbs import blueprint, creator, editor, lists, reader
from fieldbook_shared.web import current_uow

from ..service import notes as service
from .schemas import NoteInSchema, NotePatchSchema, NoteQuerySchema, NoteSchema

customer_notes = blueprint(
    "customer_notes",
    "/v1/customers/<uuid:customer_id>/notes",
    "Notes on a customer (and its work addresses): pinned first, then latest first.",
)
notes = blueprint("notes", "/v1/notes", "A note, by id.")


@customer_notes.route("")
class NoteCollection(MethodView):
    @lists(customer_notes, NoteSchema(many=True), query=NoteQuerySchema, unknown=RAISE)
    def get(self, query, customer_id, page):
        """The customer's notes, pinned first; `work_address_id` narrows to one work address,
        `do_not_work_with_again` to the notes with (or without) the flag."""
        return service.list_notes(
            current_uow(),
            str(customer_id),
            query.get("work_address_id"),
            query.get("do_not_work_with_again"),
            *page,
        )

    post = creator(
        customer_notes,
        NoteInSchema,
        NoteSchema,
        service.add_note,
        "/v1/notes/{id}",
        "Add a note; `important` pins it; `do_not_work_with_again` flags the customer.",
    )


@notes.route("/<uuid:note_id>")
class NoteItem(MethodView):
    get = reader(notes, NoteSchema, service.get_note, "Read a note.")

    patch = editor(
        notes,
        NotePatchSchema,
        NoteSchema,
        service.update_note,
        "Edit, pin / unpin, flag / unflag a note (`If-Match` honoured when sent).",
        version=optional_version,
    )
