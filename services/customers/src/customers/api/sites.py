"""Branches (sites) and work addresses of a customer."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from fieldbook_shared.etag import expected_version, with_etag
from fieldbook_shared.verbs import creator, deletes, edits, lister, reader
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
    get = lister(
        branches, BranchSchema(many=True), sites.list_branches, "List the customer's branches by name, paged."
    )

    post = creator(
        branches,
        BranchInSchema,
        BranchSchema,
        sites.add_branch,
        "/v1/customers/{customer_id}/branches/{id}",
        "Add a branch to the customer.",
    )


@branches.route("/<uuid:branch_id>")
class BranchItem(MethodView):
    get = reader(branches, BranchSchema, sites.get_branch, "Read a branch of the customer.")

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
    get = lister(
        work_addresses,
        WorkAddressSchema(many=True),
        sites.list_work_addresses,
        "List the customer's work addresses, latest first, paged.",
    )

    post = creator(
        work_addresses,
        WorkAddressInSchema,
        WorkAddressSchema,
        sites.add_work_address,
        "/v1/customers/{customer_id}/work-addresses/{id}",
        """Add a work address; the occupier's surname defaults to "Occupier".""",
    )


@work_addresses.route("/<uuid:work_address_id>")
class WorkAddressItem(MethodView):
    get = reader(
        work_addresses, WorkAddressSchema, sites.get_work_address, "Read a work address of the customer."
    )

    @edits(work_addresses, WorkAddressInSchema(partial=True), WorkAddressSchema)
    def patch(self, body, customer_id, work_address_id):
        """Edit a work address. Needs `If-Match` with the ETag last read."""
        version = expected_version()
        return with_etag(
            sites.update_work_address(current_uow(), str(customer_id), str(work_address_id), version, body)
        )
