"""Tenant-scoped repositories and the few non-trivial queries (list, filter, search).

Search is one query on every backend: `ILIKE '%term%'` on PostgreSQL, where the pg_trgm GIN
indexes from the migrations serve it, and `lower(x) LIKE lower('%term%')` on SQLite.

Each term becomes a set of customer ids: the customers whose own fields contain it UNION the
customers of the contacts whose fields contain it. Both halves are a plain OR over trigram-indexed
columns, which PostgreSQL answers with a BitmapOr of index scans; the customer list then joins to
that (small) set. An EXISTS on contacts inside one big OR would force a scan of every customer of
the tenant for each search (seconds at a million customers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import CompoundSelect, Select, func, intersect, or_, select, union, update
from sqlalchemy.orm import Session

from fieldbook_shared.problems import CustomerMerged, NotFound

from ..domain.rules import compact_postcode, search_digits
from .models import Branch, Contact, Customer, CustomerType, CustomFieldDefinition, WorkAddress

SORTS = {
    "name": (Customer.sort_name, Customer.id),
    "-name": (Customer.sort_name.desc(), Customer.id),
    "created_at": (Customer.created_at, Customer.id),
    "-created_at": (Customer.created_at.desc(), Customer.id),
    "postcode": (Customer.postcode_compact, Customer.id),
    "-postcode": (Customer.postcode_compact.desc(), Customer.id),
    "accounts_ref": (Customer.accounts_ref, Customer.id),
    "-accounts_ref": (Customer.accounts_ref.desc(), Customer.id),
}


@dataclass
class CustomerFilters:
    q: str | None = None
    type: str | None = None
    status: str | None = None
    blocked: bool | None = None
    postcode: str | None = None
    account_manager: str | None = None
    accounts_ref: str | None = None
    sort: str = "name"


# a whole or partial UK postcode with its space: outward code, then the start of the inward code
POSTCODE_QUERY = re.compile(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s+[0-9][A-Za-z]{0,2}")


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _term_ids(tenant_id: str, term: str) -> CompoundSelect:
    """Ids of the customers that contain `term` in a searchable field, theirs or a contact's."""
    like = f"%{_escape_like(term)}%"
    clauses = [
        Customer.display_name.ilike(like, escape="\\"),
        Customer.company_name.ilike(like, escape="\\"),
        Customer.address_line_1.ilike(like, escape="\\"),
        Customer.address_line_2.ilike(like, escape="\\"),
        Customer.address_line_3.ilike(like, escape="\\"),
        Customer.town.ilike(like, escape="\\"),
        Customer.county.ilike(like, escape="\\"),
        Customer.email.ilike(like, escape="\\"),
        Customer.accounts_ref.ilike(like, escape="\\"),
    ]
    contact_clauses = [
        Contact.surname.ilike(like, escape="\\"),
        Contact.first_name.ilike(like, escape="\\"),
        Contact.email.ilike(like, escape="\\"),
    ]
    postcode = compact_postcode(term)
    if postcode and re.fullmatch(r"[A-Z0-9]{2,8}", postcode):
        clauses.append(Customer.postcode_compact.like(f"%{postcode}%"))
    only_digits = re.sub(r"\D", "", term)
    if len(only_digits) >= 3 and len(only_digits) >= len(term.replace(" ", "")) - 3:
        # stored and searched alike: "+44 7700 900123" finds "07700 900123" and the other way round
        phone = search_digits(term)
        if len(phone) >= 3:
            clauses.append(Customer.phone_digits.like(f"%{phone}%"))
            contact_clauses.append(Contact.phone_digits.like(f"%{phone}%"))
    return union(
        select(Customer.id).where(Customer.tenant_id == tenant_id, or_(*clauses)),
        select(Contact.customer_id).where(Contact.tenant_id == tenant_id, or_(*contact_clauses)),
    )


def _search_ids(tenant_id: str, q: str) -> CompoundSelect:
    """A whole phrase ("John Smith", "LS1 4AB") may match as it stands, or every word on its own."""
    terms = [t for t in q.split() if t][:6]
    if len(terms) == 1 or POSTCODE_QUERY.fullmatch(q.strip()):
        # "LS1 4AB", "ls1 4": the postcode, not every customer with "ls1" and "4" somewhere
        return _term_ids(tenant_id, q.strip())
    # SQLite cannot nest compound selects directly: each set is wrapped as a subquery
    every_word = intersect(*[select(_term_ids(tenant_id, t).subquery().c[0]) for t in terms])
    return union(
        select(_term_ids(tenant_id, q.strip()).subquery().c[0]),
        select(every_word.subquery().c[0]),
    )


def customers_query(tenant_id: str, f: CustomerFilters) -> Select:
    stmt = select(Customer).where(Customer.tenant_id == tenant_id, Customer.merged_into_id.is_(None))
    if f.q and f.q.split():
        stmt = stmt.where(Customer.id.in_(_search_ids(tenant_id, f.q)))
    if f.type:
        stmt = stmt.where(Customer.type == f.type)
    if f.status:
        stmt = stmt.where(Customer.status == f.status)
    if f.blocked is not None:
        stmt = stmt.where(Customer.blocked == f.blocked)
    if f.postcode:
        stmt = stmt.where(
            Customer.postcode_compact.like(f"{_escape_like(compact_postcode(f.postcode))}%", escape="\\")
        )
    if f.account_manager:
        stmt = stmt.where(Customer.account_manager == f.account_manager)
    if f.accounts_ref:
        stmt = stmt.where(Customer.accounts_ref == f.accounts_ref.upper())
    return stmt.order_by(*SORTS.get(f.sort, SORTS["name"]))


def page_of(session: Session, stmt, order: tuple, page: int, page_size: int) -> tuple[list, int]:
    """One page of a query's rows in `order`, and how many rows it has in all."""
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


class Customers:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, customer_id: str, *, for_update: bool = False, allow_merged: bool = False) -> Customer:
        stmt = select(Customer).where(Customer.id == str(customer_id), Customer.tenant_id == self.tenant_id)
        if for_update:
            stmt = stmt.with_for_update()
        customer = self.session.scalar(stmt)
        if customer is None:
            raise NotFound("No customer with that id.")
        if customer.merged_into_id and not allow_merged:
            raise CustomerMerged(customer.merged_into_id)
        return customer

    def find(self, customer_id: str) -> Customer | None:
        return self.session.scalar(
            select(Customer).where(Customer.id == str(customer_id), Customer.tenant_id == self.tenant_id)
        )

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    def record_facts(self, customer_id: str, **values) -> None:
        """Write facts other services report (Sage ref and balance, has-transactions) without
        moving the version. The ETag guards what office users edit; a background sync must never
        make their next save fail with 412. Clients cannot write these columns, so no edit of
        theirs can be lost to them."""
        self.session.execute(
            update(Customer)
            .where(Customer.id == str(customer_id), Customer.tenant_id == self.tenant_id)
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )

    def page(self, filters: CustomerFilters, page: int, page_size: int) -> tuple[list[Customer], int]:
        stmt = customers_query(self.tenant_id, filters)
        total = self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        items = list(self.session.scalars(stmt.offset((page - 1) * page_size).limit(page_size)))
        return items, total or 0


class Contacts:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, customer_id: str, contact_id: str) -> Contact:
        contact = self.session.scalar(
            select(Contact).where(
                Contact.id == str(contact_id),
                Contact.customer_id == str(customer_id),
                Contact.tenant_id == self.tenant_id,
            )
        )
        if contact is None:
            raise NotFound("No contact with that id on this customer.")
        return contact

    def of_customer(self, customer_id: str, include_archived: bool = True) -> list[Contact]:
        stmt = select(Contact).where(
            Contact.customer_id == str(customer_id), Contact.tenant_id == self.tenant_id
        )
        if not include_archived:
            stmt = stmt.where(Contact.archived.is_(False))
        return list(
            self.session.scalars(stmt.order_by(Contact.is_primary.desc(), Contact.created_at, Contact.id))
        )

    def page_of_customer(
        self, customer_id: str, include_archived: bool, page: int, page_size: int
    ) -> tuple[list[Contact], int]:
        stmt = select(Contact).where(
            Contact.customer_id == str(customer_id), Contact.tenant_id == self.tenant_id
        )
        if not include_archived:
            stmt = stmt.where(Contact.archived.is_(False))
        order = (Contact.is_primary.desc(), Contact.created_at, Contact.id)
        return page_of(self.session, stmt, order, page, page_size)

    def primary(self, customer_id: str) -> Contact | None:
        return self.session.scalar(
            select(Contact).where(
                Contact.customer_id == str(customer_id),
                Contact.tenant_id == self.tenant_id,
                Contact.is_primary.is_(True),
            )
        )

    def add(self, contact: Contact) -> None:
        self.session.add(contact)


class Branches:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, customer_id: str, branch_id: str) -> Branch:
        branch = self.session.scalar(
            select(Branch).where(
                Branch.id == str(branch_id),
                Branch.customer_id == str(customer_id),
                Branch.tenant_id == self.tenant_id,
            )
        )
        if branch is None:
            raise NotFound("No branch with that id on this customer.")
        return branch

    def of_customer(self, customer_id: str) -> list[Branch]:
        return list(
            self.session.scalars(
                select(Branch)
                .where(Branch.customer_id == str(customer_id), Branch.tenant_id == self.tenant_id)
                .order_by(Branch.name, Branch.id)
            )
        )

    def page_of_customer(self, customer_id: str, page: int, page_size: int) -> tuple[list[Branch], int]:
        stmt = select(Branch).where(
            Branch.customer_id == str(customer_id), Branch.tenant_id == self.tenant_id
        )
        return page_of(self.session, stmt, (Branch.name, Branch.id), page, page_size)

    def add(self, branch: Branch) -> None:
        self.session.add(branch)


class WorkAddresses:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, customer_id: str, work_address_id: str) -> WorkAddress:
        wa = self.session.scalar(
            select(WorkAddress).where(
                WorkAddress.id == str(work_address_id),
                WorkAddress.customer_id == str(customer_id),
                WorkAddress.tenant_id == self.tenant_id,
            )
        )
        if wa is None:
            raise NotFound("No work address with that id on this customer.")
        return wa

    def find(self, work_address_id: str) -> WorkAddress | None:
        """A work address by its id alone (whichever customer it is on), or None."""
        return self.session.scalar(
            select(WorkAddress).where(
                WorkAddress.id == str(work_address_id), WorkAddress.tenant_id == self.tenant_id
            )
        )

    def of_customer(self, customer_id: str) -> list[WorkAddress]:
        return list(
            self.session.scalars(
                select(WorkAddress)
                .where(WorkAddress.customer_id == str(customer_id), WorkAddress.tenant_id == self.tenant_id)
                .order_by(WorkAddress.created_at.desc(), WorkAddress.id)
            )
        )

    def page_of_customer(self, customer_id: str, page: int, page_size: int) -> tuple[list[WorkAddress], int]:
        stmt = select(WorkAddress).where(
            WorkAddress.customer_id == str(customer_id), WorkAddress.tenant_id == self.tenant_id
        )
        return page_of(self.session, stmt, (WorkAddress.created_at.desc(), WorkAddress.id), page, page_size)

    def add(self, wa: WorkAddress) -> None:
        self.session.add(wa)


class Settings:
    """The tenant's own definitions: custom fields and customer types."""

    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def custom_fields(self) -> list[CustomFieldDefinition]:
        return list(
            self.session.scalars(
                select(CustomFieldDefinition)
                .where(CustomFieldDefinition.tenant_id == self.tenant_id)
                .order_by(CustomFieldDefinition.key)
            )
        )

    def custom_field(self, key: str) -> CustomFieldDefinition:
        found = self.session.scalar(
            select(CustomFieldDefinition).where(
                CustomFieldDefinition.tenant_id == self.tenant_id, CustomFieldDefinition.key == key
            )
        )
        if found is None:
            raise NotFound("No custom field with that key.")
        return found

    def customer_types(self) -> list[CustomerType]:
        return list(
            self.session.scalars(
                select(CustomerType)
                .where(CustomerType.tenant_id == self.tenant_id)
                .order_by(CustomerType.name)
            )
        )

    def customer_type(self, name: str) -> CustomerType | None:
        return self.session.scalar(
            select(CustomerType).where(CustomerType.tenant_id == self.tenant_id, CustomerType.name == name)
        )

    def add(self, obj) -> None:
        self.session.add(obj)
