"""What billing publishes: the payloads of its events (schemas: the kit's
`events/catalogue/billing.py`). What it consumes is in `handlers.py`."""

from __future__ import annotations

from .store.models import Allocation, CreditNote, Invoice, Job, Payment, Quote, Refund


def quote_data(q: Quote) -> dict:
    return {
        "id": q.id,
        "customer_id": q.customer_id,
        "number": q.number,
        "version": q.version,
        "status": q.status,
        "net": q.net,
        "vat": q.vat,
        "total": q.total,
        "work_address_id": q.work_address_id,
        "job_id": q.job_id,
        "converted_at": q.converted_at,
    }


def job_data(j: Job) -> dict:
    return {
        "id": j.id,
        "customer_id": j.customer_id,
        "number": j.number,
        "version": j.version,
        "status": j.status,
        "quote_id": j.quote_id,
        "scheduled_start": j.scheduled_start,
        "scheduled_end": j.scheduled_end,
        "engineer": j.engineer,
        "priority": j.priority,
        "category": j.category,
        "work_address_id": j.work_address_id,
        "asset_id": j.asset_id,
        "total": j.total,
    }


def invoice_data(i: Invoice, outstanding) -> dict:
    return {
        "id": i.id,
        "customer_id": i.customer_id,
        "number": i.number,
        "version": i.version,
        "status": i.status,
        "invoice_date": i.invoice_date,
        "due_date": i.due_date,
        "net": i.net,
        "vat": i.vat,
        "total": i.total,
        "outstanding": outstanding,
        "retention_amount": i.retention_amount,
        "consolidated": i.consolidated,
        "job_ids": list(i.job_ids or []),
    }


def credit_note_data(c: CreditNote) -> dict:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "number": c.number,
        "invoice_id": c.invoice_id,
        "credit_date": c.credit_date,
        "breakdown": c.breakdown,
        "net": c.net,
        "vat": c.vat,
        "total": c.total,
    }


def payment_data(p: Payment, unallocated) -> dict:
    return {
        "id": p.id,
        "customer_id": p.customer_id,
        "kind": p.kind,
        "method": p.method,
        "reference": p.reference,
        "nominal_account": p.nominal_account,
        "amount": p.amount,
        "received_on": p.received_on,
        "unallocated": unallocated,
    }


def allocation_data(a: Allocation, **undone) -> dict:
    """payment.allocated; payment.deallocated adds `undone` (deallocated_on, reason)."""
    return {
        "id": a.id,
        "customer_id": a.customer_id,
        "source_type": a.source_type,
        "source_id": a.source_id,
        "invoice_id": a.invoice_id,
        "amount": a.amount,
        "allocated_on": a.allocated_on,
        **undone,
    }


def refund_data(row: Refund, sources: list[dict]) -> dict:
    return {
        "id": row.id,
        "customer_id": row.customer_id,
        "amount": row.amount,
        "method": row.method,
        "reference": row.reference,
        "refunded_on": row.refunded_on,
        "sources": sources,
    }
