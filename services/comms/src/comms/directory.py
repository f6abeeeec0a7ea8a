"""The read model of customers, contacts and work addresses, kept from customers' events.

Snapshots carry `version`: a copy older than (or as old as) the one held is ignored, so events may
arrive out of order. A removed customer keeps a tombstone, so a late snapshot does not revive it.
A customer not yet heard of may be fetched once from customers over internal HTTP (`ensure`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from .domain.recipients import CustomerView, Person
from .store.models import ContactCopy, CustomerCopy, WorkAddressCopy
from .uow import CommsUnitOfWork

CustomerFetcher = Callable[[str, str], dict | None]  # (tenant_id, customer_id) → customer or None


def _new_row(uow: CommsUnitOfWork, model, row_id: str, find: Callable[[], object], **values):
    """Insert an empty copy (version 0) in a savepoint; if another process inserted it meanwhile
    (the web fetching a customer while the worker applies its event), use theirs."""
    row = model(id=row_id, tenant_id=uow.tenant_id, version=0, **values)
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
            uow.session.flush()
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing
    return row


def apply_customer(uow: CommsUnitOfWork, data: dict) -> CustomerCopy | None:
    row = uow.directory.customer(data["id"]) or _new_row(
        uow, CustomerCopy, data["id"], lambda: uow.directory.customer(data["id"]), status="active"
    )
    if row.removed or row.version >= data["version"]:
        return row
    address = data.get("address") or {}
    row.version = data["version"]
    row.type = data.get("type")
    row.title = data.get("title")
    row.first_name = data.get("first_name")
    row.surname = data.get("surname")
    row.company_name = data.get("company_name")
    row.display_name = data.get("display_name")
    row.email = data.get("email")
    row.address_line_1 = address.get("line_1")
    row.address_line_2 = address.get("line_2")
    row.town = address.get("town")
    row.postcode = address.get("postcode")
    row.status = data.get("status") or "active"
    row.communication_preferences = dict(data.get("communication_preferences") or {})
    row.accounts_ref = data.get("accounts_ref")
    if data.get("accounts_balance") is not None and row.balance is None:
        row.balance = Decimal(str(data["accounts_balance"]))
    return row


def apply_contact(uow: CommsUnitOfWork, data: dict) -> None:
    row = uow.directory.contact(data["id"]) or _new_row(
        uow,
        ContactCopy,
        data["id"],
        lambda: uow.directory.contact(data["id"]),
        customer_id=data["customer_id"],
    )
    if row.removed or row.version >= data["version"]:
        return
    row.customer_id = data["customer_id"]
    row.version = data["version"]
    row.title = data.get("title")
    row.first_name = data.get("first_name")
    row.surname = data.get("surname")
    row.email = data.get("email")
    row.is_primary = bool(data.get("primary"))
    row.archived = bool(data.get("archived"))
    row.communication_preferences = dict(data.get("communication_preferences") or {})


def remove_contact(uow: CommsUnitOfWork, contact_id: str, customer_id: str) -> None:
    row = uow.directory.contact(contact_id) or _new_row(
        uow, ContactCopy, contact_id, lambda: uow.directory.contact(contact_id), customer_id=customer_id
    )
    row.removed = True
    row.is_primary = False


def apply_work_address(uow: CommsUnitOfWork, data: dict) -> None:
    row = uow.directory.work_address(data["id"]) or _new_row(
        uow,
        WorkAddressCopy,
        data["id"],
        lambda: uow.directory.work_address(data["id"]),
        customer_id=data["customer_id"],
    )
    if row.version >= data["version"]:
        return
    address = data.get("address") or {}
    row.customer_id = data["customer_id"]
    row.version = data["version"]
    row.name = data.get("name")
    row.address_line_1 = address.get("line_1")
    row.postcode = address.get("postcode")
    row.status = data.get("status") or "active"
    row.communication_preferences = dict(data.get("communication_preferences") or {})


def tombstone(uow: CommsUnitOfWork, customer_id: str, merged_into: str | None = None) -> CustomerCopy:
    row = uow.directory.customer(customer_id) or _new_row(
        uow, CustomerCopy, customer_id, lambda: uow.directory.customer(customer_id), status="active"
    )
    row.removed = True
    row.merged_into = merged_into
    return row


def ensure(uow: CommsUnitOfWork, customer_id: str, fetch: CustomerFetcher | None) -> CustomerCopy | None:
    """The customer as comms knows it; one not yet heard of is fetched from customers (when a
    fetcher is given) and kept. None when there is no such (live) customer for this tenant."""
    row = uow.directory.customer(customer_id)
    if row is not None:
        return None if row.removed else row
    if fetch is None:
        return None
    return refresh(uow, customer_id, fetch)


def refresh(uow: CommsUnitOfWork, customer_id: str, fetch: CustomerFetcher) -> CustomerCopy | None:
    """Read the customer (and its primary contact) from customers now; newer copies win as usual."""
    data = fetch(uow.tenant_id, customer_id)
    if data is None or data.get("id") != str(customer_id):
        return None  # unknown, or answered with the survivor of a merge: not this id
    row = apply_customer(uow, data)
    if data.get("primary_contact"):
        contact = dict(data["primary_contact"])
        contact.setdefault("customer_id", customer_id)
        contact.setdefault("version", 0)
        apply_contact(uow, contact)
    uow.session.flush()
    return None if row.removed else row


def view_of(uow: CommsUnitOfWork, row: CustomerCopy, primary: ContactCopy | None = None) -> CustomerView:
    if primary is None:
        primary = uow.directory.primary_contacts([row.id]).get(row.id)
    return build_view(row, primary)


def build_view(row: CustomerCopy, primary: ContactCopy | None) -> CustomerView:
    return CustomerView(
        id=row.id,
        display_name=row.display_name,
        status=row.status,
        person=Person(
            title=row.title,
            first_name=row.first_name,
            last_name=row.surname,
            email=row.email,
            preferences=row.communication_preferences or {},
        ),
        primary_contact=None
        if primary is None
        else Person(
            title=primary.title,
            first_name=primary.first_name,
            last_name=primary.surname,
            email=primary.email,
            preferences=primary.communication_preferences or {},
        ),
        address_line_1=row.address_line_1,
        address_line_2=row.address_line_2,
        town=row.town,
        postcode=row.postcode,
        accounts_ref=row.accounts_ref,
        balance=row.balance,
    )
