"""Postings of billing's documents to Sage: the list, and a person's decision on one in review."""

from __future__ import annotations

from fieldbook_shared.problems import Conflict

from ..store.models import FAILED, NEEDS_REVIEW, NOT_NEEDED, SagePosting
from ..uow import SyncUnitOfWork


def list_postings(uow: SyncUnitOfWork, filters: dict, page: int, page_size: int):
    with uow:
        return uow.postings.list({k: str(v) for k, v in filters.items() if v}, page, page_size)


def review_posting(uow: SyncUnitOfWork, posting_id: str, action: str) -> SagePosting:
    """`retry`: due now from a clean slate (a create sent before is still looked up by its
    reference first); `skip`: nothing is posted (`not_needed`)."""
    with uow:
        row = uow.postings.get(posting_id, lock=True)
        if row.status not in (NEEDS_REVIEW, FAILED):
            raise Conflict(
                f"This posting is {row.status}, not needs_review or failed: there is nothing to decide."
            )
        if action == "retry":
            row.due_now()
        else:
            row.status = NOT_NEEDED
            row.last_error = f"skipped by {uow.context.actor or 'a person'}"
            row.next_attempt_at = None
        uow.commit()
        return row
