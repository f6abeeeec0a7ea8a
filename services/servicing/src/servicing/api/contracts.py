"""Contracts: a customer on a service plan for a term, covering some of its work addresses and
assets; listed by what expires soon; renewed and cancelled by actions."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.etag import with_etag
from fieldbook_shared.verbs import acts, blueprint, creator, editor, lists, reader, reads
from fieldbook_shared.web import current_uow

from ..service import contracts as service
from ..store.queries import ContractFilters
from .schemas import (
    ContractCancelSchema,
    ContractChangeSchema,
    ContractInSchema,
    ContractQuerySchema,
    ContractSchema,
)

customer_contracts = blueprint(
    "customer-contracts", "/v1/customers", "A customer's contracts on service plans."
)
blp = blueprint(
    "contracts",
    "/v1/contracts",
    "Contracts: plan, term, auto-renew, covered work addresses and assets; renew, cancel.",
)


@customer_contracts.route("/<uuid:customer_id>/contracts")
class CustomerContracts(MethodView):
    @lists(customer_contracts, ContractSchema(many=True), query=ContractQuerySchema, unknown=RAISE)
    def get(self, query, customer_id, page):
        """The customer's contracts, soonest end first."""
        filters = ContractFilters(**{**query, "customer_id": str(customer_id)})
        return service.list_customer_contracts(current_uow(), filters, *page)

    post = creator(
        customer_contracts,
        ContractInSchema,
        ContractSchema,
        service.add_contract,
        "/v1/contracts/{id}",
        "Put the customer on a plan (`contract.created`); the plan's name and SLA are copied.",
    )


@blp.route("")
class Contracts(MethodView):
    @lists(blp, ContractSchema(many=True), query=ContractQuerySchema, unknown=RAISE)
    def get(self, query, page):
        """Contracts, soonest end first: `expiring_before` (active ones ending before that day),
        `customer_id`, `status`."""
        return service.list_contracts(current_uow(), ContractFilters(**query), *page)


@blp.route("/<uuid:contract_id>")
class ContractItem(MethodView):
    get = reader(blp, ContractSchema, service.get_contract, None)

    patch = editor(
        blp,
        ContractChangeSchema,
        ContractSchema,
        service.change_contract,
        "Change an active contract: plan, term, auto-renew, what it covers (`contract.updated`).",
    )


@blp.route("/<uuid:contract_id>/renew")
class Renew(MethodView):
    @reads(blp, ContractSchema)
    def post(self, contract_id):
        """The next term now, as long as the last (`contract.renewed`); an expired one is active again."""
        return with_etag(service.renew_contract(current_uow(), str(contract_id)))


@blp.route("/<uuid:contract_id>/cancel")
class Cancel(MethodView):
    @acts(blp, ContractCancelSchema, ContractSchema)
    def post(self, body, contract_id):
        """Cancel an active contract with a reason (`contract.cancelled`): its properties are no
        longer covered."""
        return with_etag(service.cancel_contract(current_uow(), str(contract_id), body["reason"]))
