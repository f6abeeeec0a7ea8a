"""Use cases of a customer's sites: branches and work addresses.

Branches and work addresses record their own events (`branch.record("branch.updated")`); the
unit of work writes them to the outbox when the use case commits, once.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import ExpectedVersion, at_version
from fieldbook_shared.problems import Conflict, NotFound, ValidationFailed, integrity_violation

from .. import events
from ..domain import rules
from ..store.models import Branch, Customer, WorkAddress
from ..uow import CustomersUnitOfWork
from . import records


def clear_default_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str) -> None:
    """A branch whose default site contact is deleted, archived or erased loses it as a change of
    its own (version, `branch.updated`), not through the foreign key's ON DELETE SET NULL behind
    its back."""
    for branch in uow.branches.of_customer(customer_id):
        if branch.default_contact_id == contact_id:
            branch.default_contact_id = None
            branch.updated_at = utcnow()
            branch.record("branch.updated")
            uow.session.flush()  # written before the contact's own change or delete


def _check_default_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str | None) -> None:
    if contact_id is None:
        return
    try:
        contact = uow.contacts.get(customer_id, contact_id)
    except NotFound:
        raise ValidationFailed({"default_contact_id": ["Not a contact of this customer."]}) from None
    if contact.archived:
        raise ValidationFailed(
            {
                "default_contact_id": [
                    "An archived contact cannot be the default site contact. Restore it first."
                ]
            }
        )


def list_branches(
    uow: CustomersUnitOfWork, customer_id: str, page: int, page_size: int
) -> tuple[list[Branch], int]:
    with uow:
        uow.customers.get(customer_id)
        return uow.branches.page_of_customer(customer_id, page, page_size)


def get_branch(uow: CustomersUnitOfWork, customer_id: str, branch_id: str) -> Branch:
    with uow:
        return uow.branches.get(customer_id, branch_id)


def add_branch(uow: CustomersUnitOfWork, customer_id: str, data: dict) -> Branch:
    with uow:
        uow.customers.get(customer_id)
        _check_default_contact(uow, customer_id, data.get("default_contact_id"))
        branch = Branch(
            tenant_id=uow.tenant_id,
            customer_id=customer_id,
            name=data["name"],
            code=data.get("code"),
            phones=data.get("phones") or [],
            emails=data.get("emails") or [],
            default_contact_id=data.get("default_contact_id"),
        )
        records.set_address(branch, data["address"])
        records.require_address(branch)
        _unique_branch_code(uow, customer_id, branch.code)
        uow.branches.add(branch)
        _flush_branch(uow, branch)
        branch.record("branch.created")
        uow.commit()
        return branch


def update_branch(
    uow: CustomersUnitOfWork,
    customer_id: str,
    branch_id: str,
    expected_version: ExpectedVersion,
    changes: dict,
) -> Branch:
    with uow:
        branch = at_version(uow.branches.get(customer_id, branch_id), expected_version)
        if "default_contact_id" in changes:
            _check_default_contact(uow, customer_id, changes["default_contact_id"])
        if "code" in changes and changes["code"] != branch.code:
            _unique_branch_code(uow, customer_id, changes["code"])
        for name in ("name", "code", "phones", "emails", "default_contact_id"):
            if name in changes:
                setattr(branch, name, changes[name])
        records.set_address(branch, changes.get("address"))
        records.require_address(branch)
        if records.unchanged(uow, branch):
            return branch
        branch.updated_at = utcnow()
        _flush_branch(uow, branch)
        branch.record("branch.updated")
        uow.commit()
        return branch


def delete_branch(
    uow: CustomersUnitOfWork, customer_id: str, branch_id: str, expected_version: ExpectedVersion
) -> None:
    """Delete a branch (seed 001: "To delete a Branch"). Nothing else in this service names a
    branch, so only the row goes; other services drop their references on `branch.deleted`."""
    with uow:
        branch = at_version(uow.branches.get(customer_id, branch_id), expected_version)
        uow.session.delete(branch)
        uow.publish("branch.deleted", events.branch_deleted(branch_id, customer_id), subject=branch_id)
        uow.commit()


def _code_taken(code: str) -> Conflict:
    message = f"This customer already has a branch with code {code!r}."
    return Conflict(message, errors={"code": [message]})


def _unique_branch_code(uow: CustomersUnitOfWork, customer_id: str, code: str | None) -> None:
    if code and any(b.code == code for b in uow.branches.of_customer(customer_id)):
        raise _code_taken(code)


def _flush_branch(uow: CustomersUnitOfWork, branch: Branch) -> None:
    """Flush, answering a code taken by a concurrent writer (the unique constraint) as the check
    before it does: a 409 naming `code`, not the table's columns."""
    code = branch.code  # a failed flush expires the row
    try:
        uow.session.flush()
    except IntegrityError as exc:
        violation = integrity_violation(exc)
        if violation.kind == "unique" and (
            violation.constraint == "uq_branches_customer_code" or "code" in violation.fields
        ):
            raise _code_taken(code) from None
        raise


def list_work_addresses(
    uow: CustomersUnitOfWork, customer_id: str, page: int, page_size: int
) -> tuple[list[WorkAddress], int]:
    with uow:
        uow.customers.get(customer_id)
        return uow.work_addresses.page_of_customer(customer_id, page, page_size)


def get_work_address(uow: CustomersUnitOfWork, customer_id: str, work_address_id: str) -> WorkAddress:
    with uow:
        return uow.work_addresses.get(customer_id, work_address_id)


def find_work_address(uow: CustomersUnitOfWork, work_address_id: str) -> WorkAddress:
    """A work address by its id alone, for a service whose path names no customer (files)."""
    with uow:
        wa = uow.work_addresses.find(work_address_id)
        if wa is None:
            raise NotFound("No work address with that id.")
        return wa


DORMANT_CUSTOMER_WORK_ADDRESS = (
    "The customer is dormant, so its work addresses are dormant too: make the customer active first."
)


def _refuse_active_under_dormant(customer: Customer, status: str | None) -> None:
    if status == "active" and customer.status == "dormant":
        raise ValidationFailed({"status": [DORMANT_CUSTOMER_WORK_ADDRESS]})


def add_work_address(uow: CustomersUnitOfWork, customer_id: str, data: dict) -> WorkAddress:
    with uow:
        customer = uow.customers.get(customer_id)
        _refuse_active_under_dormant(customer, data.get("status"))
        wa = WorkAddress(
            tenant_id=uow.tenant_id,
            customer_id=customer_id,
            name=data.get("name"),
            # a work address of a dormant customer starts dormant, like its siblings
            status=data.get("status") or ("dormant" if customer.status == "dormant" else "active"),
            landlord=records.person(data.get("landlord")),
            occupier=records.person(data.get("occupier"), rules.DEFAULT_OCCUPIER_SURNAME),
            communication_preferences=rules.merged_preferences(None, data.get("communication_preferences")),
        )
        records.set_address(wa, data["address"])
        records.require_address(wa)
        uow.work_addresses.add(wa)
        wa.record("work_address.created")
        uow.commit()
        return wa


def update_work_address(
    uow: CustomersUnitOfWork,
    customer_id: str,
    work_address_id: str,
    expected_version: ExpectedVersion,
    changes: dict,
) -> WorkAddress:
    with uow:
        customer = uow.customers.get(customer_id)
        wa = at_version(uow.work_addresses.get(customer_id, work_address_id), expected_version)
        _refuse_active_under_dormant(customer, changes.get("status"))
        previous_status = wa.status
        if "name" in changes:
            wa.name = changes["name"]
        if "status" in changes:
            wa.status = changes["status"]
        if "landlord" in changes:
            wa.landlord = records.person(changes["landlord"])
        if "occupier" in changes:
            wa.occupier = records.person(changes["occupier"], rules.DEFAULT_OCCUPIER_SURNAME)
        if "communication_preferences" in changes:
            wa.communication_preferences = rules.merged_preferences(
                wa.communication_preferences, changes["communication_preferences"]
            )
        records.set_address(wa, changes.get("address"))
        records.require_address(wa)
        if records.unchanged(uow, wa):
            return wa
        wa.updated_at = utcnow()
        wa.record("work_address.updated")
        if wa.status != previous_status:
            wa.record("work_address.status_changed")
        uow.commit()
        return wa
