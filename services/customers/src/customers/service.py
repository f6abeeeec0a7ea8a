"""Use cases of the customers service: one function per action, each taking a unit of work.

Every function that changes state publishes its event(s) through the outbox in the same
transaction (`uow.publish`) and commits once.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import Conflict, Forbidden, ValidationFailed, integrity_violation

from . import events
from .domain import rules
from .store.models import Branch, Contact, Customer, CustomerType, CustomFieldDefinition, WorkAddress
from .store.queries import CustomerFilters
from .uow import CustomersUnitOfWork

ACCOUNTS_ROLES = ("accounts", "admin")
SIMPLE_CUSTOMER_FIELDS = (
    "title",
    "first_name",
    "surname",
    "company_name",
    "business_type",
    "email",
    "phone",
    "payment_terms_days",
    "account_manager",
    "advertising_source",
    "price_book",
    "invoice_address_format",
)
ADDRESS_FIELDS = ("line_1", "line_2", "line_3", "town", "county", "postcode")


# --- helpers ---------------------------------------------------------------------------------


def _set_address(row, address: dict | None) -> None:
    if address is None:
        return
    for key in ADDRESS_FIELDS:
        if key in address:
            value = address[key]
            setattr(row, "address_line_" + key[-1] if key.startswith("line_") else key, value)
    row.postcode = rules.normalise_postcode(row.postcode)
    row.postcode_compact = rules.compact_postcode(row.postcode)


def _customer_values(c: Customer) -> dict:
    values = {name: getattr(c, name) for name in SIMPLE_CUSTOMER_FIELDS}
    values["type"] = c.type
    values["address"] = events.address_of(c)
    return values


def _required_fields_for(uow: CustomersUnitOfWork, type_name: str) -> list[str]:
    if type_name in rules.BUILTIN_TYPES:
        return rules.BUILTIN_TYPES[type_name]["required_fields"]
    tenant_type = uow.settings.customer_type(type_name)
    if tenant_type is None:
        known = sorted(rules.BUILTIN_TYPES) + [t.name for t in uow.settings.customer_types()]
        raise ValidationFailed({"type": [f"Unknown customer type. Known types: {', '.join(known)}."]})
    return list(tenant_type.required_fields)


def _validate_customer(
    uow: CustomersUnitOfWork, customer: Customer, custom_fields: dict | None = None, new: bool = False
) -> None:
    """The type's required fields, and the custom fields this request sets (`custom_fields`).

    Stored custom fields the request does not touch are not checked again (see
    `rules.custom_field_errors`)."""
    values = _customer_values(customer)
    # the lookups below must not flush the half-edited customer (one UPDATE, one version bump)
    with uow.session.no_autoflush:
        required = _required_fields_for(uow, customer.type)
        definitions = uow.settings.custom_fields() if (custom_fields or new) else []
    errors = rules.missing_required(required, values)
    errors.update(rules.custom_field_errors(definitions, custom_fields, new_customer=new))
    if errors:
        raise ValidationFailed(errors)


def _derive(customer: Customer) -> None:
    name = rules.display_name(_customer_values(customer))
    customer.display_name = name
    customer.sort_name = name.lower()
    customer.phone_digits = rules.search_digits(customer.phone)


def _unchanged(uow: CustomersUnitOfWork, row) -> bool:
    """True when the edits applied to `row` leave every column as stored. A PATCH that changes
    nothing answers 200 with the same version (and ETag) and publishes no event. Ask before any
    query could autoflush the edits (after a flush they no longer count as edits)."""
    return not uow.session.is_modified(row, include_collections=False)


def _require_accounts_role(uow: CustomersUnitOfWork, what: str) -> None:
    if uow.context.role not in ACCOUNTS_ROLES:
        raise Forbidden(f"Only the accounts and admin roles may {what}.")


# --- customers -------------------------------------------------------------------------------


def list_customers(uow: CustomersUnitOfWork, filters: CustomerFilters, page: int, page_size: int):
    with uow:
        items, total = uow.customers.page(filters, page, page_size)
        primaries = {c.customer_id: c for c in _primaries(uow, [i.id for i in items])}
        return [(item, primaries.get(item.id)) for item in items], total


def _primaries(uow: CustomersUnitOfWork, customer_ids: list[str]) -> list[Contact]:
    if not customer_ids:
        return []
    from sqlalchemy import select

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
        for name in SIMPLE_CUSTOMER_FIELDS:
            if name in data:
                setattr(customer, name, data[name])
        _set_address(customer, data.get("address") or {})
        _derive(customer)
        _validate_customer(uow, customer, data.get("custom_fields") or {}, new=True)
        uow.customers.add(customer)
        uow.session.flush()
        uow.publish("customer.created", events.customer_snapshot(customer), subject=customer.id)
        if data.get("primary_contact"):
            _add_contact(uow, customer, {**data["primary_contact"], "primary": True})
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
        for name in SIMPLE_CUSTOMER_FIELDS:
            if name in changes:
                setattr(customer, name, changes[name])
        _set_address(customer, changes.get("address"))
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
        _derive(customer)
        _validate_customer(uow, customer, changes.get("custom_fields"))
        if _unchanged(uow, customer):
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


# --- contacts --------------------------------------------------------------------------------


def _contact_errors(data: dict) -> dict[str, list[str]]:
    errors = {}
    if "surname" in data and not (data["surname"] or "").strip():
        errors["surname"] = ["Missing data for required field."]
    return errors


def _add_contact(
    uow: CustomersUnitOfWork, customer: Customer, data: dict, error_prefix: str = "primary_contact."
) -> Contact:
    errors = _contact_errors({"surname": data.get("surname"), **data})
    if errors:
        raise ValidationFailed({f"{error_prefix}{k}": v for k, v in errors.items()})
    contact = Contact(
        tenant_id=uow.tenant_id,
        customer_id=customer.id,
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
    contact.phone_digits = rules.phones_digits(contact.phones)
    current_primary = uow.contacts.primary(customer.id)
    make_primary = data.get("primary") or current_primary is None
    if make_primary and current_primary is not None:
        current_primary.is_primary = False
        uow.session.flush()
        uow.publish(
            "contact.primary_changed", events.contact_snapshot(current_primary), subject=current_primary.id
        )
    contact.is_primary = bool(make_primary)
    uow.contacts.add(contact)
    uow.session.flush()
    uow.publish("contact.created", events.contact_snapshot(contact), subject=contact.id)
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
        contact = _add_contact(uow, customer, data, error_prefix="")
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
        contact = uow.contacts.get(customer_id, contact_id)
        check_version(contact.version, expected_version)
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
        edited = not _unchanged(uow, contact)
        if becomes_primary:
            contact.is_primary = True
        if not edited and not becomes_primary:
            return contact
        contact.updated_at = utcnow()
        uow.session.flush()
        if archived_primary:
            _promote_next_primary(uow, customer_id, exclude=contact.id)
        if archiving:
            _clear_default_contact(uow, customer_id, contact.id)
        if edited:
            uow.publish("contact.updated", events.contact_snapshot(contact), subject=contact.id)
        if becomes_primary:
            uow.publish("contact.primary_changed", events.contact_snapshot(contact), subject=contact.id)
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
            candidate.is_primary = True
            uow.session.flush()
            uow.publish("contact.primary_changed", events.contact_snapshot(candidate), subject=candidate.id)
            return


def _step_down_primary(uow: CustomersUnitOfWork, customer_id: str, keep: str) -> None:
    """The customer's current primary contact (if any but `keep`) stops being primary."""
    current = uow.contacts.primary(customer_id)
    if current is not None and current.id != keep:
        current.is_primary = False
        uow.session.flush()
        uow.publish("contact.primary_changed", events.contact_snapshot(current), subject=current.id)


def make_primary_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str) -> Contact:
    with uow:
        uow.customers.get(customer_id, for_update=True)  # serialises concurrent primary changes
        contact = uow.contacts.get(customer_id, contact_id)
        if contact.archived:
            raise Conflict(ARCHIVED_NOT_PRIMARY)
        if contact.is_primary:
            return contact
        _step_down_primary(uow, customer_id, keep=contact.id)
        contact.is_primary = True
        uow.session.flush()
        uow.publish("contact.primary_changed", events.contact_snapshot(contact), subject=contact.id)
        uow.commit()
        return contact


def delete_contact(
    uow: CustomersUnitOfWork, customer_id: str, contact_id: str, expected_version: int
) -> None:
    with uow:
        contact = uow.contacts.get(customer_id, contact_id)
        check_version(contact.version, expected_version)
        was_primary = contact.is_primary
        _clear_default_contact(uow, customer_id, contact.id)
        uow.session.delete(contact)
        uow.session.flush()
        uow.publish("contact.deleted", {"id": contact_id, "customer_id": customer_id}, subject=contact_id)
        if was_primary:
            _promote_next_primary(uow, customer_id, exclude=contact_id)
        uow.commit()


# --- branches --------------------------------------------------------------------------------


def _clear_default_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str) -> None:
    """A branch whose default site contact is deleted, archived or erased loses it as a change of
    its own (version, `branch.updated`), not through the foreign key's ON DELETE SET NULL behind
    its back."""
    for branch in uow.branches.of_customer(customer_id):
        if branch.default_contact_id == contact_id:
            branch.default_contact_id = None
            branch.updated_at = utcnow()
            uow.session.flush()
            uow.publish("branch.updated", events.branch_snapshot(branch), subject=branch.id)


def _check_default_contact(uow: CustomersUnitOfWork, customer_id: str, contact_id: str | None) -> None:
    if contact_id is None:
        return
    from fieldbook_shared.problems import NotFound

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
        _set_address(branch, data["address"])
        _require_address(branch)
        _unique_branch_code(uow, customer_id, branch.code)
        uow.branches.add(branch)
        _flush_branch(uow, branch)
        uow.publish("branch.created", events.branch_snapshot(branch), subject=branch.id)
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
        branch = uow.branches.get(customer_id, branch_id)
        check_version(branch.version, expected_version)
        if "default_contact_id" in changes:
            _check_default_contact(uow, customer_id, changes["default_contact_id"])
        if "code" in changes and changes["code"] != branch.code:
            _unique_branch_code(uow, customer_id, changes["code"])
        for name in ("name", "code", "phones", "emails", "default_contact_id"):
            if name in changes:
                setattr(branch, name, changes[name])
        _set_address(branch, changes.get("address"))
        _require_address(branch)
        if _unchanged(uow, branch):
            return branch
        branch.updated_at = utcnow()
        _flush_branch(uow, branch)
        uow.publish("branch.updated", events.branch_snapshot(branch), subject=branch.id)
        uow.commit()
        return branch


def delete_branch(
    uow: CustomersUnitOfWork, customer_id: str, branch_id: str, expected_version: ExpectedVersion
) -> None:
    """Delete a branch (seed 001: "To delete a Branch"). Nothing else in this service names a
    branch, so only the row goes; other services drop their references on `branch.deleted`."""
    with uow:
        branch = uow.branches.get(customer_id, branch_id)
        check_version(branch.version, expected_version)
        uow.session.delete(branch)
        uow.session.flush()
        uow.publish("branch.deleted", {"id": branch_id, "customer_id": customer_id}, subject=branch_id)
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


def _require_address(row) -> None:
    errors = {}
    if not (row.address_line_1 or "").strip():
        errors["address.line_1"] = ["Missing data for required field."]
    if errors:
        raise ValidationFailed(errors)


# --- work addresses --------------------------------------------------------------------------


def _person(data: dict | None, default_surname: str | None = None) -> dict | None:
    if data is None and default_surname is None:
        return None
    person = {k: v for k, v in (data or {}).items() if v not in (None, "")}
    if default_surname and not person.get("surname") and not person.get("company_name"):
        person["surname"] = default_surname
    return person


def list_work_addresses(
    uow: CustomersUnitOfWork, customer_id: str, page: int, page_size: int
) -> tuple[list[WorkAddress], int]:
    with uow:
        uow.customers.get(customer_id)
        return uow.work_addresses.page_of_customer(customer_id, page, page_size)


def get_work_address(uow: CustomersUnitOfWork, customer_id: str, work_address_id: str) -> WorkAddress:
    with uow:
        return uow.work_addresses.get(customer_id, work_address_id)


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
            landlord=_person(data.get("landlord")),
            occupier=_person(data.get("occupier"), rules.DEFAULT_OCCUPIER_SURNAME),
            communication_preferences=rules.merged_preferences(None, data.get("communication_preferences")),
        )
        _set_address(wa, data["address"])
        _require_address(wa)
        uow.work_addresses.add(wa)
        uow.session.flush()
        uow.publish("work_address.created", events.work_address_snapshot(wa), subject=wa.id)
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
        wa = uow.work_addresses.get(customer_id, work_address_id)
        check_version(wa.version, expected_version)
        _refuse_active_under_dormant(customer, changes.get("status"))
        previous_status = wa.status
        if "name" in changes:
            wa.name = changes["name"]
        if "status" in changes:
            wa.status = changes["status"]
        if "landlord" in changes:
            wa.landlord = _person(changes["landlord"])
        if "occupier" in changes:
            wa.occupier = _person(changes["occupier"], rules.DEFAULT_OCCUPIER_SURNAME)
        if "communication_preferences" in changes:
            wa.communication_preferences = rules.merged_preferences(
                wa.communication_preferences, changes["communication_preferences"]
            )
        _set_address(wa, changes.get("address"))
        _require_address(wa)
        if _unchanged(uow, wa):
            return wa
        wa.updated_at = utcnow()
        uow.session.flush()
        uow.publish("work_address.updated", events.work_address_snapshot(wa), subject=wa.id)
        if wa.status != previous_status:
            uow.publish("work_address.status_changed", events.work_address_snapshot(wa), subject=wa.id)
        uow.commit()
        return wa


# --- tenant settings -------------------------------------------------------------------------


def list_custom_fields(uow: CustomersUnitOfWork) -> list[CustomFieldDefinition]:
    with uow:
        return uow.settings.custom_fields()


def define_custom_field(uow: CustomersUnitOfWork, data: dict) -> CustomFieldDefinition:
    with uow:
        if any(d.key == data["key"] for d in uow.settings.custom_fields()):
            raise Conflict(f"A custom field with key {data['key']!r} already exists.")
        if data["field_type"] == "choice" and not data.get("choices"):
            raise ValidationFailed({"choices": ["A choice field needs at least one choice."]})
        definition = CustomFieldDefinition(
            tenant_id=uow.tenant_id,
            key=data["key"],
            label=data["label"],
            field_type=data["field_type"],
            choices=data.get("choices") or [],
            required=data.get("required", False),
        )
        uow.settings.add(definition)
        uow.commit()
        return definition


def remove_custom_field(uow: CustomersUnitOfWork, key: str) -> None:
    with uow:
        uow.session.delete(uow.settings.custom_field(key))
        uow.commit()


def list_customer_types(uow: CustomersUnitOfWork) -> list[dict]:
    with uow:
        builtin = [
            {
                "name": name,
                "label": spec["label"],
                "required_fields": spec["required_fields"],
                "builtin": True,
            }
            for name, spec in rules.BUILTIN_TYPES.items()
        ]
        own = [
            {"name": t.name, "label": t.label, "required_fields": list(t.required_fields), "builtin": False}
            for t in uow.settings.customer_types()
        ]
        return builtin + own


def define_customer_type(uow: CustomersUnitOfWork, data: dict) -> dict:
    with uow:
        if data["name"] in rules.BUILTIN_TYPES or uow.settings.customer_type(data["name"]) is not None:
            raise Conflict(f"A customer type named {data['name']!r} already exists.")
        row = CustomerType(
            tenant_id=uow.tenant_id,
            name=data["name"],
            label=data["label"],
            required_fields=data["required_fields"],
        )
        uow.settings.add(row)
        uow.commit()
        return {
            "name": row.name,
            "label": row.label,
            "required_fields": row.required_fields,
            "builtin": False,
        }
