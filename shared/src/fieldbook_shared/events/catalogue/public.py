"""The public events: the part of the catalogue partners may see (webhooks, `/asyncapi.json`).

The rest stays on the internal bus: requests from one service to another (`document.send_requested`,
`service_reminder.send_requested`, `service_reminder.booking_refused`), bookkeeping
(`ledger.balance_changed`, `accounting.*`, `customer.erasure_reported`), what concerns the
tenant's office only (`email.*`, `sms.*`, `note.*`, `mass_email.completed`, `document_settings.updated`,
`statement.generated`, `webhook_endpoint.disabled`) and anything near card data (`card.stored`).
Every event of the catalogue is named once, in PUBLIC_EVENTS or INTERNAL_EVENTS (checked where the
catalogue is assembled), so a new event cannot become public, or stay hidden, unnoticed; a public
event's payload is a contract with partners (docs/api-contract.md).
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
        "recurring_invoice.created",
        "recurring_invoice.updated",
        "recurring_invoice.paused",
        "recurring_invoice.resumed",
        "recurring_invoice.stopped",
        "recurring_invoice.ended",
        "recurring_invoice.invoiced",
        "contract.created",
        "contract.updated",
        "contract.renewed",
        "contract.cancelled",
        "contract.expired",
    }
)

# what stays on the internal bus, and why (the module's docstring)
INTERNAL_EVENTS: frozenset[str] = frozenset(
    {
        # requests from one service to another
        "document.send_requested",
        "service_reminder.send_requested",
        "service_reminder.booking_refused",
        # bookkeeping
        "ledger.balance_changed",
        "accounting.customer_linked",
        "accounting.sync_failed",
        "accounting.balance_updated",
        "accounting.document_posted",
        "customer.erasure_reported",
        # the tenant's office only
        "email.sent",
        "email.failed",
        "sms.sent",
        "sms.delivered",
        "sms.failed",
        "mass_email.completed",
        "note.created",
        "note.updated",
        "document_settings.updated",
        "statement.generated",
        "webhook_endpoint.disabled",
        # near card data
        "card.stored",
    }
)
