"""Use cases of recurring invoices: set one up for a customer (from a contract of the customer's, or
standalone), list and read them, change one (lines, end, next date…), pause, resume and stop; and
the worker's step that raises each due period's invoice exactly once.

Exactly once: the worker raises a period in one transaction that locks the customer's snapshot
(as every document write does, docs/architecture.md §8) and then the schedule, reads the schedule
again under its lock, writes the invoice (numbered from the tenant's counter, issued, posted to the
ledger) with its outbox events, and moves the schedule to the next period. Two workers wait for one
another on those locks, and the second finds the period gone; a crash before the commit leaves the
period due, raised on the next try. The invoices' unique (recurring_invoice_id, period_start) is the
backstop. A worker that was down raises the missed periods one after another when it is back, each
dated its period's first day (domain/recurrence.py).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import new_id, utcnow
from fieldbook_shared.etag import at_version, check_version
from fieldbook_shared.problems import Conflict, DomainError, ValidationFailed
from fieldbook_shared.uow import UnitOfWorkFactory

from ..domain import money, recurrence
from ..store.models import Invoice, RecurringInvoice, RecurringInvoiceLine
from ..store.queries import contract_cover, next_due_recurring_invoice
from ..uow import BillingUnitOfWork
from .common import admit, checked_work_address, customer_for, line_rows, priced_lines, set_totals, today
from .invoices import new_invoice

log = logging.getLogger("fieldbook.billing.recurring")

ACTOR = "system:billing"  # who raises the periods' invoices
INVOICE_FIELDS = ("description", "notes", "work_address_id", "retention_pct", "draft")
LINE_INPUT = ("description", "quantity", "unit_price", "vat_rate", "category")
# what a change may set beside the lines, the end and the next date (the frequency and start define
# the periods, and the contract what it bills: for those, stop it and set up another)
PLAIN_CHANGES = ("description", "notes", "draft")
CHANGEABLE = ("active", "paused")


def _checked_contract(uow: BillingUnitOfWork, customer_id: str, contract_id: str | None) -> str | None:
    """A schedule from a contract bills one of the customer's active contracts, as servicing has
    told billing of them (`contract.*`): another customer's, an ended one or one billing has not
    heard of (yet: servicing's event may still be on its way) is a 422 naming `contract_id`."""
    if not contract_id:
        return None
    contract = contract_cover(uow.session, uow.tenant_id, str(contract_id))
    if contract is None:
        why = "No such contract (one just made in servicing reaches billing within seconds: try again)."
    elif contract.customer_id != customer_id:
        why = "This contract is another customer's."
    elif contract.status != "active":
        why = f"This contract is {contract.status}: no new recurring invoice bills it."
    else:
        return contract.contract_id
    raise ValidationFailed({"contract_id": [why]})


def create_recurring_invoice(uow: BillingUnitOfWork, customer_id: str, body: dict) -> RecurringInvoice:
    """A schedule from `start_date` (default today; not before it) to `end_date` (optional, not
    before the start). Asked of customers like an invoice: a blocked account may be invoiced."""
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        start = body.get("start_date") or today()
        if start < today():
            raise ValidationFailed(
                {"start_date": ["Must not be before today: periods already past are not invoiced."]}
            )
        end = body.get("end_date")
        if end is not None and end < start:
            raise ValidationFailed({"end_date": ["Must not be before the start date."]})
        work_address_id = body.get("work_address_id")
        checked_work_address(uow, customer.id, work_address_id)
        lines = priced_lines(body.get("lines") or [])
        schedule = RecurringInvoice(
            id=new_id(),
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            contract_id=_checked_contract(uow, customer.id, body.get("contract_id")),
            frequency=body["frequency"],
            status="active",
            start_date=start,
            end_date=end,
            description=body.get("description"),
            notes=body.get("notes"),
            work_address_id=work_address_id,
            retention_pct=body.get("retention_pct") or money.ZERO,
            draft=bool(body.get("draft")),
            invoices_raised=0,
            created_by=uow.context.actor,
            lines=line_rows(RecurringInvoiceLine, lines, uow.tenant_id),
        )
        set_totals(schedule, lines)
        schedule.go_to(0)
        uow.session.add(schedule)
        schedule.record("recurring_invoice.created")
        admit(uow, customer, "recurring_invoice")
        uow.commit()
        return schedule


def get_recurring_invoice(uow: BillingUnitOfWork, schedule_id: str) -> RecurringInvoice:
    with uow:
        return uow.recurring_invoices.get(schedule_id)


def list_recurring_invoices(
    uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int, status: str | None = None
) -> tuple[list[RecurringInvoice], int]:
    """The customer's recurring invoices, the latest set up first; `status` narrows them."""
    with uow:
        customer_for(uow, customer_id)
        where = [RecurringInvoice.status == status] if status else []
        order = (RecurringInvoice.created_at.desc(), RecurringInvoice.id.desc())
        return uow.recurring_invoices.page(str(customer_id), order, page, page_size, *where)


def _period_from(schedule: RecurringInvoice, day: date, last_raised: date | None) -> int:
    """The index of the period `day` begins: the next date moves to one of the schedule's own period
    starts (so each period keeps its dates), today or later, after the last period invoiced."""
    index = recurrence.first_period_on_or_after(schedule.start_date, schedule.frequency, 0, day)
    first_day = recurrence.period_start(schedule.start_date, schedule.frequency, index)
    if first_day != day:
        raise ValidationFailed(
            {"next_date": [f"Must be the first day of one of its periods (e.g. {first_day.isoformat()})."]}
        )
    if day < today():
        raise ValidationFailed({"next_date": ["Must not be in the past."]})
    if last_raised is not None and day <= last_raised:
        raise ValidationFailed(
            {"next_date": [f"Must be after the last period invoiced ({last_raised.isoformat()})."]}
        )
    return index


def update_recurring_invoice(
    uow: BillingUnitOfWork, schedule_id: str, version: int, body: dict
) -> RecurringInvoice:
    """Change an active or paused schedule (`If-Match`): its lines (the invoices still to come), its
    end (`null`: until stopped; an end before the next date ends it), its next date (a later — or
    a skipped, not yet begun — period's first day), the description, notes, draft flag, retention
    and work address. The invoices raised stay as they are. 409 once stopped or ended."""
    with uow:
        schedule = at_version(uow.recurring_invoices.get(schedule_id, lock=True), version)
        if schedule.status not in CHANGEABLE:
            raise Conflict(
                f"A recurring invoice that is {schedule.status} cannot be changed.",
                current_status=schedule.status,
            )
        last = uow.session.get(Invoice, schedule.last_invoice_id) if schedule.last_invoice_id else None
        last_raised = last.period_start if last is not None else None
        if "lines" in body:
            lines = priced_lines(body["lines"])
            schedule.lines = line_rows(RecurringInvoiceLine, lines, uow.tenant_id)
            set_totals(schedule, lines)
        for key in PLAIN_CHANGES:
            if key in body:
                setattr(schedule, key, body[key])
        if "retention_pct" in body:
            schedule.retention_pct = body["retention_pct"] or money.ZERO
        if "work_address_id" in body:
            checked_work_address(uow, schedule.customer_id, body["work_address_id"])
            schedule.work_address_id = body["work_address_id"]
        if "end_date" in body:
            end = body["end_date"]
            if end is not None and end < max(schedule.start_date, last_raised or schedule.start_date):
                raise ValidationFailed(
                    {"end_date": ["Must not be before the start date nor the last period invoiced."]}
                )
            schedule.end_date = end
        index = schedule.next_period
        if body.get("next_date") is not None:
            index = _period_from(schedule, body["next_date"], last_raised)
        schedule.last_error = schedule.retry_at = None
        schedule.go_to(index)  # past a new end: ended (recurring_invoice.ended)
        uow.session.flush()
        schedule.record("recurring_invoice.updated")
        uow.commit()
        return schedule


def change_recurring_invoice(
    uow: BillingUnitOfWork, schedule_id: str, action: str, version: int | None
) -> RecurringInvoice:
    """pause, resume or stop (`If-Match` optional); 409 when its status does not allow it."""
    with uow:
        schedule = uow.recurring_invoices.get(schedule_id, lock=True)
        if version is not None:
            check_version(schedule.version, version)
        schedule.change_status(action, today())
        uow.commit()
        return schedule


# --- the worker ------------------------------------------------------------------------------------


def raise_due_period(uow: BillingUnitOfWork, schedule_id: str) -> Invoice | None:
    """Raise the invoice of the schedule's next period if it has begun and the schedule is active;
    None when there is nothing to raise (another worker raised it, or it was paused meanwhile)."""
    with uow:
        found = uow.recurring_invoices.find(schedule_id)
        if found is None:
            return None
        customer = customer_for(uow, found.customer_id, lock=True)  # the snapshot first (§8)
        schedule = uow.recurring_invoices.find(schedule_id, lock=True)  # read again, under its lock
        due = schedule is not None and schedule.status == "active" and schedule.next_date is not None
        if not due or schedule.next_date > today():
            return None
        start, end = schedule.period(schedule.next_period)
        body = {key: getattr(schedule, key) for key in INVOICE_FIELDS} | {"invoice_date": start}
        lines = [money.priced_line({k: getattr(line, k) for k in LINE_INPUT}) for line in schedule.lines]
        invoice = new_invoice(
            uow,
            customer,
            body,
            lines,
            [],
            recurring_invoice_id=schedule.id,
            period_start=start,
            period_end=end,
        )
        schedule.invoiced(invoice)
        uow.commit()
        return invoice


def note_failure(uow: BillingUnitOfWork, schedule_id: str, reason: str, retry_after: timedelta) -> None:
    """The due period could not be raised (customers unreachable, the customer gone…): keep why on
    the schedule and leave it until `retry_after` has passed, so other schedules go on meanwhile."""
    with uow:
        schedule = uow.recurring_invoices.find(schedule_id, lock=True)
        if schedule is not None:
            schedule.last_error = reason[:500]
            schedule.retry_at = utcnow() + retry_after
            uow.commit()


def raise_next_due(
    sessions: sessionmaker[Session], uow_factory: UnitOfWorkFactory, retry_after: timedelta
) -> bool:
    """The worker's step: raise one due period of any tenant's schedules; whether there was one
    (the job loop then asks again at once, so a worker back from downtime catches up)."""
    with sessions() as session:
        due = next_due_recurring_invoice(session, today(), utcnow())
    if due is None:
        return False
    tenant_id, schedule_id = due

    def unit_of_work() -> BillingUnitOfWork:
        return uow_factory(RequestContext.system(tenant_id, ACTOR))  # type: ignore[return-value]

    try:
        invoice = raise_due_period(unit_of_work(), schedule_id)
    except IntegrityError:  # the period's invoice exists: raised by another worker meanwhile
        log.info("recurring invoice %s: its period was raised by another worker", schedule_id)
        return True
    except DomainError as exc:
        log.warning("recurring invoice %s: not raised now (%s), tried again later", schedule_id, exc)
        note_failure(unit_of_work(), schedule_id, str(exc), retry_after)
        return True
    if invoice is not None:
        log.info(
            "recurring invoice %s: invoice %s raised for %s to %s",
            schedule_id,
            invoice.number,
            invoice.period_start,
            invoice.period_end,
        )
    return True
