"""Use cases of quotes: make, edit, mark sent / accepted / rejected, convert to a job (refused while
the account is blocked or over its credit limit)."""

from __future__ import annotations

from decimal import Decimal

from fieldbook_shared.etag import at_version
from fieldbook_shared.problems import Conflict, NotFound

from ..domain import money, rules
from ..domain.money import ZERO, cents
from ..store.models import Job, Quote, QuoteLine
from ..uow import BillingUnitOfWork
from .common import (
    admit,
    checked_work_address,
    customer_for,
    json_line,
    line_dict,
    line_rows,
    priced_lines,
    set_totals,
)
from .contracts import stamp_sla
from .jobs import JOB_FIELDS


def create_quote(uow: BillingUnitOfWork, customer_id: str, body: dict) -> Quote:
    """A quote can be made for a blocked customer too (IMS: only converting it is refused)."""
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        lines = priced_lines(body["lines"])
        checked_work_address(uow, customer.id, body.get("work_address_id"))
        quote = Quote(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("quote"),
            status="draft",
            description=body.get("description"),
            work_address_id=body.get("work_address_id"),
            created_by=uow.context.actor,
            lines=line_rows(QuoteLine, lines, uow.tenant_id),
        )
        set_totals(quote, lines)
        uow.session.add(quote)
        uow.session.flush()
        quote.record("quote.created")
        admit(uow, customer, "quote")
        uow.commit()
        return quote


def get_quote(uow: BillingUnitOfWork, quote_id: str) -> Quote:
    with uow:
        return uow.quotes.get(quote_id)


def update_quote(uow: BillingUnitOfWork, quote_id: str, version: int, body: dict) -> Quote:
    with uow:
        quote = at_version(uow.quotes.get(quote_id), version)
        if quote.status not in ("draft", "sent"):
            raise Conflict(f"A {quote.status} quote cannot be edited.", current_status=quote.status)
        if "lines" in body:
            lines = priced_lines(body["lines"])
            quote.lines = line_rows(QuoteLine, lines, uow.tenant_id)
            set_totals(quote, lines)
        for key in ("description", "work_address_id"):
            if key in body:
                setattr(quote, key, body[key])
        uow.session.flush()
        quote.record("quote.status_changed")  # an edit is told as the quote's new snapshot
        uow.commit()
        return quote


def set_quote_status(uow: BillingUnitOfWork, quote_id: str, status: str) -> Quote:
    with uow:
        quote = uow.quotes.get(quote_id, lock=True)
        quote.move_to(status)
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
            lines=[json_line(line_dict(line)) for line in quote.lines],
            total=quote.total,
            **{k: body.get(k) for k in JOB_FIELDS if k not in ("description", "work_address_id")},
        )
        stamp_sla(uow, job)
        uow.session.add(job)
        uow.session.flush()
        quote.convert_to(job)
        job.record("job.created")
        admit(uow, customer, "job", refuse_if_blocked=True)
        uow.commit()
        return quote, job
