"""The customer's life as a whole: change type, merge, delete, erase (and merging branches).

Each use case is one transaction in this service plus one event that the other services act on
(`customer.type_changed`, `customer.merged`, `customer.deleted`, `customer.erased`), so the whole
record follows without any service reaching into another.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select

from fieldbook_shared.db import page_of, utcnow
from fieldbook_shared.etag import ExpectedVersion, at_version
from fieldbook_shared.problems import Conflict, NotFound, ValidationFailed

from .. import events
from ..store.models import Branch, Contact, Customer, CustomerMerge, ErasureReport, WorkAddress
from ..uow import CustomersUnitOfWork
from . import records, sites

ERASED_NAME = "Erased customer"
ERASED_BRANCH_NAME = "Erased branch"
BRANCH_CODE_LENGTH = Branch.__table__.c.code.type.length


def _moved_branch_code(code: str, taken: set[str]) -> str:
    """A code for a branch moving onto a customer that already uses `code`: "D1-M", else "D1-M2", …,
    its stem shortened so that it stays within the column."""
    for n in range(1, len(taken) + 2):
        suffix = "-M" if n == 1 else f"-M{n}"
        candidate = code[: BRANCH_CODE_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: more candidates than taken codes")


# --- change type -----------------------------------------------------------------------------


def change_customer_type(
    uow: CustomersUnitOfWork, customer_id: str, expected_version: ExpectedVersion, data: dict
) -> Customer:
    """Permanent: the new type's required fields are checked with the values sent alongside."""
    with uow:
        customer = at_version(uow.customers.get(customer_id), expected_version)
        previous_type = customer.type
        if data["type"] == previous_type:
            raise Conflict(f"The customer is already of type {previous_type!r}.")
        customer.type = data["type"]
        for name in records.SIMPLE_CUSTOMER_FIELDS:
            if name in data:
                setattr(customer, name, data[name])
        records.set_address(customer, data.get("address"))
        records.derive(customer)
        records.validate_customer(uow, customer)
        customer.updated_at = utcnow()
        customer.record("customer.type_changed", previous_type=previous_type)
        customer.record("customer.updated")
        uow.commit()
        _ = customer.contacts
        return customer


# --- merge -----------------------------------------------------------------------------------


def _merge_plan(uow: CustomersUnitOfWork, merged: Customer, survivor: Customer) -> dict:
    """What would move and which conflicts arise, with how each is resolved."""
    contacts = uow.contacts.of_customer(merged.id)
    branches = uow.branches.of_customer(merged.id)
    work_addresses = uow.work_addresses.of_customer(merged.id)
    conflicts = []
    survivor_primary = uow.contacts.primary(survivor.id)
    merged_primary = uow.contacts.primary(merged.id)
    if survivor_primary and merged_primary:
        conflicts.append(
            {
                "kind": "two_primary_contacts",
                "detail": f"Both customers have a primary contact; {survivor_primary.surname!r} stays "
                f"primary and {merged_primary.surname!r} moves as an ordinary contact.",
            }
        )
    if survivor.accounts_ref and merged.accounts_ref and survivor.accounts_ref != merged.accounts_ref:
        conflicts.append(
            {
                "kind": "two_accounts_refs",
                "detail": f"The survivor keeps accounts ref {survivor.accounts_ref}; "
                f"{merged.accounts_ref} is marked inactive in the accounts system, history kept.",
            }
        )
    if survivor.type != merged.type:
        conflicts.append(
            {"kind": "different_types", "detail": f"The survivor keeps its type {survivor.type!r}."}
        )
    if merged.blocked and not survivor.blocked:
        conflicts.append(
            {
                "kind": "merged_is_blocked",
                "detail": "The merged customer is blocked, so the survivor becomes blocked.",
            }
        )
    going_dormant = (
        [wa for wa in work_addresses if wa.status != "dormant"] if survivor.status == "dormant" else []
    )
    if going_dormant:
        conflicts.append(
            {
                "kind": "survivor_is_dormant",
                "detail": f"The survivor is dormant, so the {len(going_dormant)} active work address(es) "
                "moving onto it become dormant.",
            }
        )
    renamed = _moved_branch_codes(uow, branches, survivor.id)
    for b in branches:
        if b.id in renamed:
            conflicts.append(
                {
                    "kind": "branch_code_clash",
                    "detail": f"Branch code {b.code!r} exists on both; "
                    f"the moved branch becomes {renamed[b.id]!r}.",
                }
            )
    return {
        "merged_id": merged.id,
        "survivor_id": survivor.id,
        "moves": {
            "customers": {
                "contacts": len(contacts),
                "branches": len(branches),
                "work_addresses": len(work_addresses),
            },
            "other_services": "billing, assets, comms and accounting-sync re-point their records "
            "on customer.merged",
        },
        "conflicts": conflicts,
    }


def _moved_branch_codes(uow: CustomersUnitOfWork, branches: list[Branch], survivor_id: str) -> dict[str, str]:
    """{branch id: new code} for the moving branches whose code the survivor already uses."""
    taken = {b.code for b in uow.branches.of_customer(survivor_id) if b.code}
    clashing = {b.id for b in branches if b.code and b.code in taken}
    taken |= {b.code for b in branches if b.code}
    renamed = {}
    for b in branches:
        if b.id in clashing:
            renamed[b.id] = _moved_branch_code(b.code, taken)
            taken.add(renamed[b.id])
    return renamed


def _merge_pair(uow: CustomersUnitOfWork, customer_id: str, survivor_id: str) -> tuple[Customer, Customer]:
    if str(customer_id) == str(survivor_id):
        raise ValidationFailed({"survivor_id": ["A customer cannot be merged into itself."]})
    merged = uow.customers.get(customer_id, for_update=True)
    try:
        survivor = uow.customers.get(survivor_id, for_update=True)
    except Exception as exc:  # NotFound / merged survivor: the survivor's field is what is wrong
        raise ValidationFailed({"survivor_id": [getattr(exc, "detail", "Not a customer.")]}) from None
    if survivor.erased_at is not None:  # what moved onto it would escape the erasure already done
        raise ValidationFailed({"survivor_id": ["An erased customer cannot take in another customer."]})
    return merged, survivor


def preview_merge(uow: CustomersUnitOfWork, customer_id: str, survivor_id: str) -> dict:
    with uow:
        done = _existing_merge(uow, customer_id)
        if done is not None:
            return {**done.summary, "already_merged": True}
        merged, survivor = _merge_pair(uow, customer_id, survivor_id)
        return {**_merge_plan(uow, merged, survivor), "already_merged": False}


def _existing_merge(uow: CustomersUnitOfWork, customer_id: str) -> CustomerMerge | None:
    return uow.session.scalar(
        select(CustomerMerge).where(
            CustomerMerge.tenant_id == uow.tenant_id, CustomerMerge.merged_id == str(customer_id)
        )
    )


def list_merges(
    uow: CustomersUnitOfWork, customer_id: str, page: int, page_size: int
) -> tuple[list[dict], int]:
    """The merge audits of a customer, latest first: the merges into it and the one that merged it
    away, if any. A merged customer's old id lists them too (its tombstone is kept)."""
    with uow:
        customer = uow.customers.get(customer_id, allow_merged=True)
        about = or_(CustomerMerge.survivor_id == customer.id, CustomerMerge.merged_id == customer.id)
        stmt = (
            select(CustomerMerge)
            .where(CustomerMerge.tenant_id == uow.tenant_id, about)
            .order_by(CustomerMerge.merged_at.desc(), CustomerMerge.id)
        )
        rows, total = page_of(uow.session, stmt, page, page_size)
        return [_merge_audit(row, customer.id) for row in rows], total


def _merge_audit(row: CustomerMerge, customer_id: str) -> dict:
    summary = row.summary or {}
    return {
        "id": row.id,
        "kind": "merged_away" if row.merged_id == customer_id else "merged_into_this",
        "merged_id": row.merged_id,
        "survivor_id": row.survivor_id,
        "merged_by": row.actor,
        "merged_at": row.merged_at,
        "moves": summary.get("moves", {}),
        "conflicts": summary.get("conflicts", []),
    }


def merge_customers(uow: CustomersUnitOfWork, customer_id: str, survivor_id: str) -> tuple[dict, bool]:
    """Merge `customer_id` into `survivor_id`. Returns (audit summary, merged now?).

    One transaction: contacts, branches and work addresses move, the merged customer becomes a
    tombstone pointing at the survivor, the audit row and `customer.merged` are written. Asking
    again for the same merge answers the recorded one (a no-op); other services apply
    `customer.merged` idempotently, so a crash anywhere is resumed by the broker's redelivery.
    """
    with uow:
        done = _existing_merge(uow, customer_id)
        if done is not None:
            if done.survivor_id != str(survivor_id):
                raise Conflict(
                    "This customer was already merged into another customer.", survivor_id=done.survivor_id
                )
            return done.summary, False
        merged, survivor = _merge_pair(uow, customer_id, survivor_id)
        plan = _merge_plan(uow, merged, survivor)
        survivor_has_primary = uow.contacts.primary(survivor.id) is not None
        renamed = _moved_branch_codes(uow, uow.branches.of_customer(merged.id), survivor.id)

        for contact in uow.contacts.of_customer(merged.id):
            contact.customer_id = survivor.id
            if contact.is_primary and survivor_has_primary:
                contact.is_primary = False
                uow.session.flush()  # the partial unique index sees one primary at a time
            contact.record("contact.updated")
        for branch in uow.branches.of_customer(merged.id):
            branch.customer_id = survivor.id
            if branch.id in renamed:
                branch.code = renamed[branch.id]
            branch.record("branch.updated")
        for wa in uow.work_addresses.of_customer(merged.id):
            wa.customer_id = survivor.id
            # a dormant customer's work addresses are dormant: those moving onto one go dormant
            went_dormant = survivor.status == "dormant" and wa.status != "dormant"
            if went_dormant:
                wa.status = "dormant"
            wa.record("work_address.updated")
            if went_dormant:
                wa.record("work_address.status_changed")

        if merged.blocked and not survivor.blocked:
            survivor.take_block_of(merged, by=uow.context.actor)
        survivor.has_transactions = survivor.has_transactions or merged.has_transactions
        survivor.updated_at = utcnow()
        merged.merged_into_id = survivor.id
        merged.updated_at = utcnow()
        uow.session.flush()

        summary = {**plan, "merged_by": uow.context.actor, "merged_at": utcnow().isoformat()}
        uow.session.add(
            CustomerMerge(
                tenant_id=uow.tenant_id,
                merged_id=merged.id,
                survivor_id=survivor.id,
                actor=uow.context.actor,
                summary=summary,
            )
        )
        survivor.record("customer.updated")
        uow.publish("customer.merged", events.customer_merged(survivor.id, merged.id), subject=merged.id)
        uow.commit()
        return summary, True


def merge_branches(
    uow: CustomersUnitOfWork, customer_id: str, branch_id: str, survivor_branch_id: str
) -> Branch:
    """Merge one branch into another branch of the same customer; refused across customers."""
    with uow:
        uow.customers.get(customer_id, for_update=True)
        if str(branch_id) == str(survivor_branch_id):
            raise ValidationFailed({"survivor_branch_id": ["A branch cannot be merged into itself."]})
        merged = uow.branches.get(customer_id, branch_id)
        survivor = uow.session.scalar(
            select(Branch).where(Branch.id == str(survivor_branch_id), Branch.tenant_id == uow.tenant_id)
        )
        if survivor is None:
            raise ValidationFailed({"survivor_branch_id": ["No branch with that id."]})
        if survivor.customer_id != merged.customer_id:
            raise Conflict("Branches of different customers cannot be merged.")
        for field in ("phones", "emails"):
            combined = list(getattr(survivor, field) or [])
            for item in getattr(merged, field) or []:
                if item not in combined:
                    combined.append(item)
            setattr(survivor, field, combined)
        if survivor.default_contact_id is None:
            survivor.default_contact_id = merged.default_contact_id
        survivor.updated_at = utcnow()
        survivor.record("branch.updated")
        uow.session.delete(merged)
        uow.publish(
            "branch.merged",
            events.branch_merged(str(customer_id), survivor.id, str(branch_id)),
            subject=str(branch_id),
        )
        uow.commit()
        return survivor


# --- billing's documents and the delete ------------------------------------------------------

# Billing documents that keep their customer from being deleted: the money records (as before,
# from billing's events) and jobs. Quotes, stored cards and recurring invoices (the schedule; each
# invoice it raises is an invoice) are only checked: deleting a customer deletes them in billing.
# See docs/architecture.md §8.
DOCUMENTS_THAT_STOP_DELETE = ("invoice", "credit_note", "payment", "account_credit", "job")
DOCUMENT_KINDS = (*DOCUMENTS_THAT_STOP_DELETE, "quote", "card", "recurring_invoice")


def admit_document(
    uow: CustomersUnitOfWork, customer_id: str, kind: str, refuse_if_blocked: bool
) -> Customer:
    """Billing is about to write a document of `kind` for the customer: say yes or no now.

    Taken under the customer's row lock, so it is ordered against delete, merge, erase and block:
    a deleted or erased customer is 404, a merged one 410, a blocked one 409 when billing asks
    (jobs and quote conversions). A yes for a kind that stops a delete records it before it answers
    (`has_transactions`), so a DELETE ordered after it is refused even while billing's own
    transaction, or its event, is still on its way. If billing's write then fails the flag stays:
    the customer can no longer be deleted (only made dormant or erased) — the safe side.
    """
    with uow:
        customer = uow.customers.get(customer_id, for_update=True)
        if customer.erased_at is not None:
            raise NotFound("This customer's personal data was erased: no new documents can be made for it.")
        if refuse_if_blocked and customer.blocked:
            raise Conflict("The account is blocked.", block_reason=customer.block_reason)
        if kind in DOCUMENTS_THAT_STOP_DELETE and not customer.has_transactions:
            uow.customers.record_facts(customer.id, has_transactions=True)
        uow.commit()
        return customer


# --- delete and erase ------------------------------------------------------------------------


def _merged_into(uow: CustomersUnitOfWork, customer_id: str) -> list[Customer]:
    """Every customer merged into `customer_id`, directly or through another merged customer (a
    merged record keeps pointing at the customer it was merged into), locked for the change."""
    found: list[Customer] = []
    frontier = [customer_id]
    while frontier:
        rows = list(
            uow.session.scalars(
                select(Customer)
                .where(Customer.tenant_id == uow.tenant_id, Customer.merged_into_id.in_(frontier))
                .order_by(Customer.created_at, Customer.id)
                .with_for_update()
            )
        )
        rows = [r for r in rows if r.id != customer_id and r not in found]  # a cycle cannot loop
        found += rows
        frontier = [r.id for r in rows]
    return found


def delete_customer(uow: CustomersUnitOfWork, customer_id: str, expected_version: int) -> None:
    """Gone with everything that hangs off it — unless billing has (or is writing) a document that
    stops a delete (409): `has_transactions`, set by `admit_document` under the same row lock.

    The customers merged into it (kept as pointers to it) go with it, and so do their merge audits;
    `customer.deleted` is published for each of them too: other services still hold copies under
    the merged ids, which no later erase could reach once the pointers are gone.
    """
    with uow:
        customer = at_version(uow.customers.get(customer_id, for_update=True), expected_version)
        merged = _merged_into(uow, customer.id)
        if customer.has_transactions or any(m.has_transactions for m in merged):
            raise Conflict(
                "This customer has financial transactions or jobs (invoices, credit notes, payments, "
                "account credit or jobs) and cannot be deleted. Mark it dormant instead, or erase its "
                "personal data."
            )
        ids = [customer.id] + [m.id for m in merged]
        for model in (WorkAddress, Branch, Contact):
            uow.session.execute(
                delete(model).where(model.tenant_id == uow.tenant_id, model.customer_id.in_(ids))
            )
        uow.session.execute(
            delete(CustomerMerge).where(
                CustomerMerge.tenant_id == uow.tenant_id, CustomerMerge.merged_id.in_([m.id for m in merged])
            )
        )
        for row in merged:
            uow.session.delete(row)
        uow.session.delete(customer)
        uow.session.flush()
        for row in merged:
            uow.publish("customer.deleted", events.customer_removed(row.id), subject=row.id)
        uow.publish("customer.deleted", events.customer_removed(customer.id), subject=customer.id)
        uow.commit()


def _anonymise_customer(customer: Customer) -> None:
    """The customer's own personal data removed; the record stays under an anonymous name."""
    for name in records.SIMPLE_CUSTOMER_FIELDS:
        setattr(customer, name, None)
    customer.surname = ERASED_NAME if customer.type != "company" else None
    customer.company_name = ERASED_NAME if customer.type == "company" else None
    for key in ("line_1", "line_2", "line_3", "town", "county", "postcode"):
        records.set_address(customer, {key: None})
    customer.custom_fields = {}
    customer.block_reason = "(erased)" if customer.blocked else None
    customer.unblock_reason = "(erased)" if customer.unblock_reason else None
    customer.status = "dormant"
    customer.erased_at = utcnow()
    customer.updated_at = utcnow()
    records.derive(customer)


def _erase_merged(uow: CustomersUnitOfWork, customers: list[Customer], erased_with: str) -> int:
    """Anonymise the merged records (pointers) not erased yet, each with `customer.erased` so the
    copies other services keep of it are anonymised too. Their contacts, branches and work
    addresses moved to the survivor when they were merged. Returns how many were anonymised."""
    erased = 0
    for merged in customers:
        if merged.erased_at is not None:
            continue
        _anonymise_customer(merged)
        uow.session.flush()
        uow.publish("customer.erased", events.customer_removed(merged.id), subject=merged.id)
        actions = _erasure_report(merged, contacts=0, work_addresses=0, branches=0, merged=0, already=False)
        own_part = {**actions["services"]["customers"], "erased_with": erased_with}
        record_erasure(uow, merged.id, "customers", own_part)
        erased += 1
    _forget_merge_details(uow, [c.id for c in customers])
    return erased


def _forget_merge_details(uow: CustomersUnitOfWork, merged_ids: list[str]) -> None:
    """The merge audits of erased records keep what moved and the kinds of conflict, not their
    details (which name contacts)."""
    if not merged_ids:
        return
    for audit in uow.session.scalars(
        select(CustomerMerge).where(
            CustomerMerge.tenant_id == uow.tenant_id, CustomerMerge.merged_id.in_(merged_ids)
        )
    ):
        summary = dict(audit.summary or {})
        summary["conflicts"] = [{**c, "detail": "(erased)"} for c in summary.get("conflicts") or []]
        audit.summary = summary


def erase_customer(uow: CustomersUnitOfWork, customer_id: str) -> dict:
    """GDPR erasure: personal data anonymised here and, on `customer.erased`, in every service.

    The record stays (financial records elsewhere keep pointing at it) under an anonymous name.
    Its branches lose their name, address, phones and emails; the customers merged into it
    (directly or transitively) are anonymised with it, each with its own `customer.erased`. A
    merged customer's id erases that merged record in place (and those merged into it).
    """
    with uow:
        customer = uow.customers.get(customer_id, for_update=True, allow_merged=True)
        merged = _merged_into(uow, customer.id)
        if customer.erased_at is not None:
            # merged into it since it was erased: those go too
            merged_erased = _erase_merged(uow, merged, customer.id)
            if merged_erased:
                uow.commit()
            return _erasure_report(customer, contacts=0, work_addresses=0, branches=0, merged=0, already=True)
        _anonymise_customer(customer)
        branches = uow.branches.of_customer(customer.id)
        for branch in branches:
            branch.name = ERASED_BRANCH_NAME
            for key in ("line_1", "line_2", "line_3", "town", "county", "postcode"):
                records.set_address(branch, {key: None})
            branch.phones, branch.emails = [], []
            branch.default_contact_id = None  # its contacts are erased (archived) just below
            branch.updated_at = utcnow()
            branch.record("branch.updated")
        contacts = uow.contacts.of_customer(customer.id)
        for contact in contacts:
            contact.title = contact.first_name = contact.position = contact.email = None
            contact.surname = ERASED_NAME
            contact.phones, contact.urls, contact.phone_digits = [], [], None
            contact.archived = True
            contact.is_primary = False  # an archived contact is never primary
            sites.clear_default_contact(uow, customer.id, contact.id)
            contact.record("contact.updated")
        work_addresses = uow.work_addresses.of_customer(customer.id)
        for wa in work_addresses:
            wa.landlord = None
            wa.occupier = {"surname": "Occupier"}
            wa.name = None
            went_dormant = wa.status != "dormant"  # the erased customer is dormant, and so are they
            wa.status = "dormant"
            wa.record("work_address.updated")
            if went_dormant:
                wa.record("work_address.status_changed")
        if customer.merged_into_id is None:
            # a merged record is a pointer: others hold it only as a tombstone, which customer.erased clears
            customer.record("customer.updated")
        uow.publish("customer.erased", events.customer_removed(customer.id), subject=customer.id)
        _forget_merge_details(uow, [customer.id])
        merged_erased = _erase_merged(uow, merged, customer.id)
        report = _erasure_report(
            customer,
            contacts=len(contacts),
            work_addresses=len(work_addresses),
            branches=len(branches),
            merged=merged_erased,
            already=False,
        )
        record_erasure(uow, customer.id, "customers", report["services"]["customers"])
        uow.commit()
        return report


def _erasure_report(
    customer: Customer, contacts: int, work_addresses: int, branches: int, merged: int, already: bool
) -> dict:
    return {
        "customer_id": customer.id,
        "erased_at": customer.erased_at,
        "already_erased": already,
        "services": {
            "customers": {
                "customer": "name, contact details, address and custom fields removed; kept as "
                f"{ERASED_NAME!r}",
                "contacts_anonymised": contacts,
                "work_addresses_anonymised": work_addresses,
                "branches_anonymised": branches,
                "merged_customers_anonymised": merged,
            },
            "others": "billing, assets, comms and accounting-sync anonymise on customer.erased and "
            "report what they did: GET /v1/customers/{id}/erasure-report",
        },
    }


# --- the erasure report ----------------------------------------------------------------------


def record_erasure(uow: CustomersUnitOfWork, customer_id: str, service: str, actions: dict) -> None:
    """Keep what one service did on `customer.erased` (the latest report of each service wins)."""
    row = uow.session.scalar(
        select(ErasureReport).where(
            ErasureReport.tenant_id == uow.tenant_id,
            ErasureReport.customer_id == customer_id,
            ErasureReport.service == service,
        )
    )
    if row is None:
        row = ErasureReport(tenant_id=uow.tenant_id, customer_id=customer_id, service=service)
        uow.session.add(row)
    row.actions = actions
    row.reported_at = utcnow()


def erasure_report(uow: CustomersUnitOfWork, customer_id: str, services: list[str]) -> dict:
    """Which services reported their part of the erasure and what they did; which are pending."""
    with uow:
        customer = uow.customers.get(customer_id, allow_merged=True)  # a merged record is erased in place
        if customer.erased_at is None:
            raise NotFound("This customer has not been erased, so there is no erasure report.")
        rows = {
            r.service: r
            for r in uow.session.scalars(
                select(ErasureReport).where(
                    ErasureReport.tenant_id == uow.tenant_id, ErasureReport.customer_id == customer.id
                )
            )
        }
        report = {
            name: {"status": "reported", "reported_at": rows[name].reported_at, "actions": rows[name].actions}
            if name in rows
            else {"status": "pending", "reported_at": None, "actions": None}
            for name in sorted(set(services) | set(rows))
        }
        pending = [name for name, part in report.items() if part["status"] == "pending"]
        return {
            "customer_id": customer.id,
            "erased_at": customer.erased_at,
            "complete": not pending,
            "pending": pending,
            "services": report,
        }
