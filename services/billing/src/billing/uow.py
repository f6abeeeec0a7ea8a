"""The billing service's unit of work: the kit's, with this service's repositories attached."""

from fieldbook_shared.uow import UnitOfWork

from .store import queries as q


class BillingUnitOfWork(UnitOfWork):
    customers: q.Customers
    work_addresses: q.WorkAddresses
    quotes: q.Quotes
    jobs: q.Jobs
    invoices: q.Invoices
    recurring_invoices: q.RecurringInvoices
    credit_notes: q.CreditNotes
    payments: q.Payments
    allocations: q.Allocations
    refunds: q.Refunds
    cards: q.Cards
    statements: q.Statements
    counters: q.Counters
    ledger: q.Ledger
