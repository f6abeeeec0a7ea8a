"""The billing service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

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

    def open_repositories(self, session: Session) -> None:
        t = self.tenant_id
        self.customers = q.Customers(session, t)
        self.work_addresses = q.WorkAddresses(session, t)
        self.quotes = q.Quotes(session, t)
        self.jobs = q.Jobs(session, t)
        self.invoices = q.Invoices(session, t)
        self.recurring_invoices = q.RecurringInvoices(session, t)
        self.credit_notes = q.CreditNotes(session, t)
        self.payments = q.Payments(session, t)
        self.allocations = q.Allocations(session, t)
        self.refunds = q.Refunds(session, t)
        self.cards = q.Cards(session, t)
        self.statements = q.Statements(session, t)
        self.counters = q.Counters(session, t)
        self.ledger = q.Ledger(session, t)
