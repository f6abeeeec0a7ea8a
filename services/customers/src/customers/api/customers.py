"""Customers: list + search, create, read, edit, block / unblock."""

from __future__ import annotations

from flask import after_this_request
from flask.views import MethodView

from fieldbook_shared.etag import with_etag
from fieldbook_shared.verbs import acts, blueprint, creator, deleter, editor, lists, reader
from fieldbook_shared.web import current_uow

from ..service import customers, lifecycle
from ..store.queries import SEARCH_TOTAL_CAP, CustomerFilters
from .schemas import (
    BlockSchema,
    CustomerInSchema,
    CustomerListItemSchema,
    CustomerPatchSchema,
    CustomerQuerySchema,
    CustomerSchema,
    UnblockSchema,
)

blp = blueprint("customers", "/v1/customers", "Customers: the customer record.")


def list_row(customer, primary) -> dict:
    phone = None
    if primary is not None and primary.phones:
        phone = primary.phones[0].get("number")
    return {
        "id": customer.id,
        "type": customer.type,
        "display_name": customer.display_name,
        "business_type": customer.business_type,
        "postcode": customer.postcode,
        "town": customer.town,
        "email": (primary.email if primary is not None and primary.email else None) or customer.email,
        "phone": phone or customer.phone,
        "status": customer.status,
        "blocked": customer.blocked,
        "accounts_ref": customer.accounts_ref,
        "created_at": customer.created_at,
    }


# a search's total stops at SEARCH_TOTAL_CAP: this header says more customers matched
TOTAL_CAPPED_HEADER = "X-Total-Capped"
TOTAL_CAPPED_DOC = {
    "description": f"Sent (`true`) when a search (`q`) matched more than {SEARCH_TOTAL_CAP:,} customers: "
    f"`X-Pagination`'s `total` is then {SEARCH_TOTAL_CAP:,} and the pages end there (the first "
    f"{SEARCH_TOTAL_CAP:,} in the `sort` order; a page beyond is empty). Narrow `q` or add a filter "
    "to reach the others.",
    "schema": {"type": "string", "enum": ["true"]},
}


@blp.route("")
class CustomerCollection(MethodView):
    @lists(blp, CustomerListItemSchema(many=True), query=CustomerQuerySchema)
    @blp.doc(responses={200: {"headers": {TOTAL_CAPPED_HEADER: TOTAL_CAPPED_DOC}}})
    def get(self, query, page):
        """List customers; `q` searches name, address, postcode, contact names, email and phone.

        A search counts and lists only its first matches, up to a cap (`X-Total-Capped`)."""
        rows, total, capped = customers.list_customers(current_uow(), CustomerFilters(**query), *page)
        if capped:

            @after_this_request
            def _say_capped(response):
                response.headers[TOTAL_CAPPED_HEADER] = "true"
                return response

        return [list_row(c, p) for c, p in rows], total

    post = creator(
        blp,
        CustomerInSchema,
        CustomerSchema,
        customers.create_customer,
        "/v1/customers/{id}",
        "Add a customer (optionally with its primary contact).",
    )


@blp.route("/<uuid:customer_id>")
class CustomerItem(MethodView):
    get = reader(
        blp,
        CustomerSchema,
        customers.get_customer,
        "Read a customer (with its address and primary contact); the ETag is its version.",
    )

    patch = editor(
        blp,
        CustomerPatchSchema(partial=True),
        CustomerSchema,
        customers.update_customer,
        "Edit a customer. Needs `If-Match` with the ETag last read.",
    )
    delete = deleter(
        blp,
        lifecycle.delete_customer,
        """Delete the customer and everything that hangs off it, in every service. Needs `If-Match`.

        Refused (409) while the customer has financial transactions: erase it instead.
        """,
    )


@blp.route("/<uuid:customer_id>/block")
class CustomerBlock(MethodView):
    @acts(blp, BlockSchema, CustomerSchema)
    def post(self, body, customer_id):
        """Block the account: quotes can still be made, but not converted to jobs."""
        return with_etag(customers.block_customer(current_uow(), str(customer_id), reason=body["reason"]))


@blp.route("/<uuid:customer_id>/unblock")
class CustomerUnblock(MethodView):
    @acts(blp, UnblockSchema, CustomerSchema)
    def post(self, body, customer_id):
        """Unblock the account, optionally saying why; the record keeps who unblocked, when and why."""
        return with_etag(
            customers.unblock_customer(current_uow(), str(customer_id), reason=body.get("reason") or None)
        )
