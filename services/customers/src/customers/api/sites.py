"""Branches (sites) and work addresses of a customer."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.etag import expected_version, with_etag
from fieldbook_shared.schemas import PagedQuery
from fieldbook_shared.verbs import created, creates, deletes, edits, lists, reads
from fieldbook_shared.web import current_uow

from ..domain.inputs import WorkAddressInSchema
from ..service import sites
from .schemas import BranchInSchema, BranchSchema, WorkAddressSchema

branches = Blueprint(
    "branches",
    __name__,
    url_prefix="/v1/customers/<uuid:customer_id>/branches",
    description="Branches / sites.",
)
work_addresses = Blueprint(
    "work_addresses",
    __name__,
    url_prefix="/v1/customers/<uuid:customer_id>/work-addresses",
    description="Work addresses: the properties where work is done, with landlord and occupier.",
)


@branches.route("")
class BranchCollection(MethodView):
    @lists(branches, BranchSchema(many=True), query=PagedQuery, unknown=RAISE)
    def get(self, query, customer_id, page):
        """List the customer's branches by name, paged."""
        return sites.list_branches(current_uow(), str(customer_id), *page)

    @creates(branches, BranchInSchema, BranchSchema)
    def post(self, body, customer_id):
        """Add a branch to the customer."""
        branch = sites.add_branch(current_uow(), str(customer_id), body)
        return created(branch, f"/v1/customers/{customer_id}/branches/{branch.id}")


@branches.route("/<uuid:branch_id>")
class BranchItem(MethodView):
    @reads(branches, BranchSchema)
    def get(self, customer_id, branch_id):
        """Read a branch of the customer."""
        return with_etag(sites.get_branch(current_uow(), str(customer_id), str(branch_id)))

    @edits(branches, BranchInSchema(partial=True), BranchSchema)
    def patch(self, body, customer_id, branch_id):
        """Edit a branch. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        return with_etag(sites.update_branch(current_uow(), str(customer_id), str(branch_id), version, body))

    @deletes(branches)
    def delete(self, customer_id, branch_id):
        """Delete a branch. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        sites.delete_branch(current_uow(), str(customer_id), str(branch_id), version)


@work_addresses.route("")
class WorkAddressCollection(MethodView):
    @lists(work_addresses, WorkAddressSchema(many=True), query=PagedQuery, unknown=RAISE)
    def get(self, query, customer_id, page):
        """List the customer's work addresses, latest first, paged."""
        return sites.list_work_addresses(current_uow(), str(customer_id), *page)

    @creates(work_addresses, WorkAddressInSchema, WorkAddressSchema)
    def post(self, body, customer_id):
        """Add a work address; the occupier's surname defaults to "Occupier"."""
        wa = sites.add_work_address(current_uow(), str(customer_id), body)
        return created(wa, f"/v1/customers/{customer_id}/work-addresses/{wa.id}")


@work_addresses.route("/<uuid:work_address_id>")
class WorkAddressItem(MethodView):
    @reads(work_addresses, WorkAddressSchema)
    def get(self, customer_id, work_address_id):
        """Read a work address of the customer."""
        return with_etag(sites.get_work_address(current_uow(), str(customer_id), str(work_address_id)))

    @edits(work_addresses, WorkAddressInSchema(partial=True), WorkAddressSchema)
    def patch(self, body, customer_id, work_address_id):
        """Edit a work address. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        return with_etag(
            sites.update_work_address(current_uow(), str(customer_id), str(work_address_id), version, body)
        )
