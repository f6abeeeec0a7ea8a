"""Use cases of figures: the account page, statements and the reconciliation check.

All of them add up the same ledger entries (domain.ledger); nothing is kept as a running total
that could drift from them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from fieldbook_shared.problems import Forbidden

from ..domain import ledger
from ..domain.money import ZERO, cents
from ..store.models import (
    Allocation,
    CreditNote,
    CustomerSnapshot,
    Invoice,
    Job,
    LedgerEntry,
    Payment,
    Quote,
    Statement,
)
from ..uow import BillingUnitOfWork
from .common import customer_for, today


def _customer_header(customer: CustomerSnapshot) -> dict:
    address = [
        customer.address_line_1,
        customer.address_line_2,
        customer.address_line_3,
        customer.town,
        customer.county,
        customer.postcode,
    ]
    return {
        "id": customer.id,
        "name": customer.display_name,
        "address": [a for a in address if a],
        "payment_terms_days": customer.payment_terms_days,
    }


def compute_statement(
    uow: BillingUnitOfWork, customer_id: str, as_at: date | None, period_from: date | None
) -> dict:
    with uow:
        customer = customer_for(uow, customer_id)
        as_at = as_at or today()
        data = ledger.statement(uow.ledger.entries(customer.id, as_at), as_at, period_from)
        data["customer"] = _customer_header(customer)
        data["generated_at"] = datetime.now(UTC)
        return data


def save_statement(uow: BillingUnitOfWork, customer_id: str, data: dict, send: bool) -> Statement:
    """Keep a generated statement (as dumped JSON) so comms can fetch its PDF by id; publish it."""
    with uow:
        row = Statement(
            tenant_id=uow.tenant_id,
            customer_id=str(customer_id),
            as_at=date.fromisoformat(data["as_at"]),
            data=data,
            created_by=uow.context.actor,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.publish(
            "statement.generated",
            {
                "customer_id": str(customer_id),
                "statement_id": row.id,
                "as_at": row.as_at,
                "send": send,
                "balance": data["balance"],
                "total_due": data["total_due"],
            },
            subject=str(customer_id),
        )
        uow.commit()
        return row


def get_statement(uow: BillingUnitOfWork, statement_id: str) -> Statement:
    with uow:
        return uow.statements.get(statement_id)


def account_figures(
    uow: BillingUnitOfWork,
    customer_id: str,
    spend_from: date | None = None,
    spend_to: date | None = None,
    as_at: date | None = None,
) -> dict:
    """The figures of the customer account page (IMS and the account page of seed 004).

    As at the end of `as_at` (default today), from the ledger entries up to that date, as the
    statement as at that date adds them up: balance, total due, unallocated credit, overdue, debt
    age, ageing, lifetime value (invoices paid by then) and retentions (on invoices unpaid then).
    The snapshot's blocked / credit limit / terms and the job counts are as they are now: billing
    keeps no history of those.
    """
    with uow:
        customer = customer_for(uow, customer_id)
        now = as_at or today()
        entries = uow.ledger.entries(customer.id, now)
        invoices, credits = ledger.open_items(entries)
        outstanding = ledger.outstanding_by_invoice(entries)
        # an invoice posted by then and not voided by then; paid when nothing is outstanding on it
        posted = {e.invoice_id for e in entries if e.kind == "invoice"}
        posted -= {e.invoice_id for e in entries if e.kind == "invoice_void"}
        docs = [
            d
            for d in uow.session.scalars(
                select(Invoice).where(Invoice.tenant_id == uow.tenant_id, Invoice.customer_id == customer.id)
            )
            if d.id in posted
        ]
        lifetime = sum((d.total for d in docs if cents(outstanding.get(d.id, ZERO)) == ZERO), ZERO)
        retentions = sum(
            (
                min(d.retention_amount, outstanding.get(d.id, ZERO))
                for d in docs
                if d.retention_amount and outstanding.get(d.id, ZERO) > ZERO
            ),
            ZERO,
        )
        spend_to = spend_to or now
        spend_from = spend_from or (spend_to - timedelta(days=365))
        start = datetime.combine(spend_from, time.min, UTC)
        end = datetime.combine(spend_to + timedelta(days=1), time.min, UTC)
        spend = sum(
            uow.session.scalars(
                select(Quote.total).where(
                    Quote.tenant_id == uow.tenant_id,
                    Quote.customer_id == customer.id,
                    Quote.status == "converted",
                    Quote.converted_at >= start,
                    Quote.converted_at < end,
                )
            ),
            ZERO,
        )
        jobs = uow.jobs.for_customer(customer.id)
        moment = datetime.now(UTC)
        debt = ledger.debt(invoices, now)
        total_due = cents(sum((i.outstanding for i in invoices), ZERO))
        unallocated = cents(sum((c.unallocated for c in credits), ZERO))
        return {
            "customer_id": customer.id,
            "name": customer.display_name,
            "blocked": customer.blocked,
            "block_reason": customer.block_reason,
            "credit_limit": customer.credit_limit,
            "payment_terms_days": customer.payment_terms_days,
            "balance": ledger.balance(entries),
            "total_due": total_due,
            "unallocated_credit": unallocated,
            "account_credit_available": cents(
                sum((c.unallocated for c in credits if c.source_type == "account_credit"), ZERO)
            ),
            **debt,
            "ageing": ledger.ageing(invoices, now),
            "lifetime_value": cents(lifetime),
            "spend": {"from": spend_from, "to": spend_to, "amount": cents(spend)},
            "retentions": cents(retentions),
            "open_jobs": sum(1 for j in jobs if j.status == "open"),
            "future_jobs": sum(
                1 for j in jobs if j.status == "open" and j.scheduled_start and j.scheduled_start > moment
            ),
            "account_current": debt["overdue"] == ZERO,
            "as_of": now,
        }


# --- reconciliation -------------------------------------------------------------------------------


def reconcile_tenant(uow: BillingUnitOfWork) -> dict:
    """Recompute each customer's figures from the ledger and compare them with everything stored.

    Checks: the identity balance = outstanding − unallocated; each issued invoice's ledger entry
    equals its total and its lines add up; its status agrees with its outstanding amount; nothing
    is outstanding below 0 or above the total; no credit source is allocated beyond its amount;
    the allocation rows agree with the ledger; the statement as at today and the account figures
    give the same balance and total due.
    """
    if uow.context.role != "admin":
        raise Forbidden("Only admin may run the reconciliation.")
    mismatches: list[dict] = []

    def bad(customer_id, what, expected, found):
        mismatches.append(
            {"customer_id": customer_id, "check": what, "expected": str(expected), "found": str(found)}
        )

    with uow:
        customer_ids = sorted(set(uow.ledger.customers()))
        now = today()
        for cid in customer_ids:
            entries = uow.ledger.entries(cid)
            bal = ledger.balance(entries)
            outstanding = ledger.outstanding_by_invoice(entries)
            unallocated = ledger.unallocated_by_source(entries)
            total_due = cents(sum(outstanding.values(), ZERO))
            total_unalloc = cents(sum(unallocated.values(), ZERO))
            if bal != total_due - total_unalloc:
                bad(cid, "balance = outstanding − unallocated", total_due - total_unalloc, bal)
            for e in entries:
                if e.amount != e.invoice_delta - e.source_delta:
                    bad(
                        cid,
                        f"ledger entry {e.seq} moves balance and items alike",
                        e.invoice_delta - e.source_delta,
                        e.amount,
                    )
            _check_invoices(uow, cid, entries, outstanding, bad)
            _check_credit_sources(uow, cid, unallocated, bad)
            rows = uow.session.scalars(
                select(Allocation).where(Allocation.tenant_id == uow.tenant_id, Allocation.customer_id == cid)
            ).all()
            allocated_rows = cents(sum((a.amount for a in rows), ZERO))
            allocated_ledger = cents(-sum((e.invoice_delta for e in entries if e.kind == "allocation"), ZERO))
            if allocated_rows != allocated_ledger:
                bad(cid, "allocations = ledger allocations", allocated_ledger, allocated_rows)
            stmt = ledger.statement(entries, now)
            if stmt["balance"] != bal or stmt["total_due"] != total_due or not stmt["adds_up"]:
                bad(cid, "statement agrees with the ledger", bal, stmt["balance"])
        entries_count = len(
            uow.session.scalars(select(LedgerEntry.id).where(LedgerEntry.tenant_id == uow.tenant_id)).all()
        )
        jobs_count = len(uow.session.scalars(select(Job.id).where(Job.tenant_id == uow.tenant_id)).all())
    return {
        "customers_checked": len(customer_ids),
        "ledger_entries": entries_count,
        "jobs": jobs_count,
        "mismatches": mismatches,
        "ok": not mismatches,
    }


def _check_invoices(uow: BillingUnitOfWork, cid: str, entries: list, outstanding: dict, bad) -> None:
    """Each invoice of the customer: lines add up, posted at its total, status agrees with what is left."""
    for inv in uow.session.scalars(
        select(Invoice).where(Invoice.tenant_id == uow.tenant_id, Invoice.customer_id == cid)
    ):
        left = cents(outstanding.get(inv.id, ZERO))
        lines = cents(sum((line.total for line in inv.lines), ZERO))
        if lines != inv.total:
            bad(cid, f"invoice {inv.number} total = sum of its lines", lines, inv.total)
        if inv.status in ("draft",) and inv.id in outstanding:
            bad(cid, f"draft invoice {inv.number} not in the ledger", ZERO, left)
        posted = sum(
            (e.invoice_delta for e in entries if e.kind == "invoice" and e.invoice_id == inv.id), ZERO
        )
        if inv.status not in ("draft",) and posted != inv.total:
            bad(cid, f"invoice {inv.number} posted at its total", inv.total, posted)
        if inv.status == "paid" and left != ZERO:
            bad(cid, f"paid invoice {inv.number} has nothing outstanding", ZERO, left)
        if inv.status == "part_paid" and not (ZERO < left < inv.total):
            bad(cid, f"part paid invoice {inv.number} outstanding", "between 0 and total", left)
        if inv.status == "issued" and left != inv.total:
            bad(cid, f"issued invoice {inv.number} outstanding", inv.total, left)
        if inv.status == "void" and left != ZERO:
            bad(cid, f"void invoice {inv.number} outstanding", ZERO, left)
        if left < ZERO or left > inv.total:
            bad(cid, f"invoice {inv.number} outstanding within 0..total", inv.total, left)


def _check_credit_sources(uow: BillingUnitOfWork, cid: str, unallocated: dict, bad) -> None:
    """No payment or credit note is allocated beyond its amount (nor below 0)."""
    for p in uow.session.scalars(
        select(Payment).where(Payment.tenant_id == uow.tenant_id, Payment.customer_id == cid)
    ):
        left = cents(unallocated.get(p.id, ZERO))
        if left < ZERO or left > p.amount:
            bad(cid, f"{p.kind} {p.id} unallocated within 0..amount", p.amount, left)
    for c in uow.session.scalars(
        select(CreditNote).where(CreditNote.tenant_id == uow.tenant_id, CreditNote.customer_id == cid)
    ):
        left = cents(unallocated.get(c.id, ZERO))
        if left < ZERO or left > c.total:
            bad(cid, f"credit note {c.number} unallocated within 0..total", c.total, left)
