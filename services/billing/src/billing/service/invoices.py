"""Use cases of invoices: from a job or standalone, consolidated over several jobs, edit a draft,
issue, void. Numbered at creation (gap-free: a draft is voided, never deleted)."""

from __future__ import annotations

from decimal import Decimal

from fieldbook_shared.db import new_id
from fieldbook_shared.etag import at_version
from fieldbook_shared.problems import Conflict, ValidationFailed

from ..domain import money, rules
from ..domain.money import ZERO, cents
from ..store.models import CustomerSnapshot, Invoice, InvoiceLine, Job
from ..uow import BillingUnitOfWork
from .common import (
    admit,
    balance_changed,
    checked_work_address,
    customer_for,
    from_json_line,
    line_rows,
    post_to_ledger,
    priced_lines,
    refresh_invoice_status,
    set_totals,
    today,
)


def _invoiceable_job(uow: BillingUnitOfWork, job_id: str, customer_id: str) -> Job:
    job = uow.jobs.find(job_id, lock=True)
    if job is None or job.customer_id != customer_id:
        raise ValidationFailed({"job_id": ["No such job for this customer."]})
    if job.invoice_id:
        raise Conflict(f"Job {job.number} is already invoiced.", invoice_id=job.invoice_id)
    if job.status in ("aborted", "free_of_charge"):
        raise Conflict(f"Job {job.number} is {job.status.replace('_', ' ')}: there is nothing to invoice.")
    return job


def _job_lines(job: Job, given: list[dict] | None, missing: dict) -> list[dict]:
    """An invoice's lines for a job: those given, else the job's own; priced, each naming the job.
    `missing` is the 422's errors when there are neither."""
    raw = given or [from_json_line(line) for line in job.lines]
    if not raw:
        raise ValidationFailed(missing)
    return [{**money.priced_line(line), "job_id": job.id} for line in raw]


def new_invoice(
    uow, customer: CustomerSnapshot, body: dict, lines: list[dict], jobs: list[Job], **origin
) -> Invoice:
    """Number and write an invoice over `lines` (of `jobs`, now invoiced), publish it, issue it
    unless `draft`, and ask customers last (`admit`); the caller commits. `origin`: the recurring
    invoice and period it is raised for (service/recurring_invoices.py)."""
    invoice_date = body.get("invoice_date") or today()
    work_address_id = body.get("work_address_id") or next(
        (j.work_address_id for j in jobs if j.work_address_id), None
    )
    wa = checked_work_address(uow, customer.id, work_address_id)
    retention_pct = body.get("retention_pct") or ZERO
    invoice = Invoice(
        id=new_id(),
        tenant_id=uow.tenant_id,
        customer_id=customer.id,
        # numbered at creation: drafts are never deleted (only voided, keeping their number), so
        # the sequence stays gap-free and a number can be quoted from the first moment
        number=uow.counters.next("invoice"),
        status="draft",
        description=body.get("description"),
        notes=body.get("notes"),
        job_id=jobs[0].id if len(jobs) == 1 else None,
        job_ids=[j.id for j in jobs],
        consolidated=len(jobs) > 1 or bool(body.get("consolidated")),
        work_address_id=work_address_id,
        invoice_address=rules.format_invoice_address(
            customer.invoice_address_format, rules.address_tags(customer, wa)
        ),
        invoice_date=invoice_date,
        due_date=body.get("due_date") or money.due_date(invoice_date, customer.payment_terms_days),
        retention_pct=retention_pct,
        lines=line_rows(InvoiceLine, lines, uow.tenant_id, keep=("job_id",)),
        **origin,
    )
    set_totals(invoice, lines)
    invoice.retention_amount = money.retention(invoice.total, retention_pct)
    if invoice.due_date < invoice.invoice_date:
        raise ValidationFailed({"due_date": ["The due date cannot be before the invoice date."]})
    uow.session.add(invoice)
    for job in jobs:
        job.invoice_id = invoice.id
    uow.session.flush()
    invoice.record("invoice.created", outstanding=ZERO)
    if not body.get("draft"):
        _issue(uow, invoice)
    admit(uow, customer, "invoice")
    return invoice


def _issue(uow: BillingUnitOfWork, invoice: Invoice) -> None:
    uow.collect()  # invoice.created, when just recorded, tells the draft as it was
    invoice.issue()
    post_to_ledger(
        uow,
        invoice.customer_id,
        entry_date=invoice.invoice_date,
        kind="invoice",
        document_id=invoice.id,
        reference=f"INV {invoice.number}",
        amount=invoice.total,
        invoice_id=invoice.id,
        invoice_delta=invoice.total,
        due_date=invoice.due_date,
    )
    uow.session.flush()
    refresh_invoice_status(uow, invoice)  # a zero invoice is paid as soon as it is issued
    balance_changed(uow, invoice.customer_id)


def create_invoice(uow: BillingUnitOfWork, customer_id: str, body: dict) -> Invoice:
    """From a job (lines pre-filled from it unless given) or standalone; issued unless `draft`."""
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        jobs = []
        if body.get("job_id"):
            job = _invoiceable_job(uow, str(body["job_id"]), customer.id)
            jobs.append(job)
            missing = {"lines": ["This job has no priced lines: give the invoice's lines."]}
            lines = _job_lines(job, body.get("lines"), missing)
        else:
            lines = priced_lines(body.get("lines") or [])
        invoice = new_invoice(uow, customer, body, lines, jobs)
        uow.commit()
        return invoice


def create_consolidated_invoice(uow: BillingUnitOfWork, body: dict) -> Invoice:
    """One invoice (one number) over several open jobs of one customer; each job's lines kept apart."""
    with uow:
        customer = customer_for(uow, str(body["customer_id"]), lock=True)
        seen, jobs, lines = set(), [], []
        for item in body["jobs"]:
            job_id = str(item["job_id"])
            if job_id in seen:
                raise ValidationFailed({"jobs": ["A job can be on the invoice only once."]})
            seen.add(job_id)
            job = _invoiceable_job(uow, job_id, customer.id)
            if job.status != "open":
                raise Conflict(f"Job {job.number} is {job.status}: only open jobs can be consolidated.")
            missing = {f"jobs.{len(jobs)}.lines": [f"Job {job.number} has no price: give its lines."]}
            lines.extend(_job_lines(job, item.get("lines"), missing))
            jobs.append(job)
        invoice = new_invoice(uow, customer, {**body, "consolidated": True}, lines, jobs)
        uow.commit()
        return invoice


def get_invoice(uow: BillingUnitOfWork, invoice_id: str) -> tuple[Invoice, Decimal]:
    with uow:
        invoice = uow.invoices.get(invoice_id)
        return invoice, cents(uow.ledger.outstanding(invoice.id))


def update_invoice(uow: BillingUnitOfWork, invoice_id: str, version: int, body: dict) -> Invoice:
    """Edit a draft (lines, dates, description, retention). Issued invoices change by credit note."""
    with uow:
        invoice = at_version(uow.invoices.get(invoice_id, lock=True), version)
        if invoice.status != "draft":
            raise Conflict("Only a draft invoice can be edited; raise a credit note against an issued one.")
        if "lines" in body:
            lines = priced_lines(body["lines"])
            invoice.lines = line_rows(InvoiceLine, lines, uow.tenant_id)
            set_totals(invoice, lines)
        for key in ("description", "notes", "invoice_date", "due_date", "retention_pct"):
            if key in body:
                setattr(invoice, key, body[key])
        invoice.retention_amount = money.retention(invoice.total, invoice.retention_pct)
        if invoice.due_date < invoice.invoice_date:
            raise ValidationFailed({"due_date": ["The due date cannot be before the invoice date."]})
        uow.session.flush()
        uow.commit()
        return invoice


def issue_invoice(uow: BillingUnitOfWork, invoice_id: str, version: int | None) -> Invoice:
    with uow:
        invoice = at_version(uow.invoices.get(invoice_id, lock=True), version)
        if invoice.status != "draft":
            raise Conflict(f"The invoice is already {invoice.status}.", current_status=invoice.status)
        _issue(uow, invoice)
        uow.commit()
        return invoice


def void_invoice(uow: BillingUnitOfWork, invoice_id: str, version: int) -> Invoice:
    """Void keeps the number (no gap). Refused once anything was paid or credited against it."""
    with uow:
        invoice = at_version(uow.invoices.get(invoice_id, lock=True), version)
        if invoice.status == "void":
            raise Conflict("The invoice is already void.")
        outstanding = cents(uow.ledger.outstanding(invoice.id))
        if invoice.status != "draft" and outstanding != invoice.total:
            raise Conflict(
                f"{invoice.total - outstanding} has been paid or credited against this invoice: "
                "it cannot be voided. Raise a credit note instead.",
                total=str(invoice.total),
                outstanding=str(outstanding),
            )
        if invoice.status != "draft":
            post_to_ledger(
                uow,
                invoice.customer_id,
                entry_date=today(),
                kind="invoice_void",
                document_id=invoice.id,
                reference=f"INV {invoice.number} void",
                amount=-invoice.total,
                invoice_id=invoice.id,
                invoice_delta=-invoice.total,
            )
        invoice.void()
        for job in uow.jobs.for_customer(invoice.customer_id, ids=list(invoice.job_ids or [])):
            job.invoice_id = None  # the work can be invoiced again
        uow.session.flush()
        balance_changed(uow, invoice.customer_id)
        uow.commit()
        return invoice
