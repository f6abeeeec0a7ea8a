"""Branches (sites) and work addresses of a customer."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.apidoc import requires_if_match, sends_etag, sends_location
from fieldbook_shared.etag import etag_for, expected_version
from fieldbook_shared.pagination import paginate
from fieldbook_shared.schemas import PagedQuery
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


def with_etag(row, status: int = 200, **headers):
    return row, status, {"ETag": etag_for(row.version), **headers}


@branches.route("")
class BranchCollection(MethodView):
    @branches.arguments(PagedQuery, location="query", unknown=RAISE)
    @branches.response(200, BranchSchema(many=True))
    @paginate(branches)
    def get(self, query, customer_id, page):
        """List the customer's branches by name, paged."""
        return sites.list_branches(current_uow(), str(customer_id), *page)

    @sends_etag
    @sends_location
    @branches.arguments(BranchInSchema)
    @branches.response(201, BranchSchema)
    def post(self, body, customer_id):
        """Add a branch to the customer."""
        branch = sites.add_branch(current_uow(), str(customer_id), body)
        return with_etag(branch, 201, Location=f"/v1/customers/{customer_id}/branches/{branch.id}")


@branches.route("/<uuid:branch_id>")
class BranchItem(MethodView):
    @sends_etag
    @branches.response(200, BranchSchema)
    def get(self, customer_id, branch_id):
        """Read a branch of the customer."""
        return with_etag(sites.get_branch(current_uow(), str(customer_id), str(branch_id)))

    @requires_if_match
    @sends_etag
    @branches.arguments(BranchInSchema(partial=True))
    @branches.response(200, BranchSchema)
    def patch(self, body, customer_id, branch_id):
        """Edit a branch. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        return with_etag(sites.update_branch(current_uow(), str(customer_id), str(branch_id), version, body))

    @requires_if_match
    @branches.response(204)
    def delete(self, customer_id, branch_id):
        """Delete a branch. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        sites.delete_branch(current_uow(), str(customer_id), str(branch_id), version)


@work_addresses.route("")
class WorkAddressCollection(MethodView):
    @work_addresses.arguments(PagedQuery, location="query", unknown=RAISE)
    @work_addresses.response(200, WorkAddressSchema(many=True))
    @paginate(work_addresses)
    def get(self, query, customer_id, page):
        """List the customer's work addresses, latest first, paged."""
        return sites.list_work_addresses(current_uow(), str(customer_id), *page)

    @sends_etag
    @sends_location
    @work_addresses.arguments(WorkAddressInSchema)
    @work_addresses.response(201, WorkAddressSchema)
    def post(self, body, customer_id):
        """Add a work address; the occupier's surname defaults to "Occupier"."""
        wa = sites.add_work_address(current_uow(), str(customer_id), body)
        return with_etag(wa, 201, Location=f"/v1/customers/{customer_id}/work-addresses/{wa.id}")


@work_addresses.route("/<uuid:work_address_id>")
class WorkAddressItem(MethodView):
    @sends_etag
    @work_addresses.response(200, WorkAddressSchema)
    def get(self, customer_id, work_address_id):
        """Read a work address of the customer."""
        return with_etag(sites.get_work_address(current_uow(), str(customer_id), str(work_address_id)))

    @requires_if_match
    @sends_etag
    @work_addresses.arguments(WorkAddressInSchema(partial=True))
    @work_addresses.response(200, WorkAddressSchema)
    def patch(self, body, customer_id, work_address_id):
        """Edit a work address. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        return with_etag(
            sites.update_work_address(current_uow(), str(customer_id), str(work_address_id), version, body)
        )
