"""Recurring invoices through the gateway, with the clock moved by the test (System.set_clock): a
monthly invoice over six simulated months raises exactly six invoices with consecutive numbers,
though billing's worker was stopped for two of those months and restarted more than once, and
with two billing workers racing for the same periods."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from harness.api import all_pages, create_customer, expect, line
from harness.polling import consistently, eventually

# six month ends from 31 January: each period starts on the month's last day (or the 31st)
MONTHS = [
    date(2027, 1, 31),
    date(2027, 2, 28),
    date(2027, 3, 31),
    date(2027, 4, 30),
    date(2027, 5, 31),
    date(2027, 6, 30),
]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def set_up_monthly(client, customer_id: str, start: date) -> dict:
    body = {
        "frequency": "monthly",
        "start_date": start.isoformat(),
        "description": "Boiler cover",
        "lines": [line("25.00", description="Boiler cover, one month")],
    }
    return expect(client.post(f"/v1/customers/{customer_id}/recurring-invoices", json=body), 201).json()


def raised(client, customer_id: str, schedule_id: str) -> list[dict]:
    """The invoices the schedule raised, by number."""
    rows = all_pages(client, f"/v1/customers/{customer_id}/invoices")
    return sorted((i for i in rows if i["recurring_invoice_id"] == schedule_id), key=lambda i: i["number"])


def wait_for_invoices(client, customer_id: str, schedule_id: str, count: int) -> list[dict]:
    def check():
        found = raised(client, customer_id, schedule_id)
        assert len(found) == count, f"{len(found)} invoices, waiting for {count}"
        return found

    return eventually(check, timeout=60, interval=0.5, message=f"{count} invoices raised")


def no_more_than(client, customer_id: str, schedule_id: str, count: int) -> None:
    """Nothing more is raised for a while (no duplicate, no period ahead of the clock)."""
    consistently(
        lambda: _exactly(raised(client, customer_id, schedule_id), count), duration=3.0, interval=0.5
    )


def _exactly(found: list, count: int) -> bool:
    return len(found) == count


def assert_one_invoice_a_month(found: list[dict], months: list[date]) -> None:
    numbers = [i["number"] for i in found]
    assert numbers == list(range(numbers[0], numbers[0] + len(months))), numbers  # consecutive
    assert [i["period_start"] for i in found] == [m.isoformat() for m in months]
    assert [i["invoice_date"] for i in found] == [m.isoformat() for m in months]
    assert {(i["status"], i["total"]) for i in found} == {("issued", "30.00")}


@pytest.fixture
def billing_worker(system):
    """billing's worker, running again after the test whatever the test did to it."""
    yield system.processes["billing-worker"]
    if not system.processes["billing-worker"].alive:
        system.start("billing-worker")


def test_six_months_with_the_worker_stopped_for_two_raise_exactly_six_invoices(
    system, tenant, clock, billing_worker
):
    client = tenant.admin
    customer = create_customer(client)
    clock(at(date(2027, 1, 20)))
    schedule = set_up_monthly(client, customer["id"], MONTHS[0])
    cid, sid = customer["id"], schedule["id"]

    for month, day in enumerate(MONTHS[:2], start=1):  # January and February: the worker runs
        clock(at(day))
        wait_for_invoices(client, cid, sid, month)

    billing_worker.stop()  # March and April pass with no worker
    for day in MONTHS[2:4]:
        clock(at(day))
    no_more_than(client, cid, sid, 2)

    system.start("billing-worker")  # back: it catches up March and April, once each
    wait_for_invoices(client, cid, sid, 4)
    system.restart("billing-worker")  # a crash and a restart raise nothing twice
    no_more_than(client, cid, sid, 4)

    for month, day in enumerate(MONTHS[4:], start=5):  # May and June
        clock(at(day))
        wait_for_invoices(client, cid, sid, month)
    system.restart("billing-worker")
    no_more_than(client, cid, sid, 6)

    found = raised(client, cid, sid)
    assert_one_invoice_a_month(found, MONTHS)
    assert [i["number"] for i in found] == [1, 2, 3, 4, 5, 6]  # the tenant's only invoices
    shown = expect(client.get(f"/v1/recurring-invoices/{sid}"), 200).json()
    assert (shown["invoices_raised"], shown["next_date"]) == (6, "2027-07-31")
    assert shown["last_invoice"] == {"id": found[-1]["id"], "number": 6}
    account = expect(client.get(f"/v1/customers/{cid}/account"), 200).json()
    assert account["balance"] == "180.00"
    stop(client, sid)


def test_two_billing_workers_raise_each_period_once(system, tenant, clock):
    client = tenant.admin
    customers = [create_customer(client)["id"] for _ in range(3)]
    clock(at(date(2027, 1, 20)))
    schedules = {cid: set_up_monthly(client, cid, MONTHS[0])["id"] for cid in customers}

    system.start_extra_worker("billing", "billing-worker-2")
    try:
        clock(at(MONTHS[0]))  # both workers find the first periods due at once
        for cid, sid in schedules.items():
            wait_for_invoices(client, cid, sid, 1)
        clock(at(MONTHS[-1]))  # then five months at once: both catch up the same schedules
        for cid, sid in schedules.items():
            wait_for_invoices(client, cid, sid, 6)
        system.restart("billing-worker-2")
        for cid, sid in schedules.items():
            no_more_than(client, cid, sid, 6)
    finally:
        system.remove_process("billing-worker-2")

    numbers = []
    for cid, sid in schedules.items():
        found = raised(client, cid, sid)
        assert [i["period_start"] for i in found] == [m.isoformat() for m in MONTHS]
        numbers += [i["number"] for i in found]
        stop(client, sid)
    assert sorted(numbers) == list(range(1, 19))  # 18 invoices, no gap, no number twice


def stop(client, schedule_id: str) -> None:
    """Stopped at the end of a test, so a later test that moves the clock raises nothing for it."""
    expect(client.post(f"/v1/recurring-invoices/{schedule_id}/stop"), 200)
