"""What the customers service publishes (snapshot builders) and consumes (handlers).

Published events carry a full snapshot with its `version`, so a read model elsewhere can ignore a
copy older than the one it holds. Consumed: accounting-sync's link and balance.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fieldbook_shared.events import Event
from fieldbook_shared.uow import UnitOfWork

from .store.models import Branch, Contact, Customer, WorkAddress


def address_of(row) -> dict:
    return {
        "line_1": row.address_line_1,
        "line_2": row.address_line_2,
        "line_3": row.address_line_3,
        "town": row.town,
        "county": row.county,
        "postcode": row.postcode,
    }


def customer_snapshot(c: Customer) -> dict:
    return {
        "id": c.id,
        "version": c.version,
        "type": c.type,
        "title": c.title,
        "first_name": c.first_name,
        "surname": c.surname,
        "company_name": c.company_name,
        "display_name": c.display_name,
        "business_type": c.business_type,
        "address": address_of(c),
        "email": c.email,
        "phone": c.phone,
        "status": c.status,
        "blocked": c.blocked,
        "block_reason": c.block_reason,
        "credit_limit": c.credit_limit,
        "payment_terms_days": c.payment_terms_days,
        "account_manager": c.account_manager,
        "advertising_source": c.advertising_source,
        "price_book": c.price_book,
        "invoice_address_format": c.invoice_address_format,
        "custom_fields": c.custom_fields or {},
        "communication_preferences": c.communication_preferences or {},
        "accounts_ref": c.accounts_ref,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def contact_snapshot(c: Contact) -> dict:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "version": c.version,
        "title": c.title,
        "first_name": c.first_name,
        "surname": c.surname,
        "position": c.position,
        "phones": c.phones or [],
        "email": c.email,
        "urls": c.urls or [],
        "primary": c.is_primary,
        "archived": c.archived,
        "communication_preferences": c.communication_preferences or {},
    }


def branch_snapshot(b: Branch) -> dict:
    return {
        "id": b.id,
        "customer_id": b.customer_id,
        "version": b.version,
        "name": b.name,
        "code": b.code,
        "address": address_of(b),
        "phones": b.phones or [],
        "emails": b.emails or [],
        "default_contact_id": b.default_contact_id,
    }


def work_address_snapshot(w: WorkAddress) -> dict:
    return {
        "id": w.id,
        "customer_id": w.customer_id,
        "version": w.version,
        "name": w.name,
        "address": address_of(w),
        "status": w.status,
        "landlord": w.landlord,
        "occupier": w.occupier,
        "communication_preferences": w.communication_preferences or {},
    }


# --- consumed ------------------------------------------------------------------------------


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
    from .lifecycle import record_erasure

    record_erasure(uow, event.data["customer_id"], event.data["service"], event.data["actions"])


FINANCIAL_EVENTS = ("invoice.created", "credit_note.issued", "payment.received", "account_credit.issued")

HANDLERS = {
    "accounting.customer_linked": on_customer_linked,
    "accounting.balance_updated": on_balance_updated,
    **{event_type: on_financial_transaction for event_type in FINANCIAL_EVENTS},
    "customer.erasure_reported": on_erasure_reported,
}
