"""Tenant-scoped repositories, the per-tenant counters and the ledger queries.

Another tenant's id is a 404 like a missing one (never a 403, never the data).
Money rules lock rows `FOR UPDATE` (no-op on SQLite, where writers are serialised anyway).
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import and_, case, func, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fieldbook_shared import uow
from fieldbook_shared.db import is_postgres, page_of
from fieldbook_shared.problems import NotFound

from ..domain.ledger import ALLOCATION_KINDS, Entry
from .models import (
    Allocation,
    ContractCover,
    Counter,
    CoveredWorkAddress,
    CreditNote,
    CustomerSnapshot,
    Invoice,
    Job,
    LedgerEntry,
    Payment,
    Quote,
    RecurringInvoice,
    Refund,
    Statement,
    StoredCard,
    WorkAddressSnapshot,
)


class Repository(uow.Repository):
    """One model's rows of the tenant, found by id (a 404 naming `label` when missing: by default
    the model's name in words, "No such credit note.")."""

    model: type
    label: str = ""

    def _select(self):
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    def find(self, id_: str, lock: bool = False):
        stmt = self._select().where(self.model.id == str(id_))
        if lock:  # the row as it is once locked, even when this session read it before
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalar(stmt)

    def get(self, id_: str, lock: bool = False):
        row = self.find(id_, lock=lock)
        if row is None:
            label = self.label or re.sub(r"(?<!^)(?=[A-Z])", " ", self.model.__name__).lower()
            raise NotFound(f"No such {label}.")
        return row

    def page(self, customer_id: str, order_by, page: int, page_size: int, *filters) -> tuple[list, int]:
        """One page of the customer's rows in `order_by`, narrowed by `filters` (SQL conditions)."""
        stmt = self._select().where(self.model.customer_id == customer_id, *filters).order_by(*order_by)
        return page_of(self.session, stmt, page, page_size)

    def all_for_customer(self, customer_id: str, order_by) -> list:
        """Every row of the customer in the list's order (exports: no paging)."""
        stmt = self._select().where(self.model.customer_id == customer_id).order_by(*order_by)
        return list(self.session.scalars(stmt).all())


class Customers(Repository):
    model = CustomerSnapshot
    label = "customer"


class WorkAddresses(Repository):
    model = WorkAddressSnapshot
    label = "work address"

    def by_ids(self, ids: set[str]) -> dict[str, WorkAddressSnapshot]:
        if not ids:
            return {}
        rows = self.session.scalars(
            select(WorkAddressSnapshot).where(
                WorkAddressSnapshot.tenant_id == self.tenant_id, WorkAddressSnapshot.id.in_(sorted(ids))
            )
        ).all()
        return {r.id: r for r in rows}


class Quotes(Repository):
    model = Quote


class Jobs(Repository):
    model = Job

    def for_customer(self, customer_id: str, ids: list[str] | None = None, lock: bool = False) -> list[Job]:
        stmt = self._select().where(Job.customer_id == customer_id)
        if ids is not None:
            stmt = stmt.where(Job.id.in_(ids))
        if lock:
            stmt = stmt.with_for_update()
        return list(self.session.scalars(stmt.order_by(Job.id)).all())


class Invoices(Repository):
    model = Invoice

    def lock_many(self, ids: list[str]) -> dict[str, Invoice]:
        """Lock invoices in id order (one order for every transaction: no deadlock between them)."""
        rows = self.session.scalars(
            self._select().where(Invoice.id.in_(sorted(set(ids)))).order_by(Invoice.id).with_for_update()
        ).all()
        return {r.id: r for r in rows}


class RecurringInvoices(Repository):
    model = RecurringInvoice


def next_due_recurring_invoice(session: Session, today: date, now) -> tuple[str, str] | None:
    """(tenant, id) of an active recurring invoice whose next period has begun by `today`, the
    longest due first, leaving out one whose last try failed until its `retry_at`; across tenants
    (the worker's question). None when nothing is due."""
    R = RecurringInvoice
    row = session.execute(
        select(R.tenant_id, R.id)
        .where(R.status == "active", R.next_date <= today, (R.retry_at.is_(None)) | (R.retry_at <= now))
        .order_by(R.next_date, R.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


class CreditNotes(Repository):
    model = CreditNote


class Payments(Repository):
    model = Payment


class Allocations(Repository):
    model = Allocation

    def of_source(self, source_id: str) -> list[Allocation]:
        return list(
            self.session.scalars(
                self._select().where(Allocation.source_id == source_id).order_by(Allocation.created_at)
            ).all()
        )


class Refunds(Repository):
    model = Refund


class Cards(Repository):
    model = StoredCard
    label = "card"


class Statements(Repository):
    model = Statement


class Counters(uow.Repository):
    """Gap-free numbers per tenant and kind: the counter row is locked until the transaction ends.

    The row is created on first use with INSERT … ON CONFLICT DO NOTHING (two first creations at
    once cannot both insert), then `SELECT … FOR UPDATE` serialises every numbering transaction of
    the tenant; a rollback gives the number back, so numbers have no gaps.
    """

    def next(self, name: str) -> int:
        insert = pg_insert if is_postgres(self.session) else sqlite_insert
        self.session.execute(
            insert(Counter)
            .values(tenant_id=self.tenant_id, name=name, next_value=1)
            .on_conflict_do_nothing(index_elements=["tenant_id", "name"])
        )
        value = self.session.scalar(
            select(Counter.next_value)
            .where(Counter.tenant_id == self.tenant_id, Counter.name == name)
            .with_for_update()
        )
        self.session.execute(
            update(Counter)
            .where(Counter.tenant_id == self.tenant_id, Counter.name == name)
            .values(next_value=value + 1)
        )
        return value


def _money_sum(expr):
    return type_coerce(func.coalesce(func.sum(expr), 0), LedgerEntry.amount.type)


class Ledger(uow.Repository):
    def post(self, customer_id: str, **values) -> LedgerEntry:
        entry = LedgerEntry(tenant_id=self.tenant_id, customer_id=customer_id, **values)
        self.session.add(entry)
        self.session.flush()
        return entry

    def _entries(self, *where) -> list[Entry]:
        """The tenant's entries that match `where`, in the order posted."""
        stmt = select(LedgerEntry).where(LedgerEntry.tenant_id == self.tenant_id, *where)
        return [Entry.of(r) for r in self.session.scalars(stmt.order_by(LedgerEntry.id)).all()]

    def entries(self, customer_id: str, as_at: date | None = None) -> list[Entry]:
        by_then = (LedgerEntry.entry_date <= as_at,) if as_at is not None else ()
        return self._entries(LedgerEntry.customer_id == customer_id, *by_then)

    def entries_by_customer(self, as_at: date) -> dict[str, list[Entry]]:
        """Every customer's entries up to the end of `as_at`, in one query (the aged debtors)."""
        out: dict[str, list[Entry]] = {}
        stmt = (
            select(LedgerEntry)
            .where(LedgerEntry.tenant_id == self.tenant_id, LedgerEntry.entry_date <= as_at)
            .order_by(LedgerEntry.customer_id, LedgerEntry.id)
        )
        for row in self.session.scalars(stmt):
            out.setdefault(row.customer_id, []).append(Entry.of(row))
        return out

    def sums(self, column, key_column, key: str) -> object:
        return self.session.scalar(
            select(func.coalesce(func.sum(column), 0)).where(
                LedgerEntry.tenant_id == self.tenant_id, key_column == key
            )
        )

    def outstanding(self, invoice_id: str):
        return self.sums(LedgerEntry.invoice_delta, LedgerEntry.invoice_id, invoice_id)

    def invoice_figures(self, customer_id: str) -> dict[str, tuple]:
        """Per invoice of the customer: (outstanding, paid, credited), summed over its entries.

        Paid is what payments and account credit allocated to it; credited, what credit notes did.
        """

        def allocated(*source_types: str):
            applies = and_(LedgerEntry.kind.in_(ALLOCATION_KINDS), LedgerEntry.source_type.in_(source_types))
            return _money_sum(case((applies, -LedgerEntry.invoice_delta), else_=0))

        invoices = select(Invoice.id).where(
            Invoice.tenant_id == self.tenant_id, Invoice.customer_id == customer_id
        )
        rows = self.session.execute(
            select(
                LedgerEntry.invoice_id,
                _money_sum(LedgerEntry.invoice_delta),
                allocated("payment", "account_credit"),
                allocated("credit_note"),
            )
            .where(LedgerEntry.tenant_id == self.tenant_id, LedgerEntry.invoice_id.in_(invoices))
            .group_by(LedgerEntry.invoice_id)
        ).all()
        return {invoice_id: tuple(figures) for invoice_id, *figures in rows}

    def of_source(self, source_id: str) -> list[Entry]:
        """Every entry that moves one credit source's unallocated amount, in the order posted."""
        return self._entries(LedgerEntry.source_id == source_id)

    def of_document(self, document_id: str) -> list[Entry]:
        return self._entries(LedgerEntry.document_id == document_id)

    def unallocated(self, source_id: str):
        return self.sums(LedgerEntry.source_delta, LedgerEntry.source_id, source_id)

    def balance(self, customer_id: str):
        return self.sums(LedgerEntry.amount, LedgerEntry.customer_id, customer_id)

    def customers(self) -> list[str]:
        return list(
            self.session.scalars(
                select(LedgerEntry.customer_id).where(LedgerEntry.tenant_id == self.tenant_id).distinct()
            ).all()
        )


def contract_cover(session: Session, tenant_id: str, contract_id: str) -> ContractCover | None:
    """The contract as billing heard of it from servicing (`contract.*`), or None."""
    return session.scalar(
        select(ContractCover).where(
            ContractCover.tenant_id == tenant_id, ContractCover.contract_id == contract_id
        )
    )


def contract_covers_at(session: Session, tenant_id: str, work_address_id: str) -> list[tuple]:
    """(status, start, end, SLA hours) of every contract billing knows covers the work address."""
    stmt = (
        select(
            ContractCover.status,
            ContractCover.start_date,
            ContractCover.end_date,
            ContractCover.sla_response_hours,
        )
        .join(
            CoveredWorkAddress,
            and_(
                CoveredWorkAddress.tenant_id == ContractCover.tenant_id,
                CoveredWorkAddress.contract_id == ContractCover.contract_id,
            ),
        )
        .where(
            CoveredWorkAddress.tenant_id == tenant_id, CoveredWorkAddress.work_address_id == work_address_id
        )
    )
    return [tuple(row) for row in session.execute(stmt)]
