"""Contacts of a customer: add, edit, archive, make primary, delete."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.etag import with_etag
from fieldbook_shared.verbs import blueprint, creator, deleter, editor, lists, reader, reads
from fieldbook_shared.web import current_uow

from ..service import contacts
from .schemas import ContactInSchema, ContactPatchSchema, ContactQuerySchema, ContactSchema

blp = blueprint("contacts", "/v1/customers/<uuid:customer_id>/contacts", "Contacts.")


@blp.route("")
class ContactCollection(MethodView):
    @lists(blp, ContactSchema(many=True), query=ContactQuerySchema)
    def get(self, query, customer_id, page):
        """The customer's contacts, primary first, paged."""
        return contacts.list_contacts(
            current_uow(),
            str(customer_id),
            query["include_archived"],
            *page,
        )

    post = creator(
        blp,
        ContactInSchema,
        ContactSchema,
        contacts.add_contact,
        "/v1/customers/{customer_id}/contacts/{id}",
        "Add a contact; the first one becomes the primary contact.",
    )


@blp.route("/<uuid:contact_id>")
class ContactItem(MethodView):
    get = reader(blp, ContactSchema, contacts.get_contact, "Read a contact of the customer.")

    patch = editor(
        blp,
        ContactPatchSchema(partial=True),
        ContactSchema,
        contacts.update_contact,
        """Edit, archive (`archived: true`) or make primary (`primary: true`) a contact. Needs `If-Match`.

        `primary: false` on the primary contact is refused: make another contact primary instead.""",
    )
    delete = deleter(
        blp,
        contacts.delete_contact,
        "Delete a contact. Needs `If-Match`. If it was primary, the next contact becomes primary.",
    )


@blp.route("/<uuid:contact_id>/primary")
class ContactPrimary(MethodView):
    @reads(blp, ContactSchema)
    def post(self, customer_id, contact_id):
        """Make this contact the customer's primary contact (the previous one stops being primary)."""
        return with_etag(contacts.make_primary_contact(current_uow(), str(customer_id), str(contact_id)))
