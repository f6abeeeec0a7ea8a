"""Postings: billing's invoices, credit notes and payments on their way to Sage, and the review of
those that cannot go without a person."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.verbs import blueprint, lists
from fieldbook_shared.web import current_uow

from ..service import postings as service
from .schemas import PostingQuerySchema, PostingReviewSchema, PostingSchema

postings = blueprint(
    "postings",
    "/v1/accounting/postings",
    "Billing's documents posted to Sage (sales invoices, credit notes, contact payments).",
)


@postings.route("")
class PostingList(MethodView):
    @lists(postings, PostingSchema(many=True), query=PostingQuerySchema)
    def get(self, query, page):
        """The tenant's postings, latest change first; `status`, `kind`, `customer_id`, `source_id` filter."""
        return service.list_postings(current_uow(), query, *page)


@postings.route("/<uuid:posting_id>/review")
class PostingReview(MethodView):
    @postings.arguments(PostingReviewSchema)
    @postings.response(202, PostingSchema)
    def post(self, body, posting_id):
        """Decide on a posting in `needs_review` (or `failed`): retry it now, or skip it (409 otherwise)."""
        return service.review_posting(current_uow(), str(posting_id), body["action"])
