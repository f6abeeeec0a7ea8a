"""The communications log: per customer (everything), per work address (only what concerns it)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.verbs import blueprint, lists
from fieldbook_shared.web import current_uow

from ..service import communications as service
from .schemas import CommunicationInSchema, CommunicationQuerySchema, CommunicationSchema

customer_log = blueprint(
    "customer_communications",
    "/v1/customers/<uuid:customer_id>/communications",
    "A customer's communications: notes, emails, calls, SMS; pinned first, then latest.",
)
work_address_log = blueprint(
    "work_address_communications",
    "/v1/work-addresses/<uuid:work_address_id>/communications",
    "A work address's communications: only the records made on that work address.",
)


def log_lister(blp, load, doc: str):
    """The paged log of one customer or work address (the URL's one id), narrowed to a `kind`:
    `load(uow, owner_id, kind, page, page_size)`."""

    @lists(blp, CommunicationSchema(many=True), query=CommunicationQuerySchema, unknown=RAISE)
    def get(self, query, page, **owner):
        (owner_id,) = owner.values()
        return load(current_uow(), str(owner_id), query.get("kind"), *page)

    get.__doc__ = doc
    return get


@customer_log.route("")
class CustomerCommunications(MethodView):
    get = log_lister(customer_log, service.customer_communications, "List the customer's communications log.")

    @customer_log.arguments(CommunicationInSchema)
    @customer_log.response(201, CommunicationSchema)
    def post(self, body, customer_id):
        """Record a call, SMS or email had outside Fieldbook (direction in or out)."""
        return service.record_communication(current_uow(), str(customer_id), body)


@work_address_log.route("")
class WorkAddressCommunications(MethodView):
    get = log_lister(
        work_address_log,
        service.work_address_communications,
        "List the communications log of a work address.",
    )
