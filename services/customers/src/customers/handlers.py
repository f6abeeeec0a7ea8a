"""What the customers service consumes: one handler per event type (`HANDLERS`).

accounting-sync's link and balance, billing's documents (the has-transactions flag) and every
service's part of an erasure. What it publishes is in `events.py`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fieldbook_shared.events import Event
from fieldbook_shared.uow import UnitOfWork

from .service.lifecycle import record_erasure


def on_customer_linked(uow: UnitOfWork, event: Event) -> None:
    """accounting-sync linked the customer to an account in Sage: keep the ref for lists and search."""
    customer = uow.customers.find(event.data["customer_id"])
    if customer is None:
        return  # deleted since, or another tenant's id: nothing to link
    # no customer.updated is echoed, since accounting-sync is the source of this fact and others
    # hear it from accounting.*; the version (ETag) stays, see Customers.record_facts
    uow.customers.record_facts(customer.id, accounts_ref=event.data["accounts_ref"].upper())


def on_balance_updated(uow: UnitOfWork, event: Event) -> None:
    """Keep the balance Sage reported, unless we already hold a newer reading."""
    customer = uow.customers.find(event.data["customer_id"])
    if customer is None:
        return
    as_of = datetime.fromisoformat(event.data["as_of"].replace("Z", "+00:00"))
    if customer.accounts_balance_as_of is not None and customer.accounts_balance_as_of >= as_of:
        return
    uow.customers.record_facts(
        customer.id, accounts_balance=Decimal(event.data["balance"]), accounts_balance_as_of=as_of
    )


def on_financial_transaction(uow: UnitOfWork, event: Event) -> None:
    """Billing recorded an invoice, credit note, payment or account credit: the customer can no
    longer be deleted (only made dormant or erased)."""
    customer = uow.customers.find(event.data["customer_id"])
    if customer is not None and not customer.has_transactions:
        uow.customers.record_facts(customer.id, has_transactions=True)


def on_erasure_reported(uow: UnitOfWork, event: Event) -> None:
    """A service says what it did on `customer.erased`: kept per customer for the erasure report.
    A repeated report (the service handled a redelivered erasure) replaces the earlier one."""
    record_erasure(uow, event.data["customer_id"], event.data["service"], event.data["actions"])


FINANCIAL_EVENTS = ("invoice.created", "credit_note.issued", "payment.received", "account_credit.issued")

HANDLERS = {
    "accounting.customer_linked": on_customer_linked,
    "accounting.balance_updated": on_balance_updated,
    **{event_type: on_financial_transaction for event_type in FINANCIAL_EVENTS},
    "customer.erasure_reported": on_erasure_reported,
}
