"""Branches (sites) and work addresses of a customer."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.verbs import blueprint, creator, deleter, editor, lister, reader

from ..domain.inputs import WorkAddressInSchema
from ..service import sites
from .schemas import BranchInSchema, BranchSchema, WorkAddressSchema

branches = blueprint("branches", "/v1/customers/<uuid:customer_id>/branches", "Branches / sites.")
work_addresses = blueprint(
    "work_addresses",
    "/v1/customers/<uuid:customer_id>/work-addresses",
    "Work addresses: the properties where work is done, with landlord and occupier.",
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

    patch = editor(
        branches,
        BranchInSchema(partial=True),
        BranchSchema,
        sites.update_branch,
        "Edit a branch. Needs `If-Match` with the ETag last read.",
    )
    delete = deleter(
        branches, sites.delete_branch, "Delete a branch. Needs `If-Match` with the ETag last read."
    )


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

    patch = editor(
        work_addresses,
        WorkAddressInSchema(partial=True),
        WorkAddressSchema,
        sites.update_work_address,
        "Edit a work address. Needs `If-Match` with the ETag last read.",
    )
