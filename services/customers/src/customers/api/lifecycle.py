"""The customer's life as a whole: change type, merge (with preview), delete, erase; merge branches."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from fieldbook_shared.verbs import blueprint, editor, lister
from fieldbook_shared.web import current_uow

from ..service import lifecycle
from .schemas import (
    BranchMergeSchema,
    BranchSchema,
    CustomerSchema,
    CustomerTypeChangeSchema,
    ErasureReportSchema,
    ErasureServicesReportSchema,
    MergeAuditSchema,
    MergePlanSchema,
    MergeRequestSchema,
)

blp = blueprint("customer_lifecycle", "/v1/customers", "Change type, merge, delete and erase customers.")


@blp.route("/<uuid:customer_id>/type")
class CustomerType(MethodView):
    post = editor(
        blp,
        CustomerTypeChangeSchema,
        CustomerSchema,
        lifecycle.change_customer_type,
        """Change the customer's type — permanent; the new type's required fields are checked.
        Needs `If-Match` with the ETag last read.""",
    )


@blp.route("/<uuid:customer_id>/merge/preview")
class CustomerMergePreview(MethodView):
    @blp.arguments(MergeRequestSchema)
    @blp.response(200, MergePlanSchema)
    def post(self, body, customer_id):
        """What merging this customer into `survivor_id` would move, and how conflicts are resolved."""
        return lifecycle.preview_merge(current_uow(), str(customer_id), str(body["survivor_id"]))


@blp.route("/<uuid:customer_id>/merge")
class CustomerMerge(MethodView):
    @blp.arguments(MergeRequestSchema)
    @blp.response(200, MergePlanSchema)
    def post(self, body, customer_id):
        """Merge this customer into `survivor_id`. Repeating the same merge answers the recorded one."""
        summary, merged_now = lifecycle.merge_customers(
            current_uow(), str(customer_id), str(body["survivor_id"])
        )
        return {**summary, "already_merged": not merged_now}


@blp.route("/<uuid:customer_id>/merges")
class CustomerMerges(MethodView):
    get = lister(
        blp,
        MergeAuditSchema(many=True),
        lifecycle.list_merges,
        """The merge audits of this customer, latest first: the customers merged into it, and the one
        that merged it away if any (a merged customer's old id answers too): who, when, which ids,
        what moved.""",
    )


@blp.route("/<uuid:customer_id>/erase")
class CustomerErase(MethodView):
    @blp.response(200, ErasureReportSchema)
    def post(self, customer_id):
        """Erase the customer's personal data here and, through `customer.erased`, everywhere."""
        return lifecycle.erase_customer(current_uow(), str(customer_id))


@blp.route("/<uuid:customer_id>/erasure-report")
class CustomerErasureReport(MethodView):
    @blp.response(200, ErasureServicesReportSchema)
    def get(self, customer_id):
        """Which services have reported their part of the erasure, what each did, which are pending."""
        services = list(current_app.config["FIELDBOOK_SETTINGS"].erasure_services)
        return lifecycle.erasure_report(current_uow(), str(customer_id), services)


@blp.route("/<uuid:customer_id>/branches/<uuid:branch_id>/merge")
class BranchMerge(MethodView):
    @blp.arguments(BranchMergeSchema)
    @blp.response(200, BranchSchema)
    def post(self, body, customer_id, branch_id):
        """Merge this branch into another branch of the same customer."""
        return lifecycle.merge_branches(
            current_uow(), str(customer_id), str(branch_id), str(body["survivor_branch_id"])
        )
