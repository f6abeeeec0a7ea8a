"""Tenant-scoped repositories and the few non-trivial queries (list, filter, search).

Search reads one column: `customers.search_text`, the customer's search document (every searched
field of the customer and of its contacts, a line each), which the database's triggers keep
current in the same transaction as every write (migration 0011). Each word of `q` is
`search_text ILIKE '%word%'`: on PostgreSQL one pg_trgm GIN index serves every word at once; on
SQLite the same query runs as `lower(…) LIKE lower(…)`. A search's total is counted up to
`SEARCH_TOTAL_CAP` (counting every hit of a common word was most of its time) and its list ends
there too, so the total always says how far the pages go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

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

# the sorts by column and direction, for the search's ordered matches (`matches_then_order`)
SORT_KEYS = {
    name: (column.element.key if descending else column.key, descending)
    for name, (column, _) in SORTS.items()
    for descending in [name.startswith("-")]
}

# a search lists (and counts) at most this many customers: beyond it `total` is the cap and the
# answer says so (`X-Total-Capped: true`); a narrower `q` or a filter finds the rest. As many as
# a mass email takes (the console pages through at most 10,000), so none of those is cut short.
SEARCH_TOTAL_CAP = 10_000


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

    @property
    def searching(self) -> bool:
        return bool(self.q and self.q.split())


@dataclass
class CustomersPage:
    """One page of the customer list; `total` is at most SEARCH_TOTAL_CAP when searching, and
    `capped` says more matched."""

    items: list
    total: int
    capped: bool = False


# a whole or partial UK postcode with its space: outward code, then the start of the inward code
POSTCODE_QUERY = re.compile(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s+[0-9][A-Za-z]{0,2}")


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(text: str) -> ColumnElement[bool]:
    return Customer.search_text.ilike(f"%{_escape_like(text)}%", escape="\\")


def _forms(term: str) -> list[str]:
    """What else `term` is searched as: a postcode without its spaces ("ls1 4a" → LS14A, as the
    document holds postcodes) and, when it is mostly digits and has no letter, a phone's digits in
    the form search stores them ("+44 7700 900123" → 07700900123, `rules.search_digits`)."""
    forms = []
    postcode = compact_postcode(term)
    if postcode and re.fullmatch(r"[A-Z0-9]{2,8}", postcode):
        forms.append(postcode)
    only_digits = re.sub(r"\D", "", term)
    # a phone has no letters: "L17 7EU" is a postcode, never the phone digits "177" (which match
    # thousands of customers)
    if (
        len(only_digits) >= 3
        and len(only_digits) >= len(term.replace(" ", "")) - 3
        and not re.search(r"[A-Za-z]", term)
    ):
        phone = search_digits(term)
        if phone and len(phone) >= 3:
            forms.append(phone)
    return [f for f in forms if f.lower() != term.lower()]


def _term_matches(term: str) -> ColumnElement[bool]:
    """The customer's document contains `term` as written or in one of its other forms."""
    return or_(*[_contains(text) for text in (term, *_forms(term))])


def search_condition(q: str) -> ColumnElement[bool]:
    """Every word of `q` in the customer's document (in its fields or its contacts'); or the whole
    of `q` as a postcode ("LS1 4AB", "ls1 4": the postcode, not every record with "ls1" and "4"
    somewhere) or as a phone number ("+44 7700 900123")."""
    phrase = q.strip()
    terms = phrase.split()[:6]
    if len(terms) == 1 or POSTCODE_QUERY.fullmatch(phrase):
        return _term_matches(phrase)
    every_word = and_(*[_term_matches(t) for t in terms])
    return or_(*[_contains(text) for text in _forms(phrase)], every_word)


def customers_query(tenant_id: str, f: CustomerFilters) -> Select:
    stmt = select(Customer).where(Customer.tenant_id == tenant_id, Customer.merged_into_id.is_(None))
    if f.q and f.searching:
        stmt = stmt.where(search_condition(f.q))
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


def matches_then_order(stmt: Select, sort: str) -> Select:
    """The matches first (the search document's index), then their order. Left to itself the
    planner may walk the sort's index (customers by name) filtering every row until it has a
    page: minutes for a name search, whose matches sit together in that very order. A
    MATERIALIZED CTE is planned on its own, so the matches come from the trigram index."""
    found = stmt.order_by(None).cte("matches").prefix_with("MATERIALIZED")
    hit = aliased(Customer, found)
    column, descending = SORT_KEYS.get(sort, SORT_KEYS["name"])
    key = getattr(hit, column)
    return select(hit).order_by(key.desc() if descending else key, hit.id)


def count_query(stmt: Select, cap: int | None = None) -> Select:
    """How many rows `stmt` has; with `cap`, counted no further than cap + 1 (more than the cap)."""
    stmt = stmt.order_by(None)
    if cap is not None:
        stmt = stmt.limit(cap + 1)
    return select(func.count()).select_from(stmt.subquery())


def page_of(session: Session, stmt, order: tuple, page: int, page_size: int) -> tuple[list, int]:
    """One page of a query's rows in `order`, and how many rows it has in all."""
    total = session.scalar(count_query(stmt)) or 0
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

    def page(self, filters: CustomerFilters, page: int, page_size: int) -> CustomersPage:
        stmt = customers_query(self.tenant_id, filters)
        offset = (page - 1) * page_size
        if not filters.searching:
            total = self.session.scalar(count_query(stmt)) or 0
            return CustomersPage(list(self.session.scalars(stmt.offset(offset).limit(page_size))), total)
        found = self.session.scalar(count_query(stmt, SEARCH_TOTAL_CAP)) or 0
        size = max(0, min(page_size, SEARCH_TOTAL_CAP - offset))  # the list ends at the cap
        ordered = matches_then_order(stmt, filters.sort)
        items = list(self.session.scalars(ordered.offset(offset).limit(size))) if size else []
        return CustomersPage(items, min(found, SEARCH_TOTAL_CAP), capped=found > SEARCH_TOTAL_CAP)


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
