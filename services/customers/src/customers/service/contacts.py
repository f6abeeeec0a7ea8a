"""Use cases of a customer's contacts: exactly one primary, archive and restore, delete.

The contacts record their own events (`contact.set_primary` records `contact.primary_changed`);
the unit of work writes them to the outbox when the use case commits, once.
"""

from __future__ import annotations

from typing import Any

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import at_version
from fieldbook_shared.problems import Conflict, ValidationFailed

from .. import events
from ..domain import rules
from ..store.models import Contact, Customer
from ..uow import CustomersUnitOfWork
from . import records, sites


def _contact_errors(data: dict) -> dict[str, list[str]]:
    errors = {}
    if "surname" in data and not (data["surname"] or "").strip():
        errors["surname"] = ["Missing data for required field."]
    return errors


def new_contact(tenant_id: str, customer_id: str, data: dict, **columns: Any) -> Contact:
    """A contact of the customer made from its input (`ContactInSchema`'s fields), not primary
    and not yet added; `columns` sets others (an import's `id`, `is_primary`)."""
    contact = Contact(
        tenant_id=tenant_id,
        customer_id=customer_id,
        title=data.get("title"),
        first_name=data.get("first_name"),
        surname=data["surname"],
        position=data.get("position"),
        phones=data.get("phones") or [],
        email=data.get("email"),
        urls=data.get("urls") or [],
        archived=False,
        is_primary=False,
        communication_preferences=rules.merged_preferences(None, data.get("communication_preferences")),
    )
    for name, value in columns.items():
        setattr(contact, name, value)
    contact.phone_digits = rules.phones_digits(contact.phones)
    return contact


def attach_contact(
    uow: CustomersUnitOfWork, customer: Customer, data: dict, error_prefix: str = "primary_contact."
) -> Contact:
    errors = _contact_errors({"surname": data.get("surname"), **data})
    if errors:
        raise ValidationFailed({f"{error_prefix}{k}": v for k, v in errors.items()})
    contact = new_contact(uow.tenant_id, customer.id, data)
    current_primary = uow.contacts.primary(customer.id)
    make_primary = data.get("primary") or current_primary is None
    if make_primary and current_primary is not None:
        current_primary.set_primary(False)
        uow.session.flush()  # before the new one is written: the database holds one primary
    contact.is_primary = bool(make_primary)
    uow.contacts.add(contact)
    contact.record("contact.created")
    return contact


def list_contacts(
    uow: CustomersUnitOfWork, customer_id: str, include_archived: bool, page: int, page_size: int
) -> tuple[list[Contact], int]:
    """One page of the customer's contacts, primary first, and how many there are."""
    with uow:
        uow.customers.get(customer_id)
        return uow.contacts.page_of_customer(customer_id, include_archived, page, page_size)


def get_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str) -> Contact:
    with uow:
        return uow.contacts.get(customer_id, contact_id)


def add_contact(uow: CustomersUnitOfWork, customer_id: str, data: dict) -> Contact:
    with uow:
        customer = uow.customers.get(customer_id)
        contact = attach_contact(uow, customer, data, error_prefix="")
        uow.commit()
        return contact


CONTACT_FIELDS = ("title", "first_name", "surname", "position", "phones", "email", "urls")


ONE_PRIMARY = "A customer keeps exactly one primary contact: make another contact primary instead."


ARCHIVED_NOT_PRIMARY = "An archived contact cannot be the primary contact. Restore it first."


def update_contact(
    uow: CustomersUnitOfWork, customer_id: str, contact_id: str, expected_version: int, changes: dict
) -> Contact:
    """Edit, archive / restore, or make primary (`primary: true`, as POST …/primary does).

    `primary: false` on the primary contact is refused (422): the customer keeps exactly one, so
    the way to move it is to make another contact primary. On a contact that is not primary it
    changes nothing."""
    with uow:
        make_primary = changes.get("primary") is True
        if make_primary:
            uow.customers.get(customer_id, for_update=True)  # serialises concurrent primary changes
        contact = at_version(uow.contacts.get(customer_id, contact_id), expected_version)
        archiving = changes.get("archived") is True and not contact.archived
        restoring = changes.get("archived") is False and contact.archived
        _check_contact_changes(contact, changes, archiving=archiving, restoring=restoring)
        becomes_primary = make_primary and not contact.is_primary
        if becomes_primary:
            # the old primary steps down first: the database allows one primary per customer
            _step_down_primary(uow, customer_id, keep=contact.id)
        _set_contact_fields(contact, changes)
        archived_primary = archiving and contact.is_primary
        if archiving:
            contact.archived = True
            contact.is_primary = False
        elif restoring:
            contact.archived = False
            with uow.session.no_autoflush:
                nobody_primary = uow.contacts.primary(customer_id) is None
            if nobody_primary and not becomes_primary:
                # a customer without a primary (all its contacts were archived) gets this one back
                contact.is_primary = True
                becomes_primary = True
        edited = not records.unchanged(uow, contact)
        if becomes_primary:
            contact.is_primary = True
        if not edited and not becomes_primary:
            return contact
        contact.updated_at = utcnow()
        uow.session.flush()
        if archived_primary:
            _promote_next_primary(uow, customer_id, exclude=contact.id)
        if archiving:
            sites.clear_default_contact(uow, customer_id, contact.id)
        if edited:
            contact.record("contact.updated")
        if becomes_primary:
            contact.record("contact.primary_changed")
        uow.commit()
        return contact


def _check_contact_changes(contact: Contact, changes: dict, *, archiving: bool, restoring: bool) -> None:
    """422: a field or the primary flag refused; 409: an archived contact made primary, not restored."""
    make_primary = changes.get("primary") is True
    errors = _contact_errors(changes)
    if make_primary and changes.get("archived") is True:
        errors["primary"] = [ARCHIVED_NOT_PRIMARY]
    elif changes.get("primary") is False and contact.is_primary and not archiving:
        errors["primary"] = [ONE_PRIMARY]
    if errors:
        raise ValidationFailed(errors)
    if make_primary and contact.archived and not restoring:
        raise Conflict(ARCHIVED_NOT_PRIMARY)


def _set_contact_fields(contact: Contact, changes: dict) -> None:
    for name in CONTACT_FIELDS:
        if name in changes:
            setattr(contact, name, changes[name])
    contact.phone_digits = rules.phones_digits(contact.phones)
    if "communication_preferences" in changes:
        contact.communication_preferences = rules.merged_preferences(
            contact.communication_preferences, changes["communication_preferences"]
        )


def _promote_next_primary(uow: CustomersUnitOfWork, customer_id: str, exclude: str) -> None:
    for candidate in uow.contacts.of_customer(customer_id, include_archived=False):
        if candidate.id != exclude:
            candidate.set_primary(True)
            return


def _step_down_primary(uow: CustomersUnitOfWork, customer_id: str, keep: str) -> None:
    """The customer's current primary contact (if any but `keep`) stops being primary."""
    current = uow.contacts.primary(customer_id)
    if current is not None and current.id != keep:
        current.set_primary(False)
        uow.session.flush()  # before the new primary is written: the database holds one primary


def make_primary_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str) -> Contact:
    with uow:
        uow.customers.get(customer_id, for_update=True)  # serialises concurrent primary changes
        contact = uow.contacts.get(customer_id, contact_id)
        if contact.archived:
            raise Conflict(ARCHIVED_NOT_PRIMARY)
        if contact.is_primary:
            return contact
        _step_down_primary(uow, customer_id, keep=contact.id)
        contact.set_primary(True)
        uow.commit()
        return contact


def delete_contact(
    uow: CustomersUnitOfWork, customer_id: str, contact_id: str, expected_version: int
) -> None:
    with uow:
        contact = at_version(uow.contacts.get(customer_id, contact_id), expected_version)
        was_primary = contact.is_primary
        sites.clear_default_contact(uow, customer_id, contact.id)
        uow.session.delete(contact)
        uow.publish("contact.deleted", events.contact_deleted(contact_id, customer_id), subject=contact_id)
        if was_primary:
            _promote_next_primary(uow, customer_id, exclude=contact_id)
        uow.commit()
