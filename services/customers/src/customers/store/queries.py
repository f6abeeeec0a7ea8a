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
from fieldbook_shared.uow import Repository

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


class Customers(Repository):
    def get(self, customer_id: str, *, for_update: bool = False, allow_merged: bool = False) -> Customer:
        missing = "No customer with that id."
        customer = self.get_one(Customer, Customer.id == str(customer_id), lock=for_update, missing=missing)
        if customer.merged_into_id and not allow_merged:
            raise CustomerMerged(customer.merged_into_id)
        return customer

    def find(self, customer_id: str) -> Customer | None:
        return self.find_one(Customer, Customer.id == str(customer_id))

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


class RecordsOfCustomer(Repository):
    """A customer's contacts, branches or work addresses within the tenant: `model`'s rows in
    `order`; `label` names one in a 404."""

    model: type[Contact] | type[Branch] | type[WorkAddress]
    label: str
    order: tuple

    def _of(self, customer_id: str) -> Select:
        model = self.model
        return select(model).where(model.customer_id == str(customer_id), model.tenant_id == self.tenant_id)

    def get(self, customer_id: str, record_id: str):
        row = self.session.scalar(self._of(customer_id).where(self.model.id == str(record_id)))
        if row is None:
            raise NotFound(f"No {self.label} with that id on this customer.")
        return row

    def of_customer(self, customer_id: str) -> list:
        return list(self.session.scalars(self._of(customer_id).order_by(*self.order)))

    def page_of_customer(self, customer_id: str, page: int, page_size: int) -> tuple[list, int]:
        return page_of(self.session, self._of(customer_id), self.order, page, page_size)


class Contacts(RecordsOfCustomer):
    model = Contact
    label = "contact"
    order = (Contact.is_primary.desc(), Contact.created_at, Contact.id)

    def _listed(self, customer_id: str, include_archived: bool) -> Select:
        stmt = self._of(customer_id)
        return stmt if include_archived else stmt.where(Contact.archived.is_(False))

    def of_customer(self, customer_id: str, include_archived: bool = True) -> list[Contact]:
        return list(self.session.scalars(self._listed(customer_id, include_archived).order_by(*self.order)))

    def page_of_customer(  # type: ignore[override]  # archived contacts are left out on request
        self, customer_id: str, include_archived: bool, page: int, page_size: int
    ) -> tuple[list[Contact], int]:
        return page_of(self.session, self._listed(customer_id, include_archived), self.order, page, page_size)

    def primary(self, customer_id: str) -> Contact | None:
        return self.session.scalar(self._of(customer_id).where(Contact.is_primary.is_(True)))


class Branches(RecordsOfCustomer):
    model = Branch
    label = "branch"
    order = (Branch.name, Branch.id)


class WorkAddresses(RecordsOfCustomer):
    model = WorkAddress
    label = "work address"
    order = (WorkAddress.created_at.desc(), WorkAddress.id)

    def find(self, work_address_id: str) -> WorkAddress | None:
        """A work address by its id alone (whichever customer it is on), or None."""
        return self.find_one(WorkAddress, WorkAddress.id == str(work_address_id))


class Settings(Repository):
    """The tenant's own definitions: custom fields and customer types."""

    def custom_fields(self) -> list[CustomFieldDefinition]:
        return list(
            self.session.scalars(self.select(CustomFieldDefinition).order_by(CustomFieldDefinition.key))
        )

    def custom_field(self, key: str) -> CustomFieldDefinition:
        found = self.session.scalar(self.select(CustomFieldDefinition, CustomFieldDefinition.key == key))
        if found is None:
            raise NotFound("No custom field with that key.")
        return found

    def customer_types(self) -> list[CustomerType]:
        return list(self.session.scalars(self.select(CustomerType).order_by(CustomerType.name)))

    def customer_type(self, name: str) -> CustomerType | None:
        return self.session.scalar(self.select(CustomerType, CustomerType.name == name))
