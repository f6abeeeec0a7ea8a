"""The read model of customers, contacts and work addresses, kept from customers' events with the
kit's rule (`fieldbook_shared.read_model`): a snapshot no newer than the copy held is ignored, so
events may arrive out of order; a removed customer or contact keeps a tombstone, so a late snapshot
does not revive it; a customer not yet heard of may be fetched once from customers over internal
HTTP (`ensure`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fieldbook_shared.messaging.snapshots import copy_handler
from fieldbook_shared.read_model import ReadModel, copy_address, copy_fields, customer_of

from .domain.recipients import CustomerView, Person
from .store.models import ContactCopy, CustomerCopy, WorkAddressCopy
from .uow import CommsUnitOfWork

CustomerFetcher = Callable[[str, str], dict | None]  # (tenant_id, customer_id) → customer or None

CUSTOMERS = ReadModel(CustomerCopy)
CONTACTS = ReadModel(ContactCopy)
WORK_ADDRESSES = ReadModel(WorkAddressCopy, removed=None)  # a work address is never removed here


def _active(_data: dict) -> dict:
    return {"status": "active"}  # what a new copy needs at once


def apply_customer(uow: CommsUnitOfWork, data: dict) -> CustomerCopy:
    return CUSTOMERS.keep(uow.session, uow.tenant_id, data, _copy_customer, _active)


def _copy_customer(row: CustomerCopy, data: dict) -> None:
    copy_fields(row, data, "type", "title", "first_name", "surname", "company_name", "display_name")
    copy_fields(row, data, "email", "phone", "accounts_ref")
    copy_address(row, data.get("address"), "line_1", "line_2", "town", "postcode")
    row.status = data.get("status") or "active"
    row.communication_preferences = dict(data.get("communication_preferences") or {})
    if data.get("accounts_balance") is not None and row.balance is None:
        row.balance = Decimal(str(data["accounts_balance"]))


def apply_contact(uow: CommsUnitOfWork, data: dict) -> None:
    row, newer = CONTACTS.take(uow.session, uow.tenant_id, data, customer_id=data["customer_id"])
    if not newer:
        return
    copy_fields(row, data, "customer_id", "title", "first_name", "surname", "email")
    row.phones = [dict(p) for p in data.get("phones") or [] if isinstance(p, dict)]
    row.is_primary = bool(data.get("primary"))
    row.archived = bool(data.get("archived"))
    row.communication_preferences = dict(data.get("communication_preferences") or {})


def remove_contact(uow: CommsUnitOfWork, contact_id: str, customer_id: str) -> None:
    CONTACTS.tombstone(uow.session, uow.tenant_id, contact_id, customer_id=customer_id, is_primary=False)


def apply_work_address(uow: CommsUnitOfWork, data: dict) -> None:
    WORK_ADDRESSES.keep(uow.session, uow.tenant_id, data, _copy_work_address, customer_of)


def _copy_work_address(row: WorkAddressCopy, data: dict) -> None:
    copy_fields(row, data, "customer_id", "name")
    copy_address(row, data.get("address"), "line_1", "postcode")
    row.status = data.get("status") or "active"
    row.communication_preferences = dict(data.get("communication_preferences") or {})


# the handlers of their snapshot events: a backlog (an import's) is taken a batch at a time
CUSTOMER_SNAPSHOT = copy_handler(CUSTOMERS, _copy_customer, _active)
WORK_ADDRESS_SNAPSHOT = copy_handler(WORK_ADDRESSES, _copy_work_address, customer_of)


def tombstone(uow: CommsUnitOfWork, customer_id: str, merged_into: str | None = None) -> CustomerCopy:
    return CUSTOMERS.tombstone(uow.session, uow.tenant_id, customer_id, merged_into=merged_into)


def ensure(uow: CommsUnitOfWork, customer_id: str, fetch: CustomerFetcher | None) -> CustomerCopy | None:
    """The customer as comms knows it; one not yet heard of is fetched from customers (when a
    fetcher is given) and kept. None when there is no such (live) customer for this tenant."""
    row = CUSTOMERS.fetch_once(
        uow.session,
        uow.tenant_id,
        str(customer_id),
        None if fetch is None else lambda: fetch(uow.tenant_id, customer_id),
        lambda data: _keep(uow, customer_id, data),
    )
    return None if row is None or row.removed else row


def refresh(uow: CommsUnitOfWork, customer_id: str, fetch: CustomerFetcher) -> CustomerCopy | None:
    """Read the customer (and its primary contact) from customers now; newer copies win as usual."""
    data = fetch(uow.tenant_id, customer_id)
    if data is None or data.get("id") != str(customer_id):
        return None  # unknown, or answered with the survivor of a merge: not this id
    row = _keep(uow, customer_id, data)
    uow.session.flush()
    return None if row.removed else row


def _keep(uow: CommsUnitOfWork, customer_id: str, data: dict) -> CustomerCopy:
    """A customer read from customers, with its primary contact."""
    row = apply_customer(uow, data)
    if data.get("primary_contact"):
        contact = dict(data["primary_contact"])
        contact.setdefault("customer_id", customer_id)
        contact.setdefault("version", 0)
        apply_contact(uow, contact)
    return row


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
