"""A customer's quotes, jobs and invoices: the lists (latest first, filtered) and their exports."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from ..domain.money import ZERO, cents
from ..store.models import Invoice, Job, Quote
from ..uow import BillingUnitOfWork
from .common import customer_for, today


def _latest_first(model) -> tuple:
    first = model.invoice_date if model is Invoice else model.created_at
    return first.desc(), model.number.desc()


def _list_filters(model, query: dict) -> list:
    """The list's filters as SQL: `status` (invoices also `overdue`: issued or part paid and due
    before today), `work_address_id`, invoices' `recurring_invoice_id`, and `from` / `to` on the
    list's date (an invoice's date; the day a quote or job was made), both days included."""
    where = []
    status = query.get("status")
    if status == "overdue":
        where += [model.status.in_(("issued", "part_paid")), model.due_date < today()]
    elif status:
        where.append(model.status == status)
    if query.get("work_address_id"):
        where.append(model.work_address_id == str(query["work_address_id"]))
    start, end = query.get("from_"), query.get("to")
    if model is Invoice:
        if query.get("recurring_invoice_id"):
            where.append(model.recurring_invoice_id == str(query["recurring_invoice_id"]))
        where += [model.invoice_date >= start] if start else []
        where += [model.invoice_date <= end] if end else []
    else:
        where += [model.created_at >= datetime.combine(start, time.min, UTC)] if start else []
        where += [model.created_at < datetime.combine(end + timedelta(days=1), time.min, UTC)] if end else []
    return where


def list_for_customer(
    uow: BillingUnitOfWork,
    repo_name: str,
    customer_id: str,
    page: int,
    page_size: int,
    query: dict | None = None,
):
    """Quotes, jobs or invoices of a customer, latest first, narrowed by the list's filters."""
    with uow:
        customer_for(uow, customer_id)
        repo = getattr(uow, repo_name)
        where = _list_filters(repo.model, query or {})
        rows, total = repo.page(str(customer_id), _latest_first(repo.model), page, page_size, *where)
        if repo.model is Invoice:
            rows = [(r, cents(uow.ledger.outstanding(r.id))) for r in rows]
        return rows, total


def export_records(uow: BillingUnitOfWork, repo_name: str, customer_id: str) -> tuple[str, list[dict]]:
    """All of a customer's quotes, jobs or invoices in the list's order, as the export's records.

    Returns the customer's name and one dict per document (keys: `record_exports.COLUMNS`).
    """
    with uow:
        customer = customer_for(uow, customer_id)
        repo = getattr(uow, repo_name)
        rows = repo.all_for_customer(customer.id, _latest_first(repo.model))
        if repo_name == "invoices":
            figures = uow.ledger.invoice_figures(customer.id)
            records = [_invoice_record(r, *figures.get(r.id, (ZERO, ZERO, ZERO))) for r in rows]
        elif repo_name == "jobs":
            places = uow.work_addresses.by_ids({r.work_address_id for r in rows if r.work_address_id})
            records = [_job_record(r, places.get(r.work_address_id)) for r in rows]
        else:
            records = [_quote_record(r) for r in rows]
        return customer.display_name, records


def _invoice_record(invoice: Invoice, outstanding, paid, credited) -> dict:
    return {
        "number": invoice.number,
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "description": invoice.description,
        "status": invoice.status,
        "net": cents(invoice.net),
        "vat": cents(invoice.vat),
        "total": cents(invoice.total),
        "paid": cents(paid),
        "credited": cents(credited),
        "outstanding": cents(outstanding),
    }


def _job_record(job: Job, work_address) -> dict:
    place = None
    if work_address is not None:
        parts = [work_address.name, work_address.address_line_1, work_address.town, work_address.postcode]
        place = ", ".join(p for p in parts if p)
    return {
        "number": job.number,
        "description": job.description,
        "status": job.status,
        "scheduled_date": job.scheduled_start.date() if job.scheduled_start else None,
        "engineer": job.engineer,
        "category": job.category,
        "work_address": place,
    }


def _quote_record(quote: Quote) -> dict:
    return {
        "number": quote.number,
        "date": quote.created_at.date(),
        "description": quote.description,
        "status": quote.status,
        "net": cents(quote.net),
        "vat": cents(quote.vat),
        "total": cents(quote.total),
    }
