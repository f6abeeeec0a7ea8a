"""The public events: the part of the catalogue partners may see (webhooks, `/asyncapi.json`).

The rest stays on the internal bus: requests from one service to another (`document.send_requested`,
`service_reminder.send_requested`), bookkeeping (`ledger.balance_changed`, `accounting.*`,
`customer.erasure_reported`), what concerns the tenant's office only (`email.*`, `note.*`,
`document_settings.updated`, `statement.generated`) and anything near card data (`card.stored`).
A new event is internal until it is added here; its payload then becomes a contract with partners
(docs/api-contract.md).
"""

from __future__ import annotations

PUBLIC_EVENTS: frozenset[str] = frozenset(
    {
        "customer.created",
        "customer.updated",
        "customer.type_changed",
        "customer.status_changed",
        "customer.blocked",
        "customer.unblocked",
        "customer.merged",
        "customer.deleted",
        "customer.erased",
        "contact.created",
        "contact.updated",
        "contact.primary_changed",
        "contact.deleted",
        "branch.created",
        "branch.updated",
        "branch.merged",
        "branch.deleted",
        "work_address.created",
        "work_address.updated",
        "work_address.status_changed",
        "asset.created",
        "asset.updated",
        "asset.deleted",
        "quote.created",
        "quote.status_changed",
        "quote.converted",
        "job.created",
        "job.updated",
        "job.completed",
        "invoice.created",
        "invoice.issued",
        "invoice.part_paid",
        "invoice.paid",
        "invoice.voided",
        "invoice.reopened",
        "credit_note.issued",
        "payment.received",
        "payment.allocated",
        "payment.deallocated",
        "payment.reversed",
        "refund.issued",
        "account_credit.issued",
        "file.uploaded",
        "file.deleted",
        "service_reminder.booked",
    }
)
