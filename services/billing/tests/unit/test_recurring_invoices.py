"""Recurring invoices: set up, listed, read; the worker's step raises each due period's invoice once
(numbered, issued, dated its period's first day, with its events), catches up after downtime, and
pause, resume, stop and the end date hold."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing.service.recurring_invoices import raise_due_period, raise_next_due
from billing.store.models import Invoice
from fieldbook_shared import clock
from fieldbook_shared.problems import NotFound

from ..conftest import TENANT, customer_data, line, publish, system_uow

RETRY = timedelta(minutes=5)


@pytest.fixture
def today_is(app, settings, sessions):
    """Billing's clock (fieldbook_shared.clock), set by the test: `today_is(date(2027, 1, 31))`."""
    clock.install(settings.with_(test_clock=True))

    def set_today(day: date) -> None:
        with sessions() as session:
            clock.set_to(session, datetime(day.year, day.month, day.day, 9, tzinfo=UTC))

    yield set_today
    clock.install(settings)


@pytest.fixture
def worker(sessions, uow_factory):
    """The worker's step until nothing is due; the invoices it raised, by number."""

    def run() -> int:
        steps = 0
        while raise_next_due(sessions, uow_factory, RETRY):
            steps += 1
            assert steps < 100
        return steps

    return run


def monthly(api, customer, start="2027-01-31", **fields):
    body = {"frequency": "monthly", "start_date": start, "lines": [line(unit_price="25.00")], **fields}
    r = api.post(f"/v1/customers/{customer}/recurring-invoices", body)
    assert r.status_code == 201, r.get_json()
    return r


def invoices(api, customer) -> list[dict]:
    rows = api.get(f"/v1/customers/{customer}/invoices?page_size=100").get_json()
    return sorted(rows, key=lambda i: i["number"])


def _contract(bus, customer_id: str, status: str = "active") -> str:
    """A contract servicing told billing of (contract.created)."""
    cid = str(uuid.uuid4())
    data = {
        "id": cid,
        "customer_id": customer_id,
        "version": 1,
        "plan_id": str(uuid.uuid4()),
        "plan_name": "Gold",
        "status": status,
        "start_date": date(2027, 1, 1),
        "end_date": date(2027, 12, 31),
        "auto_renew": False,
        "sla_response_hours": 24,
        "work_address_ids": [],
        "asset_ids": [],
        "term": 1,
    }
    publish(bus, "contract.created", data, source="servicing")
    bus.drain()
    return cid


def test_set_up_read_and_listed(api, bus, customer, today_is, outbox, customers_service):
    today_is(date(2027, 1, 20))
    contract = _contract(bus, customer)
    r = monthly(api, customer, description="Boiler cover", contract_id=contract)
    schedule = r.get_json()
    assert r.headers["Location"] == f"/v1/recurring-invoices/{schedule['id']}" and r.headers["ETag"]
    assert schedule["status"] == "active" and schedule["next_date"] == "2027-01-31"
    assert (schedule["net"], schedule["vat"], schedule["total"]) == ("25.00", "5.00", "30.00")
    assert schedule["invoices_raised"] == 0 and schedule["last_invoice"] is None
    assert schedule["contract_id"] == contract
    assert api.get(f"/v1/recurring-invoices/{schedule['id']}").get_json()["id"] == schedule["id"]
    listed = api.get(f"/v1/customers/{customer}/recurring-invoices?status=active").get_json()
    assert [s["id"] for s in listed] == [schedule["id"]]
    assert api.get(f"/v1/customers/{customer}/recurring-invoices?status=paused").get_json() == []
    assert [e["data"]["id"] for e in outbox("recurring_invoice.created")] == [schedule["id"]]
    assert customers_service.admitted[-1][2] == "recurring_invoice"  # checked like a quote, not recorded


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": "2027-01-19"}, "start_date"),
        ({"end_date": "2027-01-30"}, "end_date"),
        ({"frequency": "weekly"}, "frequency"),
        ({"lines": []}, "lines"),
        ({"lines": [line(vat_rate="101")]}, "lines.0.vat_rate"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(api, customer, today_is, fields, field):
    today_is(date(2027, 1, 20))
    r = api.post(
        f"/v1/customers/{customer}/recurring-invoices",
        {"frequency": "monthly", "start_date": "2027-01-31", "lines": [line()], **fields},
    )
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert api.get(f"/v1/customers/{customer}/recurring-invoices").get_json() == []


def test_each_period_is_invoiced_once_on_its_first_day_and_a_late_worker_catches_up(
    api, customer, today_is, worker, outbox
):
    today_is(date(2027, 1, 20))
    schedule = monthly(api, customer).get_json()
    assert worker() == 0  # nothing due before the start

    today_is(date(2027, 1, 31))
    assert worker() == 1
    assert worker() == 0  # the period is raised: nothing more until the next one

    today_is(date(2027, 5, 2))  # the worker was away for three months
    assert worker() == 3

    raised = invoices(api, customer)
    assert [i["number"] for i in raised] == [1, 2, 3, 4]
    assert [(i["invoice_date"], i["period_start"], i["period_end"]) for i in raised] == [
        ("2027-01-31", "2027-01-31", "2027-02-27"),
        ("2027-02-28", "2027-02-28", "2027-03-30"),
        ("2027-03-31", "2027-03-31", "2027-04-29"),
        ("2027-04-30", "2027-04-30", "2027-05-30"),
    ]
    assert {(i["status"], i["total"], i["recurring_invoice_id"]) for i in raised} == {
        ("issued", "30.00", schedule["id"])
    }
    assert raised[0]["due_date"] == "2027-03-02"  # 30 days' terms, as for any invoice
    shown = api.get(f"/v1/recurring-invoices/{schedule['id']}").get_json()
    assert shown["invoices_raised"] == 4 and shown["next_date"] == "2027-05-31"
    assert shown["last_invoice"] == {"id": raised[-1]["id"], "number": 4}
    invoiced = [e["data"] for e in outbox("recurring_invoice.invoiced")]
    assert [(d["invoice_number"], d["period_start"]) for d in invoiced] == [
        (1, "2027-01-31"),
        (2, "2027-02-28"),
        (3, "2027-03-31"),
        (4, "2027-04-30"),
    ]
    assert [e["data"]["id"] for e in outbox("invoice.issued")] == [i["id"] for i in raised]
    api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})  # one by hand
    listed = api.get(f"/v1/customers/{customer}/invoices?recurring_invoice_id={schedule['id']}").get_json()
    assert sorted(i["number"] for i in listed) == [1, 2, 3, 4]
    assert api.get(f"/v1/customers/{customer}/account").get_json()["balance"] == "240.00"


def test_a_period_raised_already_is_not_raised_again(api, customer, today_is, sessions):
    today_is(date(2027, 1, 31))
    schedule = monthly(api, customer).get_json()
    assert raise_due_period(system_uow(sessions), schedule["id"]).number == 1
    assert raise_due_period(system_uow(sessions), schedule["id"]) is None  # the next period has not begun

    # the backstop under the locks: a second invoice for the same period is refused by the database
    with sessions() as session, session.begin():
        first = session.scalars(select(Invoice)).one()
        copy = Invoice(
            tenant_id=first.tenant_id,
            customer_id=first.customer_id,
            number=99,
            invoice_date=first.invoice_date,
            due_date=first.due_date,
            recurring_invoice_id=schedule["id"],
            period_start=first.period_start,
        )
        session.add(copy)
        with pytest.raises(IntegrityError):
            session.flush()


def test_paused_periods_are_not_invoiced_and_resume_goes_on_from_the_next_period(
    api, customer, today_is, worker
):
    today_is(date(2027, 1, 31))
    r = monthly(api, customer)
    sid = r.get_json()["id"]
    assert worker() == 1

    paused = api.post(f"/v1/recurring-invoices/{sid}/pause", headers={"If-Match": r.headers["ETag"]})
    assert paused.status_code == 412  # the invoice raised moved its version on
    paused = api.post(f"/v1/recurring-invoices/{sid}/pause")
    assert paused.status_code == 200 and paused.get_json()["status"] == "paused"
    assert api.post(f"/v1/recurring-invoices/{sid}/pause").status_code == 409
    today_is(date(2027, 3, 15))
    assert worker() == 0

    resumed = api.post(f"/v1/recurring-invoices/{sid}/resume").get_json()
    assert (resumed["status"], resumed["next_date"]) == ("active", "2027-03-31")
    assert worker() == 0
    today_is(date(2027, 3, 31))
    assert worker() == 1
    assert [i["period_start"] for i in invoices(api, customer)] == ["2027-01-31", "2027-03-31"]

    stopped = api.post(f"/v1/recurring-invoices/{sid}/stop").get_json()
    assert (stopped["status"], stopped["next_date"]) == ("stopped", None)
    assert api.post(f"/v1/recurring-invoices/{sid}/resume").status_code == 409
    today_is(date(2027, 6, 1))
    assert worker() == 0


def test_a_schedule_ends_after_its_end_date(api, customer, today_is, worker, outbox):
    today_is(date(2027, 1, 1))
    sid = monthly(api, customer, start="2027-01-01", end_date="2027-03-01").get_json()["id"]
    today_is(date(2027, 12, 1))
    assert worker() == 3
    shown = api.get(f"/v1/recurring-invoices/{sid}").get_json()
    assert (shown["status"], shown["next_date"], shown["invoices_raised"]) == ("ended", None, 3)
    assert [e["data"]["id"] for e in outbox("recurring_invoice.ended")] == [sid]


def test_a_period_customers_refuses_waits_for_its_retry_while_others_go_on(
    api, bus, customer, today_is, worker, customers_service
):
    other = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(other))
    bus.drain()
    today_is(date(2027, 1, 31))
    refused = monthly(api, customer).get_json()["id"]
    monthly(api, other)
    customers_service.refusals[(TENANT, customer)] = NotFound("No such customer.")

    assert worker() == 2  # one refused (kept for a retry), the other raised
    shown = api.get(f"/v1/recurring-invoices/{refused}").get_json()
    assert shown["invoices_raised"] == 0 and shown["last_error"] == "No such customer."
    assert [i["number"] for i in invoices(api, other)] == [1]
    assert worker() == 0  # not tried again before its retry time


def test_a_deleted_customers_recurring_invoices_go_with_it(api, bus, customer, today_is, worker):
    today_is(date(2027, 1, 20))
    sid = monthly(api, customer).get_json()["id"]
    publish(bus, "customer.deleted", {"customer_id": customer})
    bus.drain()
    assert api.get(f"/v1/recurring-invoices/{sid}").status_code == 404
    today_is(date(2027, 2, 1))
    assert worker() == 0


def test_a_merged_customers_recurring_invoices_go_on_for_the_survivor(api, bus, customer, today_is, worker):
    survivor = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(survivor))
    bus.drain()
    today_is(date(2027, 1, 31))
    sid = monthly(api, customer).get_json()["id"]
    publish(bus, "customer.merged", {"survivor_id": survivor, "merged_id": customer})
    bus.drain()

    assert api.get(f"/v1/recurring-invoices/{sid}").get_json()["customer_id"] == survivor
    assert [s["id"] for s in api.get(f"/v1/customers/{survivor}/recurring-invoices").get_json()] == [sid]
    assert worker() == 1
    assert [i["recurring_invoice_id"] for i in invoices(api, survivor)] == [sid]


def test_an_erased_customers_recurring_invoices_stop_and_the_report_says_so(
    api, bus, customer, today_is, worker, outbox
):
    today_is(date(2027, 1, 20))
    sid = monthly(api, customer).get_json()["id"]
    publish(bus, "customer.erased", {"customer_id": customer})
    bus.drain()

    shown = api.get(f"/v1/recurring-invoices/{sid}").get_json()
    assert (shown["status"], shown["next_date"]) == ("stopped", None)
    today_is(date(2027, 3, 1))
    assert worker() == 0
    (report,) = outbox("customer.erasure_reported")
    assert report["data"]["actions"]["recurring_invoices_stopped"] == 1


def test_a_schedule_from_a_contract_needs_an_active_contract_of_the_customers(api, bus, customer, today_is):
    today_is(date(2027, 1, 20))
    other = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(other))
    bus.drain()
    cases = {
        str(uuid.uuid4()): "No such contract",
        _contract(bus, other): "another customer's",
        _contract(bus, customer, status="cancelled"): "cancelled",
    }
    for contract_id, why in cases.items():
        body = {
            "frequency": "monthly",
            "start_date": "2027-01-31",
            "lines": [line()],
            "contract_id": contract_id,
        }
        r = api.post(f"/v1/customers/{customer}/recurring-invoices", body)
        assert r.status_code == 422, r.get_json()
        assert why in r.get_json()["errors"]["contract_id"][0]
    assert api.get(f"/v1/customers/{customer}/recurring-invoices").get_json() == []


def _patch(api, schedule_id, body, etag=None):
    etag = etag or api.get(f"/v1/recurring-invoices/{schedule_id}").headers["ETag"]
    return api.patch(f"/v1/recurring-invoices/{schedule_id}", body, headers={"If-Match": etag})


def test_a_change_applies_to_the_invoices_still_to_come(api, customer, today_is, worker, outbox):
    today_is(date(2027, 1, 31))
    schedule = monthly(api, customer).get_json()
    worker()  # January's invoice, 30.00
    schedule_etag = api.get(f"/v1/recurring-invoices/{schedule['id']}").headers["ETag"]
    r = _patch(api, schedule["id"], {"lines": [line(unit_price="40.00")], "description": "Gold cover"})
    assert r.status_code == 200, r.get_json()
    changed = r.get_json()
    assert (changed["total"], changed["description"]) == ("48.00", "Gold cover")
    assert r.headers["ETag"] != schedule_etag
    assert [e["data"]["id"] for e in outbox("recurring_invoice.updated")] == [schedule["id"]]
    today_is(date(2027, 2, 28))
    worker()
    assert [i["total"] for i in invoices(api, customer)] == ["30.00", "48.00"]  # the one raised stays


def test_the_next_date_moves_to_another_periods_first_day(api, customer, today_is, worker):
    today_is(date(2027, 1, 31))
    schedule = monthly(api, customer).get_json()
    worker()
    bad = {
        "2027-03-15": "first day of one of its periods (e.g. 2027-03-31)",
        "2027-01-31": "Must not be in the past",
    }
    today_is(date(2027, 2, 10))
    for day, why in bad.items():
        r = _patch(api, schedule["id"], {"next_date": day})
        assert r.status_code == 422 and why in r.get_json()["errors"]["next_date"][0], r.get_json()
    r = _patch(api, schedule["id"], {"next_date": "2027-04-30"})  # skip February and March
    assert r.status_code == 200 and r.get_json()["next_date"] == "2027-04-30", r.get_json()
    today_is(date(2027, 4, 30))
    worker()
    got = [(i["period_start"], i["period_end"]) for i in invoices(api, customer)]
    assert got == [("2027-01-31", "2027-02-27"), ("2027-04-30", "2027-05-30")]


def test_an_end_before_the_next_date_ends_it_and_an_ended_one_is_not_changed(api, customer, today_is, worker):
    today_is(date(2027, 1, 31))
    schedule = monthly(api, customer).get_json()
    worker()
    r = _patch(api, schedule["id"], {"end_date": "2027-01-30"})
    assert r.status_code == 422 and "end_date" in r.get_json()["errors"]
    r = _patch(api, schedule["id"], {"end_date": "2027-02-15"})
    assert r.status_code == 200 and (r.get_json()["status"], r.get_json()["next_date"]) == ("ended", None)
    assert _patch(api, schedule["id"], {"end_date": None}).status_code == 409


def test_a_change_needs_if_match_and_a_current_one(api, customer, today_is):
    today_is(date(2027, 1, 20))
    schedule = monthly(api, customer)
    sid = schedule.get_json()["id"]
    assert api.patch(f"/v1/recurring-invoices/{sid}", {"notes": "x"}).status_code == 428
    assert _patch(api, sid, {"notes": "x"}, etag=schedule.headers["ETag"]).status_code == 200
    assert _patch(api, sid, {"notes": "y"}, etag=schedule.headers["ETag"]).status_code == 412
    assert _patch(api, sid, {"frequency": "yearly"}).status_code == 422  # not a field a change sets
