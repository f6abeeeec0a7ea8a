"""What accounting-sync publishes (accounting.*); what it consumes is in handlers.py."""

from __future__ import annotations

from .store.models import CustomerSync, SagePosting
from .uow import SyncUnitOfWork


def publish_linked(uow: SyncUnitOfWork, row: CustomerSync) -> None:
    uow.publish(
        "accounting.customer_linked",
        {"customer_id": row.customer_id, "accounts_ref": row.accounts_ref},
        subject=row.customer_id,
    )


def publish_failed(uow: SyncUnitOfWork, row: CustomerSync) -> None:
    uow.publish(
        "accounting.sync_failed",
        {"customer_id": row.customer_id, "error": (row.last_error or "unknown error")[:2000]},
        subject=row.customer_id,
    )


def publish_balance(uow: SyncUnitOfWork, row: CustomerSync) -> None:
    uow.publish(
        "accounting.balance_updated",
        {"customer_id": row.customer_id, "balance": row.balance, "as_of": row.balance_as_of},
        subject=row.customer_id,
    )


def publish_posted(uow: SyncUnitOfWork, row: SagePosting) -> None:
    """A document reached Sage: billing keeps its Sage id."""
    uow.publish(
        "accounting.document_posted",
        {
            "kind": row.kind,
            "source_id": row.source_id,
            "customer_id": row.customer_id,
            "sage_id": row.sage_id,
        },
        subject=row.source_id,
    )
