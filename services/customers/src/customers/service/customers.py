"""Use cases of the customer record itself: list, read, add, edit (dormant included), block and
unblock. Its life as a whole (type change, merge, delete, erase) is in `lifecycle.py`.

Every function that changes state publishes its event(s) through the outbox in the same
transaction (`uow.publish`) and commits once.
"""

from __future__ import annotations

from sqlalchemy import select

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import check_version
from fieldbook_shared.problems import Conflict, Forbidden

from .. import events
from ..domain import rules
from ..store.models import Contact, Customer
from ..store.queries import CustomerFilters
from ..uow import CustomersUnitOfWork
from . import contacts, records

ACCOUNTS_ROLES = ("accounts", "admin")


def _require_accounts_role(uow: CustomersUnitOfWork, what: str) -> None:
    if uow.context.role not in ACCOUNTS_ROLES:
        raise Forbidden(f"Only the accounts and admin roles may {what}.")


def list_customers(uow: CustomersUnitOfWork, filters: CustomerFilters, page: int, page_size: int):
    with uow:
        items, total = uow.customers.page(filters, page, page_size)
        primaries = {c.customer_id: c for c in _primaries(uow, [i.id for i in items])}
        return [(item, primaries.get(item.id)) for item in items], total


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
        uow.session.flush()
        uow.publish("customer.created", events.customer_snapshot(customer), subject=customer.id)
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
        uow.publish("customer.updated", events.customer_snapshot(customer), subject=customer.id)
        if new_status != previous_status:
            uow.publish(
                "customer.status_changed",
                {**events.customer_snapshot(customer), "previous_status": previous_status},
                subject=customer.id,
            )
            if new_status == "dormant":
                _cascade_dormant(uow, customer)
        uow.commit()
        _ = customer.contacts
        return customer


def _cascade_dormant(uow: CustomersUnitOfWork, customer: Customer) -> None:
    """A dormant customer's work addresses go dormant too (no automated reminders reach them)."""
    for wa in uow.work_addresses.of_customer(customer.id):
        if wa.status != "dormant":
            wa.status = "dormant"
            uow.session.flush()
            uow.publish("work_address.status_changed", events.work_address_snapshot(wa), subject=wa.id)


def block_customer(uow: CustomersUnitOfWork, customer_id: str, reason: str) -> Customer:
    with uow:
        _require_accounts_role(uow, "block an account")
        customer = uow.customers.get(customer_id, for_update=True)
        if customer.blocked:
            raise Conflict("The account is already blocked.", block_reason=customer.block_reason)
        customer.blocked = True
        customer.block_reason = reason
        customer.blocked_at = utcnow()
        customer.blocked_by = uow.context.actor
        customer.unblock_reason = customer.unblocked_at = customer.unblocked_by = None
        customer.updated_at = utcnow()
        uow.session.flush()
        uow.publish("customer.blocked", events.customer_snapshot(customer), subject=customer.id)
        uow.commit()
        _ = customer.contacts
        return customer


def unblock_customer(uow: CustomersUnitOfWork, customer_id: str, reason: str | None = None) -> Customer:
    with uow:
        _require_accounts_role(uow, "unblock an account")
        customer = uow.customers.get(customer_id, for_update=True)
        if not customer.blocked:
            raise Conflict("The account is not blocked.")
        customer.blocked = False
        customer.block_reason = None
        customer.blocked_at = None
        customer.blocked_by = None
        customer.unblock_reason = reason
        customer.unblocked_at = utcnow()
        customer.unblocked_by = uow.context.actor
        customer.updated_at = utcnow()
        uow.session.flush()
        snapshot = {
            **events.customer_snapshot(customer),
            "reason": customer.unblock_reason,
            "unblocked_by": customer.unblocked_by,
        }
        uow.publish("customer.unblocked", snapshot, subject=customer.id)
        uow.commit()
        _ = customer.contacts
        return customer
