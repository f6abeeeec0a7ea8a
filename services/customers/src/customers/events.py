"""What the customers service publishes. What it consumes is in `handlers.py`.

Most events carry a full snapshot of a record: customers, contacts, branches and work addresses
record them themselves (the kit's `Aggregate`: `customer.block(...)` records `customer.blocked`),
and the unit of work writes them at commit, each dumped through the catalogue's schema
(`fieldbook_shared.events.catalogue.customers`), whose `version` lets a read model elsewhere ignore
a copy older than the one it holds. The payloads below are the others: a record that is gone, or
two records joined, named by id, published by the use cases with `uow.publish`.
"""

from __future__ import annotations


def customer_removed(customer_id: str) -> dict:
    """`customer.deleted` and `customer.erased`."""
    return {"customer_id": customer_id}


def customer_merged(survivor_id: str, merged_id: str) -> dict:
    return {"survivor_id": survivor_id, "merged_id": merged_id}


def contact_deleted(contact_id: str, customer_id: str) -> dict:
    return {"id": contact_id, "customer_id": customer_id}


def branch_deleted(branch_id: str, customer_id: str) -> dict:
    return {"id": branch_id, "customer_id": customer_id}


def branch_merged(customer_id: str, survivor_id: str, merged_id: str) -> dict:
    return {"customer_id": customer_id, "survivor_id": survivor_id, "merged_id": merged_id}
