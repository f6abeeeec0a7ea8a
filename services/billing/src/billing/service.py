"""Use cases of the billing service: quotes, jobs, invoices and credit notes.

Every function that changes state publishes its event(s) through the outbox in the same
transaction and commits once. Money that moves goes through the ledger (`_post`); payments,
allocations, statements and figures are in `cash.py` and `figures.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import new_id, utcnow
from fieldbook_shared.etag import check_version
from fieldbook_shared.problems import Conflict, CustomerMerged, NotFound, ValidationFailed

from . import customers_client, events, handlers
from .domain import money, rules
from .domain.money import ZERO, cents
from .store.models import (
    Allocation,
    CreditNote,
    CreditNoteLine,
    CustomerSnapshot,
    Invoice,
    InvoiceLine,
    Job,
    Quote,
    QuoteLine,
)
from .uow import BillingUnitOfWork

LINE_FIELDS = ("description", "quantity", "unit_price", "vat_rate", "category", "net", "vat", "total")


def today() -> date:
    return utcnow().date()


# --- the customer read model ----------------------------------------------------------------------


def customer_for(uow: BillingUnitOfWork, customer_id: str, lock: bool = False) -> CustomerSnapshot:
    """The customer's snapshot; one internal read from customers when billing has not heard of it.
    A merged customer's old id is a 410 naming the survivor (the kit's `CustomerMerged`)."""
    customer_id = str(customer_id)
    row = uow.customers.find(customer_id, lock=lock)
    if row is None:
        data = customers_client.fetch_customer(uow.tenant_id, customer_id)
        if data is None:
            raise NotFound("No such customer.")
        try:
            with uow.session.begin_nested():  # a concurrent request may store it first
                handlers.apply_customer_snapshot(uow, data)
        except IntegrityError:
            pass
        row = uow.customers.find(customer_id, lock=lock)
    if row is not None and row.merged_into:
        raise CustomerMerged(
            row.merged_into,
            f"That customer was merged into customer {row.merged_into}; its billing records are there now.",
        )
    if row is None or row.deleted:
        raise NotFound("No such customer.")
    return row


def admit(
    uow: BillingUnitOfWork, customer: CustomerSnapshot, kind: str, refuse_if_blocked: bool = False
) -> None:
    """customers' word that this document may be written for the customer now: the last step
    before commit, once every local check has passed (a refusal here leaves nothing behind; a yes
    recorded there for a document that stops a delete stays if this commit then fails — the safe
    side: the customer cannot be deleted). The caller holds the customer's snapshot row lock, so
    billing's handlers of customer.deleted / merged, which take it first, see this document.
    See docs/architecture.md §8."""
    customers_client.admit_document(uow.tenant_id, customer.id, kind, refuse_if_blocked)


def get_customer(uow: BillingUnitOfWork, customer_id: str) -> CustomerSnapshot:
    with uow:
        return customer_for(uow, customer_id)


# --- shared helpers -------------------------------------------------------------------------------


def _priced(lines: list[dict]) -> list[dict]:
    if not lines:
        raise ValidationFailed({"lines": ["At least one line is needed."]})
    return [money.priced_line(line) for line in lines]


def _line_rows(model, lines: list[dict], tenant_id: str, **extra) -> list:
    return [
        model(
            tenant_id=tenant_id,
            position=i,
            **{k: line[k] for k in LINE_FIELDS},
            **{k: line.get(k) for k in extra.get("keep", ())},
        )
        for i, line in enumerate(lines, start=1)
    ]


def _line_dict(line) -> dict:
    return {k: getattr(line, k) for k in LINE_FIELDS}


def _set_totals(doc, lines) -> None:
    t = money.document_totals(lines)
    doc.net, doc.vat, doc.total = t.net, t.vat, t.total


def _work_address(uow: BillingUnitOfWork, customer_id: str, work_address_id: str | None):
    if not work_address_id:
        return None
    wa = uow.work_addresses.find(work_address_id)
    if wa is not None and wa.customer_id != customer_id:
        raise ValidationFailed({"work_address_id": ["This work address belongs to another customer."]})
    return wa


def post_to_ledger(uow: BillingUnitOfWork, customer_id: str, **values):
    return uow.ledger.post(customer_id, **values)


def balance_changed(uow: BillingUnitOfWork, customer_id: str) -> None:
    """Publish the customer's new figures (customers shows them; accounting-sync compares them)."""
    entries = uow.ledger.entries(customer_id)
    from .domain import ledger

    outstanding = sum((v for v in ledger.outstanding_by_invoice(entries).values()), ZERO)
    unallocated = sum((v for v in ledger.unallocated_by_source(entries).values()), ZERO)
    uow.publish(
        "ledger.balance_changed",
        {
            "customer_id": customer_id,
            "balance": ledger.balance(entries),
            "total_due": cents(outstanding),
            "unallocated": cents(unallocated),
            "has_transactions": True,
            "as_of": utcnow(),
        },
        subject=customer_id,
    )


def refresh_invoice_status(uow: BillingUnitOfWork, invoice: Invoice) -> None:
    """issued / part_paid / paid follow the invoice's outstanding amount in the ledger."""
    if invoice.status not in ("issued", "part_paid", "paid"):
        return
    outstanding = cents(uow.ledger.outstanding(invoice.id))
    if outstanding == ZERO:
        new = "paid"
    elif outstanding < invoice.total:
        new = "part_paid"
    else:
        new = "issued"
    if new != invoice.status:
        invoice.status = new
        uow.session.flush()
        if new in ("paid", "part_paid"):
            uow.publish(f"invoice.{new}", events.invoice_data(invoice, outstanding), subject=invoice.id)
        else:  # owed in full again: its allocations were undone (de-allocated, payment reversed)
            uow.publish("invoice.reopened", events.invoice_data(invoice, outstanding), subject=invoice.id)


# --- quotes ---------------------------------------------------------------------------------------


def create_quote(uow: BillingUnitOfWork, customer_id: str, body: dict) -> Quote:
    """A quote can be made for a blocked customer too (IMS: only converting it is refused)."""
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        lines = _priced(body["lines"])
        _work_address(uow, customer.id, body.get("work_address_id"))
        quote = Quote(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("quote"),
            status="draft",
            description=body.get("description"),
            work_address_id=body.get("work_address_id"),
            created_by=uow.context.actor,
            lines=_line_rows(QuoteLine, lines, uow.tenant_id),
        )
        _set_totals(quote, lines)
        uow.session.add(quote)
        uow.session.flush()
        uow.publish("quote.created", events.quote_data(quote), subject=quote.id)
        admit(uow, customer, "quote")
        uow.commit()
        return quote


def get_quote(uow: BillingUnitOfWork, quote_id: str) -> Quote:
    with uow:
        return uow.quotes.get(quote_id)


def update_quote(uow: BillingUnitOfWork, quote_id: str, version: int, body: dict) -> Quote:
    with uow:
        quote = uow.quotes.get(quote_id)
        check_version(quote.version, version)
        if quote.status not in ("draft", "sent"):
            raise Conflict(f"A {quote.status} quote cannot be edited.", current_status=quote.status)
        if "lines" in body:
            lines = _priced(body["lines"])
            quote.lines = _line_rows(QuoteLine, lines, uow.tenant_id)
            _set_totals(quote, lines)
        for key in ("description", "work_address_id"):
            if key in body:
                setattr(quote, key, body[key])
        uow.session.flush()
        uow.publish("quote.status_changed", events.quote_data(quote), subject=quote.id)
        uow.commit()
        return quote


def set_quote_status(uow: BillingUnitOfWork, quote_id: str, status: str) -> Quote:
    with uow:
        quote = uow.quotes.get(quote_id, lock=True)
        rules.quote_transition(quote.status, status)
        quote.status = status
        uow.session.flush()
        uow.publish("quote.status_changed", events.quote_data(quote), subject=quote.id)
        uow.commit()
        return quote


def work_in_progress(uow: BillingUnitOfWork, customer_id: str) -> Decimal:
    """The value of jobs converted but not invoiced yet: owed soon, so part of the credit check."""
    jobs = uow.jobs.for_customer(customer_id)
    return cents(sum((j.total for j in jobs if j.invoice_id is None and j.status == "open"), ZERO))


def convert_quote(uow: BillingUnitOfWork, quote_id: str, body: dict) -> tuple[Quote, Job]:
    """Quote → job; refused while the account is blocked or when it would pass the credit limit.

    The customer's snapshot row is locked, so two conversions for one customer cannot both pass
    the credit check. It is locked before the quote, in the order billing's customer.deleted /
    merged handlers take them (no deadlock with them); customers refuses a job for a blocked
    account even when the block has not reached billing's snapshot yet.
    """
    with uow:
        customer = customer_for(uow, uow.quotes.get(quote_id).customer_id, lock=True)
        quote = uow.quotes.get(quote_id, lock=True)
        if quote.customer_id != customer.id:  # re-pointed by a merge meanwhile
            raise NotFound("No such customer.")
        if quote.status not in rules.CONVERTIBLE:
            raise Conflict(f"A {quote.status} quote cannot be converted.", current_status=quote.status)
        if customer.blocked:
            raise Conflict(rules.BLOCKED_MESSAGE, block_reason=customer.block_reason)
        owed = cents(uow.ledger.balance(customer.id))
        wip = work_in_progress(uow, customer.id)
        refusal = money.credit_limit_refusal(customer.credit_limit, owed, wip, quote.total)
        if refusal:
            raise Conflict(
                refusal,
                credit_limit=str(cents(customer.credit_limit)),
                owed=str(owed),
                work_in_progress=str(wip),
                quote_total=str(quote.total),
            )
        job = Job(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("job"),
            quote_id=quote.id,
            description=body.get("description") or quote.description,
            status="open",
            work_address_id=body.get("work_address_id") or quote.work_address_id,
            lines=[_json_line(_line_dict(line)) for line in quote.lines],
            total=quote.total,
            **{k: body.get(k) for k in JOB_FIELDS if k not in ("description", "work_address_id")},
        )
        uow.session.add(job)
        uow.session.flush()
        quote.status = "converted"
        quote.converted_at = utcnow()
        quote.job_id = job.id
        uow.session.flush()
        uow.publish("quote.converted", events.quote_data(quote), subject=quote.id)
        uow.publish("job.created", events.job_data(job), subject=job.id)
        admit(uow, customer, "job", refuse_if_blocked=True)
        uow.commit()
        return quote, job


def _json_line(line: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in line.items()}


def _from_json_line(line: dict) -> dict:
    return {
        k: Decimal(line[k]) if k in ("quantity", "unit_price", "vat_rate") else line[k]
        for k in ("description", "quantity", "unit_price", "vat_rate", "category")
    }


# --- jobs ---------------------------------------------------------------------------------------------

JOB_FIELDS = (
    "description",
    "scheduled_start",
    "scheduled_end",
    "engineer",
    "priority",
    "category",
    "work_address_id",
    "asset_id",
)


def create_job(uow: BillingUnitOfWork, customer_id: str, body: dict) -> Job:
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        if customer.blocked:
            raise Conflict(rules.BLOCKED_MESSAGE, block_reason=customer.block_reason)
        _work_address(uow, customer.id, body.get("work_address_id"))
        lines = [money.priced_line(line) for line in body.get("lines") or []]
        job = Job(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("job"),
            status="open",
            lines=[_json_line(line) for line in lines],
            total=money.document_totals(lines).total,
            **{k: body.get(k) for k in JOB_FIELDS},
        )
        uow.session.add(job)
        uow.session.flush()
        uow.publish("job.created", events.job_data(job), subject=job.id)
        admit(uow, customer, "job", refuse_if_blocked=True)
        uow.commit()
        return job


def get_job(uow: BillingUnitOfWork, job_id: str) -> Job:
    with uow:
        return uow.jobs.get(job_id)


def update_job(uow: BillingUnitOfWork, job_id: str, body: dict) -> Job:
    with uow:
        job = uow.jobs.get(job_id, lock=True)
        status = body.pop("status", None)
        for key, value in body.items():
            setattr(job, key, value)
        event = "job.updated"
        if status and status != job.status:
            rules.job_transition(job.status, status)
            job.status = status
            if status == "completed":
                job.completed_at = utcnow()
                event = "job.completed"
        uow.session.flush()
        uow.publish(event, events.job_data(job), subject=job.id)
        uow.commit()
        return job


# --- invoices -----------------------------------------------------------------------------------------


def _invoiceable_job(uow: BillingUnitOfWork, job_id: str, customer_id: str) -> Job:
    job = uow.jobs.find(job_id, lock=True)
    if job is None or job.customer_id != customer_id:
        raise ValidationFailed({"job_id": ["No such job for this customer."]})
    if job.invoice_id:
        raise Conflict(f"Job {job.number} is already invoiced.", invoice_id=job.invoice_id)
    if job.status in ("aborted", "free_of_charge"):
        raise Conflict(f"Job {job.number} is {job.status.replace('_', ' ')}: there is nothing to invoice.")
    return job


def _new_invoice(uow, customer: CustomerSnapshot, body: dict, lines: list[dict], jobs: list[Job]) -> Invoice:
    invoice_date = body.get("invoice_date") or today()
    work_address_id = body.get("work_address_id") or next(
        (j.work_address_id for j in jobs if j.work_address_id), None
    )
    wa = _work_address(uow, customer.id, work_address_id)
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
        lines=_line_rows(InvoiceLine, lines, uow.tenant_id, keep=("job_id",)),
    )
    _set_totals(invoice, lines)
    invoice.retention_amount = money.retention(invoice.total, retention_pct)
    if invoice.due_date < invoice.invoice_date:
        raise ValidationFailed({"due_date": ["The due date cannot be before the invoice date."]})
    uow.session.add(invoice)
    for job in jobs:
        job.invoice_id = invoice.id
    uow.session.flush()
    return invoice


def _issue(uow: BillingUnitOfWork, invoice: Invoice) -> None:
    invoice.status = "issued"
    invoice.issued_at = utcnow()
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
    uow.publish("invoice.issued", events.invoice_data(invoice, invoice.total), subject=invoice.id)
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
            raw = body.get("lines") or [_from_json_line(line) for line in job.lines]
            if not raw:
                raise ValidationFailed({"lines": ["This job has no priced lines: give the invoice's lines."]})
            lines = [{**money.priced_line(line), "job_id": job.id} for line in raw]
        else:
            lines = _priced(body.get("lines") or [])
        invoice = _new_invoice(uow, customer, body, lines, jobs)
        uow.publish("invoice.created", events.invoice_data(invoice, ZERO), subject=invoice.id)
        if not body.get("draft"):
            _issue(uow, invoice)
        admit(uow, customer, "invoice")
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
            raw = item.get("lines") or [_from_json_line(line) for line in job.lines]
            if not raw:
                raise ValidationFailed(
                    {f"jobs.{len(jobs)}.lines": [f"Job {job.number} has no price: give its lines."]}
                )
            jobs.append(job)
            lines.extend({**money.priced_line(line), "job_id": job.id} for line in raw)
        invoice = _new_invoice(uow, customer, {**body, "consolidated": True}, lines, jobs)
        uow.publish("invoice.created", events.invoice_data(invoice, ZERO), subject=invoice.id)
        if not body.get("draft"):
            _issue(uow, invoice)
        admit(uow, customer, "invoice")
        uow.commit()
        return invoice


def get_invoice(uow: BillingUnitOfWork, invoice_id: str) -> tuple[Invoice, Decimal]:
    with uow:
        invoice = uow.invoices.get(invoice_id)
        return invoice, cents(uow.ledger.outstanding(invoice.id))


def update_invoice(uow: BillingUnitOfWork, invoice_id: str, version: int, body: dict) -> Invoice:
    """Edit a draft (lines, dates, description, retention). Issued invoices change by credit note."""
    with uow:
        invoice = uow.invoices.get(invoice_id, lock=True)
        check_version(invoice.version, version)
        if invoice.status != "draft":
            raise Conflict("Only a draft invoice can be edited; raise a credit note against an issued one.")
        if "lines" in body:
            lines = _priced(body["lines"])
            invoice.lines = _line_rows(InvoiceLine, lines, uow.tenant_id)
            _set_totals(invoice, lines)
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
        invoice = uow.invoices.get(invoice_id, lock=True)
        if version is not None:
            check_version(invoice.version, version)
        if invoice.status != "draft":
            raise Conflict(f"The invoice is already {invoice.status}.", current_status=invoice.status)
        _issue(uow, invoice)
        uow.commit()
        return invoice


def void_invoice(uow: BillingUnitOfWork, invoice_id: str, version: int) -> Invoice:
    """Void keeps the number (no gap). Refused once anything was paid or credited against it."""
    with uow:
        invoice = uow.invoices.get(invoice_id, lock=True)
        check_version(invoice.version, version)
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
        invoice.status = "void"
        invoice.voided_at = utcnow()
        for job in uow.jobs.for_customer(invoice.customer_id, ids=list(invoice.job_ids or [])):
            job.invoice_id = None  # the work can be invoiced again
        uow.session.flush()
        uow.publish("invoice.voided", events.invoice_data(invoice, ZERO), subject=invoice.id)
        balance_changed(uow, invoice.customer_id)
        uow.commit()
        return invoice


def _latest_first(model) -> tuple:
    first = model.invoice_date if model is Invoice else model.created_at
    return first.desc(), model.number.desc()


def _list_filters(model, query: dict) -> list:
    """The list's filters as SQL: `status` (invoices also `overdue`: issued or part paid and due
    before today), `work_address_id`, and `from` / `to` on the list's date (an invoice's date; the
    day a quote or job was made), both days included."""
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


# --- credit notes ---------------------------------------------------------------------------------


def create_credit_note(uow: BillingUnitOfWork, body: dict) -> CreditNote:
    """Against an invoice (pre-filled with its lines unless given, applied to it) or the customer."""
    with uow:
        invoice = None
        if body.get("invoice_id"):
            # the customer's snapshot is locked before the invoice (the order of the handlers)
            customer_for(uow, uow.invoices.get(str(body["invoice_id"])).customer_id, lock=True)
            invoice = uow.invoices.get(str(body["invoice_id"]), lock=True)
            if invoice.status not in ("issued", "part_paid", "paid"):
                raise Conflict(f"A {invoice.status} invoice cannot be credited.")
            customer_id = invoice.customer_id
            if body.get("customer_id") and str(body["customer_id"]) != customer_id:
                raise ValidationFailed({"customer_id": ["The invoice belongs to another customer."]})
        elif body.get("customer_id"):
            customer_id = str(body["customer_id"])
        else:
            raise ValidationFailed({"customer_id": ["Give the customer or the invoice to credit."]})
        customer = customer_for(uow, customer_id, lock=True)
        if body.get("lines"):
            priced = _priced(body["lines"])
        elif invoice is not None:
            priced = [_line_dict(line) for line in invoice.lines]
        else:
            raise ValidationFailed({"lines": ["A credit note to a customer needs its lines."]})
        breakdown = body.get("breakdown") or "full"
        printed = money.credit_lines(priced, breakdown, body["description"])
        totals = money.document_totals(priced)
        if totals.total <= ZERO:
            raise ValidationFailed({"lines": ["A credit note must credit more than 0.00."]})
        if invoice is not None:
            credited = cents(
                sum(
                    (
                        c.total
                        for c in uow.session.query(CreditNote).filter_by(
                            tenant_id=uow.tenant_id, invoice_id=invoice.id
                        )
                    ),
                    ZERO,
                )
            )
            if credited + totals.total > invoice.total:
                raise Conflict(
                    f"Crediting {totals.total} would credit more than the invoice's {invoice.total} "
                    f"({credited} is already credited; at most {invoice.total - credited} can be).",
                    invoice_total=str(invoice.total),
                    already_credited=str(credited),
                    requested=str(totals.total),
                )
        note = CreditNote(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("credit_note"),
            invoice_id=invoice.id if invoice else None,
            description=body["description"],
            notes=body.get("notes"),
            credit_date=body.get("credit_date") or today(),
            breakdown=breakdown,
            net=totals.net,
            vat=totals.vat,
            total=totals.total,
            lines=_line_rows(CreditNoteLine, printed, uow.tenant_id),
        )
        uow.session.add(note)
        uow.session.flush()
        post_to_ledger(
            uow,
            customer.id,
            entry_date=note.credit_date,
            kind="credit_note",
            document_id=note.id,
            reference=f"CN {note.number}",
            amount=-note.total,
            source_id=note.id,
            source_type="credit_note",
            source_delta=note.total,
        )
        uow.publish("credit_note.issued", events.credit_note_data(note), subject=note.id)
        if invoice is not None:
            outstanding = cents(uow.ledger.outstanding(invoice.id))
            amount = min(outstanding, note.total)
            if amount > ZERO:
                apply_credit(uow, "credit_note", note.id, customer.id, invoice, amount, note.credit_date)
        balance_changed(uow, customer.id)
        admit(uow, customer, "credit_note")
        uow.commit()
        return note


def get_credit_note(uow: BillingUnitOfWork, credit_note_id: str) -> tuple[CreditNote, Decimal]:
    with uow:
        note = uow.credit_notes.get(credit_note_id)
        note.allocations = uow.allocations.of_source(note.id)  # shown, for de-allocating one
        return note, cents(uow.ledger.unallocated(note.id))


def list_credit_notes(uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int):
    """One page of the customer's credit notes, latest first, each with what is unallocated and its
    allocations; and the total."""
    with uow:
        customer = customer_for(uow, customer_id)
        order = (CreditNote.credit_date.desc(), CreditNote.number.desc())
        rows, total = uow.credit_notes.page(customer.id, order, page, page_size)
        for note in rows:
            note.allocations = uow.allocations.of_source(note.id)
        return [(n, cents(uow.ledger.unallocated(n.id))) for n in rows], total


def apply_credit(
    uow: BillingUnitOfWork,
    source_type: str,
    source_id: str,
    customer_id: str,
    invoice: Invoice,
    amount: Decimal,
    on: date,
) -> Allocation:
    """Record one allocation: its row, its ledger entry, the invoice's status and the event.

    Callers hold the locks and have checked the amounts (see cash.allocate).
    """
    allocation = Allocation(
        tenant_id=uow.tenant_id,
        customer_id=customer_id,
        source_type=source_type,
        source_id=source_id,
        invoice_id=invoice.id,
        amount=amount,
        allocated_on=on,
    )
    uow.session.add(allocation)
    uow.session.flush()
    post_to_ledger(
        uow,
        customer_id,
        entry_date=on,
        kind="allocation",
        document_id=allocation.id,
        reference=f"INV {invoice.number}",
        amount=ZERO,
        invoice_id=invoice.id,
        invoice_delta=-amount,
        source_id=source_id,
        source_type=source_type,
        source_delta=-amount,
    )
    refresh_invoice_status(uow, invoice)
    uow.publish(
        "payment.allocated",
        {
            "id": allocation.id,
            "customer_id": customer_id,
            "source_type": source_type,
            "source_id": source_id,
            "invoice_id": invoice.id,
            "amount": amount,
            "allocated_on": on,
        },
        subject=source_id,
    )
    return allocation
