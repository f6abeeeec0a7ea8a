"""Internal routes: called by other services with the internal token, never routed by the gateway
(its routing table sends only `/v1/...` paths, and none under `/internal`)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from fieldbook_shared.problems import Forbidden
from fieldbook_shared.verbs import blueprint, reader
from fieldbook_shared.web import current_uow

from ..service import lifecycle, sites
from .schemas import WorkAddressSchema

blp = blueprint(
    "internal_customers",
    "/internal/customers",
    "Internal: billing asks before it writes a document for a customer.",
)
work_addresses = blueprint(
    "internal_work_addresses",
    "/internal/work-addresses",
    "Internal: a work address by its id alone, for files on a work address.",
)


class DocumentAdmissionSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(lifecycle.DOCUMENT_KINDS))
    refuse_if_blocked = fields.Boolean(load_default=False)


class DocumentAdmittedSchema(Schema):
    customer_id = fields.String()
    kind = fields.String()
    has_transactions = fields.Boolean()
    blocked = fields.Boolean()


@blp.route("/<uuid:customer_id>/documents")
class CustomerDocuments(MethodView):
    @blp.arguments(DocumentAdmissionSchema)
    @blp.response(200, DocumentAdmittedSchema)
    def post(self, body, customer_id):
        """May billing write a document of `kind` for this customer now? 200 yes (a kind that stops
        a delete is recorded first); 404 deleted, erased or not this tenant's; 410 merged; 409
        blocked when `refuse_if_blocked`."""
        if not g.context.actor.startswith("system:"):
            raise Forbidden("Only another Fieldbook service may call this.")
        customer = lifecycle.admit_document(
            current_uow(), str(customer_id), body["kind"], body["refuse_if_blocked"]
        )
        return {
            "customer_id": customer.id,
            "kind": body["kind"],
            "has_transactions": customer.has_transactions,
            "blocked": customer.blocked,
        }


@work_addresses.route("/<uuid:work_address_id>")
class WorkAddressById(MethodView):
    get = reader(
        work_addresses,
        WorkAddressSchema,
        sites.find_work_address,
        """The work address (with its `customer_id`) whichever customer it is on; 404 when it is
        not this tenant's. The public path names the customer; `/v1/work-addresses/{id}/files` does not.""",
        etag=False,
    )
