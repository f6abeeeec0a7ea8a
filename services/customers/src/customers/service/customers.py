"""Use cases of the customer record itself: list, read, add, edit (dormant included), block and
unblock. Its life as a whole (type change, merge, delete, erase) is in `lifecycle.py`.

The records record their own events (`customer.block` records `customer.blocked`); the unit of
work writes them to the outbox when the use case commits, once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import check_version
from fieldbook_shared.problems import Forbidden

from ..domain import rules
from ..store.models import Contact, Customer
from ..store.queries import CustomerFilters
from ..uow import CustomersUnitOfWork
from . import contacts, records

ACCOUNTS_ROLES = ("accounts", "admin")


def _require_accounts_role(uow: CustomersUnitOfWork, what: str) -> None:
    if uow.context.role not in ACCOUNTS_ROLES:
        raise Forbidden(f"Only the accounts and admin roles may {what}.")


def list_customers(
    uow: CustomersUnitOfWork, filters: CustomerFilters, page: int, page_size: int
) -> tuple[list[tuple[Customer, Contact | None]], int, bool]:
    """A page of (customer, primary contact), the total, and whether a search's total was capped."""
    with uow:
        found = uow.customers.page(filters, page, page_size)
        primaries = {c.customer_id: c for c in _primaries(uow, [i.id for i in found.items])}
        return [(item, primaries.get(item.id)) for item in found.items], found.total, found.capped


def _primaries(uow: CustomersUnitOfWork, customer_ids: list[str]) -> list[Contact]:
    if not customer_ids:
        return []
    return list(
        uow.session.scalars(
            select(Contact).where(
                Contact.tenant_id == uow.tenant_id,
                Contact.customer_id.in_(customer_ids),
                Contact.is_primary.is_(True),
            )
        )
    )


def get_customer(uow: CustomersUnitOfWork, customer_id: str) -> Customer:
    with uow:
        customer = uow.customers.get(customer_id)
        _ = customer.contacts  # load before the session closes
        return customer


def create_customer(uow: CustomersUnitOfWork, data: dict) -> Customer:
    with uow:
        if data.get("credit_limit") is not None:
            _require_accounts_role(uow, "set a credit limit")
        customer = Customer(
            tenant_id=uow.tenant_id,
            type=data["type"],
            status=data.get("status", "active"),
            credit_limit=data.get("credit_limit"),
            custom_fields={k: v for k, v in (data.get("custom_fields") or {}).items() if v is not None},
            communication_preferences=rules.merged_preferences(None, data.get("communication_preferences")),
        )
        for name in records.SIMPLE_CUSTOMER_FIELDS:
            if name in data:
                setattr(customer, name, data[name])
        records.set_address(customer, data.get("address") or {})
        records.derive(customer)
        records.validate_customer(uow, customer, data.get("custom_fields") or {}, new=True)
        uow.customers.add(customer)
        customer.record("customer.created")
        uow.session.flush()  # gives it the id its primary contact names
        if data.get("primary_contact"):
            contacts.attach_contact(uow, customer, {**data["primary_contact"], "primary": True})
        uow.commit()
        _ = customer.contacts
        return customer


def update_customer(
    uow: CustomersUnitOfWork, customer_id: str, expected_version: int, changes: dict
) -> Customer:
    with uow:
        customer = uow.customers.get(customer_id)
        # checked apart from the read: the integration tests hold a writer between check and write
        check_version(customer.version, expected_version)
        if "credit_limit" in changes and changes["credit_limit"] != customer.credit_limit:
            _require_accounts_role(uow, "change a credit limit")
            customer.credit_limit = changes["credit_limit"]
        for name in records.SIMPLE_CUSTOMER_FIELDS:
            if name in changes:
                setattr(customer, name, changes[name])
        records.set_address(customer, changes.get("address"))
        if "custom_fields" in changes:
            merged = dict(customer.custom_fields or {})
            for key, value in (changes["custom_fields"] or {}).items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            customer.custom_fields = merged
        if "communication_preferences" in changes:
            customer.communication_preferences = rules.merged_preferences(
                customer.communication_preferences, changes["communication_preferences"]
            )
        previous_status = customer.status
        new_status = changes.get("status", previous_status)
        customer.status = new_status
        records.derive(customer)
        records.validate_customer(uow, customer, changes.get("custom_fields"))
        if records.unchanged(uow, customer):
            _ = customer.contacts
            return customer
        customer.updated_at = utcnow()
        uow.session.flush()  # the version check happens here: UPDATE … WHERE version = :seen
        customer.record("customer.updated")
        if new_status != previous_status:
            customer.record("customer.status_changed", previous_status=previous_status)
            if new_status == "dormant":
                _cascade_dormant(uow, customer)
        uow.commit()
        _ = customer.contacts
        return customer


def _cascade_dormant(uow: CustomersUnitOfWork, customer: Customer) -> None:
    """A dormant customer's work addresses go dormant too (no automated reminders reach them)."""
    for wa in uow.work_addresses.of_customer(customer.id):
        wa.make_dormant()


def block_customer(uow: CustomersUnitOfWork, customer_id: str, reason: str) -> Customer:
    return _account_decision(uow, customer_id, "block an account", Customer.block, reason)


def unblock_customer(uow: CustomersUnitOfWork, customer_id: str, reason: str | None = None) -> Customer:
    return _account_decision(uow, customer_id, "unblock an account", Customer.unblock, reason)


def _account_decision(
    uow: CustomersUnitOfWork, customer_id: str, what: str, decide: Callable[..., None], reason: str | None
) -> Customer:
    """Block or unblock (`decide`): an accounts role's decision, on the locked customer row."""
    with uow:
        _require_accounts_role(uow, what)
        customer = uow.customers.get(customer_id, for_update=True)
        decide(customer, reason, by=uow.context.actor)
        uow.commit()
        _ = customer.contacts
        return customer
