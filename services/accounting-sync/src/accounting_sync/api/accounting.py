"""Accounting: per-customer sync status, the list by status, re-sync, review decisions, balance polls."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from fieldbook_shared.verbs import blueprint, lists, reader
from fieldbook_shared.web import current_uow

from ..service import accounting as service
from .schemas import (
    BalancePollSchema,
    BusinessSchema,
    CustomerIdsSchema,
    PollAcceptedSchema,
    ReviewSchema,
    StatusQuerySchema,
    SyncStatusSchema,
)

customer_accounting = blueprint(
    "customer_accounting", "/v1/customers", "A customer's link with the accounting system (Sage)."
)
accounting = blueprint(
    "accounting",
    "/v1/accounting",
    "Sync with the accounting system: status by customer, re-sync, reviews, balances.",
)


@customer_accounting.route("/<uuid:customer_id>/accounting")
class CustomerAccounting(MethodView):
    get = reader(
        customer_accounting,
        SyncStatusSchema,
        service.get_status,
        "The customer's sync status: accounts ref, last attempt, last error, review candidates.",
        etag=False,
    )


@accounting.route("/sync")
class SyncList(MethodView):
    @lists(accounting, SyncStatusSchema(many=True), query=StatusQuerySchema)
    def get(self, query, page):
        """Customers' sync status, latest change first; `status` filters."""
        return service.list_statuses(current_uow(), query.get("status"), *page)


@accounting.route("/resync")
class Resync(MethodView):
    @accounting.arguments(CustomerIdsSchema)
    @accounting.response(202, SyncStatusSchema(many=True))
    def post(self, body):
        """Sync these customers again now (a 422 names any id accounting-sync does not know)."""
        return service.resync(current_uow(), [str(c) for c in body["customer_ids"]])


@accounting.route("/reviews/<uuid:customer_id>")
class Review(MethodView):
    @accounting.arguments(ReviewSchema)
    @accounting.response(202, SyncStatusSchema)
    def post(self, body, customer_id):
        """Resolve a `needs_review`: link to a chosen Sage contact, or create a new one."""
        return service.resolve_review(
            current_uow(), str(customer_id), body["action"], body.get("sage_contact_id")
        )


@accounting.route("/balances/poll")
class BalancePoll(MethodView):
    @accounting.arguments(BalancePollSchema)
    @accounting.response(202, PollAcceptedSchema)
    def post(self, body):
        """Read balances from Sage now (all linked customers, or these) → accounting.balance_updated."""
        req = service.request_balance_poll(current_uow(), [str(c) for c in body["customer_ids"]])
        return {"request_id": req.id, "customer_ids": req.customer_ids, "requested_at": req.requested_at}


@accounting.route("/business")
class Business(MethodView):
    @accounting.response(200, BusinessSchema)
    def get(self):
        """The Sage business this tenant's customers are synced to."""
        return service.get_business(current_uow(), current_app.config["SAGE_DEFAULT_BUSINESS"])

    @accounting.arguments(BusinessSchema)
    @accounting.response(200, BusinessSchema)
    def put(self, body):
        """Choose the tenant's Sage business (admin). 409 once customers are linked in another."""
        return service.set_business(
            current_uow(), body["business_id"], current_app.config["SAGE_DEFAULT_BUSINESS"]
        )
