"""Service reminders through the gateway (servicing, with assets, billing, comms and the clock the
suite moves): boilers due next month are listed; one booked (billing makes the job, linked), one
postponed (the date moves, the reason kept), one cancelled; the reminder chain run day by day for a
month sends exactly one first and one second reminder per due boiler to the SMTP server, none to a
dormant or opted-out customer — with two servicing workers, one of them killed mid-run."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, date, datetime, timedelta

from harness.api import create_customer, expect, private_customer, unique
from harness.polling import eventually

START = datetime(2027, 3, 15, 9, tzinfo=UTC)  # the clock's first day
DUE = [date(2027, 4, 12), date(2027, 4, 14), date(2027, 4, 16)]  # next month
NEXT_MONTH_ENDS = "2027-05-01"


def _year_before(day: date) -> str:
    return day.replace(year=day.year - 1).isoformat()


def _boilers(client) -> str:
    """A gas boiler group serviced every 12 months, a customer and its work address."""
    group = expect(
        client.post("/v1/asset-catalogue/groups", json={"name": unique("Gas boiler ")}), 201
    ).json()
    expect(client.put(f"/v1/service-intervals/asset-groups/{group['id']}", json={"months": 12}), 201)
    return group["id"]


def _customer_at(client, **overrides) -> tuple[str, str]:
    customer = create_customer(client, private_customer(**overrides))["id"]
    wid = expect(
        client.post(
            f"/v1/customers/{customer}/work-addresses",
            json={"name": "Flat 1", "address": {"line_1": unique("1 Mill Lane "), "postcode": "LS29 8AB"}},
        ),
        201,
    ).json()["id"]
    return customer, wid


def _asset(client, customer: str, wid: str, group: str, due: date) -> str:
    body = {
        "serial_number": unique("GB-"),
        "brand": "Worcester",
        "description": "Greenstar 30i",
        "asset_group_id": group,
        "work_address_id": wid,
        "install_date": _year_before(due),
    }
    return expect(client.post(f"/v1/customers/{customer}/assets", json=body), 201).json()["id"]


def _reminders(client, **params) -> list[dict]:
    return expect(client.get("/v1/service-reminders", params={"page_size": 100, **params}), 200).json()


def _reminder_of(client, asset: str) -> dict:
    def found():
        rows = _reminders(client, asset_id=asset)
        assert len(rows) == 1 and rows[0]["due_date"], rows
        return rows[0]

    return eventually(found, timeout=60, message=f"servicing has the reminder of asset {asset}")


def test_boilers_due_next_month_are_listed_booked_postponed_and_cancelled(tenant, clock):
    client = tenant.admin
    clock(START)
    group = _boilers(client)
    customer, wid = _customer_at(client)
    booked, postponed, cancelled = (_asset(client, customer, wid, group, d) for d in DUE)
    later = _asset(client, customer, wid, group, date(2027, 9, 1))
    ids = {a: _reminder_of(client, a)["id"] for a in (booked, postponed, cancelled, later)}

    due = _reminders(client, due_before=NEXT_MONTH_ENDS, work_address_id=wid, status="due")
    assert [(r["asset_id"], r["due_date"]) for r in due] == [
        (booked, "2027-04-12"),
        (postponed, "2027-04-14"),
        (cancelled, "2027-04-16"),
    ]

    # book: billing makes the job, linked both ways
    r = client.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [ids[booked]], "decision": "book", "date": "2027-04-12"},
    )
    assert expect(r, 200).json()[0]["status"] == "booked"

    def job_linked():
        reminder = expect(client.get(f"/v1/service-reminders/{ids[booked]}"), 200).json()
        assert reminder["job_id"], reminder
        return reminder

    reminder = eventually(job_linked, timeout=60, message="billing makes the booked job")
    job = expect(client.get(f"/v1/jobs/{reminder['job_id']}"), 200).json()
    assert (job["customer_id"], job["asset_id"], job["work_address_id"]) == (customer, booked, wid)
    assert (job["service_reminder_id"], job["category"], job["status"]) == (ids[booked], "service", "open")
    assert job["scheduled_start"].startswith("2027-04-12")
    listed = expect(client.get(f"/v1/customers/{customer}/jobs"), 200).json()
    assert [j["id"] for j in listed] == [job["id"]]

    # postpone: the next service date moves, the reason is kept
    r = client.post(
        "/v1/service-reminders/decisions",
        json={
            "reminder_ids": [ids[postponed]],
            "decision": "postpone",
            "date": "2027-06-01",
            "reason": "Customer abroad until June",
        },
    )
    expect(r, 200)
    p = expect(client.get(f"/v1/service-reminders/{ids[postponed]}"), 200).json()
    assert (p["status"], p["due_date"], p["reason"]) == (
        "postponed",
        "2027-06-01",
        "Customer abroad until June",
    )

    # cancel, with the reason
    r = client.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [ids[cancelled]], "decision": "cancel", "reason": "Boiler replaced"},
    )
    expect(r, 200)
    c = expect(client.get(f"/v1/service-reminders/{ids[cancelled]}"), 200).json()
    assert (c["status"], c["reason"]) == ("cancelled", "Boiler replaced")

    assert [r["asset_id"] for r in _reminders(client, due_before=NEXT_MONTH_ENDS, status="due")] == []
    assert {r["asset_id"] for r in _reminders(client, due_before="2027-07-01")} == {
        booked,
        postponed,
        cancelled,
    }

    # a decision already taken is refused; a reminder of another tenant does not exist here
    r = client.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [ids[cancelled]], "decision": "book", "date": "2027-04-20"},
    )
    expect(r, 409)

    # the service done: the next one follows it by the interval
    clock(datetime(2027, 4, 12, 15, tzinfo=UTC))
    expect(client.patch(f"/v1/jobs/{job['id']}", json={"status": "completed"}), 200)

    def serviced():
        after = expect(client.get(f"/v1/service-reminders/{ids[booked]}"), 200).json()
        assert (after["status"], after["last_service_date"], after["due_date"]) == (
            "due",
            "2027-04-12",
            "2028-04-12",
        ), after
        return after

    assert (
        eventually(serviced, timeout=60, message="servicing hears the job completed")["last_job_id"]
        == job["id"]
    )


def test_a_booking_billing_refuses_puts_the_reminder_back_to_due_with_the_reason(tenant, clock):
    """The customer is blocked after its asset's reminder is due: the office books it anyway, billing
    refuses the job (the admission) and servicing shows the reminder due again, with the reason."""
    client = tenant.admin
    clock(START)
    group = _boilers(client)
    customer, wid = _customer_at(client)
    asset = _asset(client, customer, wid, group, DUE[0])
    reminder = _reminder_of(client, asset)
    expect(client.post(f"/v1/customers/{customer}/block", json={"reason": "Unpaid since March"}), 200)
    r = client.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [reminder["id"]], "decision": "book", "date": "2027-04-12"},
    )
    assert expect(r, 200).json()[0]["status"] == "booked"

    def refused():
        after = expect(client.get(f"/v1/service-reminders/{reminder['id']}"), 200).json()
        assert (after["status"], after["job_id"], after["booked_for"]) == ("due", None, None), after
        return after

    after = eventually(refused, timeout=60, message="billing refuses the booking, servicing hears it")
    assert after["reason"].startswith("Booking refused:") and "blocked" in after["reason"].lower()
    assert after["decided_by"] == "billing"
    assert expect(client.get(f"/v1/customers/{customer}/jobs"), 200).json() == []


def _start_second_worker(system):
    name = "servicing-worker-2"
    if name not in system.processes:
        system.processes[name] = system.worker("servicing", name)
    proc = system.processes[name]
    proc.start()
    eventually(
        lambda: "reminder chain started" in proc.tail(200), timeout=60, message="the second worker runs"
    )
    return name


def _wait_until_running(proc):
    eventually(lambda: "reminder chain started" in proc.tail(50), timeout=60, message=f"{proc.name} runs")


def test_the_reminder_chain_over_a_month_sends_each_stage_once(system, tenant, clock, smtp):
    client = tenant.admin
    clock(START - timedelta(days=1))  # the chain has nothing to do yet
    domain = f"@{secrets.token_hex(4)}.e2e.example"
    group = _boilers(client)
    due_assets: dict[str, str] = {}  # reminder id → the customer's email
    for n, due in enumerate(DUE):
        email = f"boiler{n}{domain}"
        customer, wid = _customer_at(client, email=email)
        due_assets[_reminder_of(client, _asset(client, customer, wid, group, due))["id"]] = email
    quiet = {}
    for label, overrides in (
        ("dormant", {"status": "dormant"}),
        # opted out of both channels a reminder takes (one who takes post gets letters:
        # test_reminder_letters.py)
        ("opted-out", {"communication_preferences": {"email": False, "letter": False}}),
    ):
        email = f"{label}{domain}"
        customer, wid = _customer_at(client, email=email, **overrides)
        quiet[_reminder_of(client, _asset(client, customer, wid, group, DUE[0]))["id"]] = email

    second = _start_second_worker(system)
    try:
        for n in range(31):  # a month of days, the clock moved one day at a time
            day = START + timedelta(days=n)
            clock(day)
            if n == 4:  # mid-run, on a day a first reminder is due: one worker dies
                system.kill("servicing-worker")
            if n == 23:  # and comes back on a day a second reminder is due (a restart mid-run)
                system.start("servicing-worker", wait=False)
                _wait_until_running(system.processes["servicing-worker"])
            time.sleep(1.2)  # a couple of the chain's passes (REMINDER_POLL_SECONDS 0.5 in the suite)
    finally:
        system.processes[second].stop()
        if not system.processes["servicing-worker"].alive:
            system.start("servicing-worker")

    def sent_by_stage():
        got = {}
        for email in due_assets.values():
            subjects = sorted(m["Subject"] for m in smtp.messages_to(email))
            got[email] = subjects
            assert len(subjects) == 2, (email, subjects)
        return got

    got = eventually(sent_by_stage, timeout=90, message="comms sends the first and second reminders")
    for (reminder_id, email), due in zip(due_assets.items(), DUE, strict=True):
        when = f"{due.day} {due:%B %Y}"
        assert got[email] == sorted(
            [f"Your service is due on {when}", f"Reminder: your service is due on {when}"]
        )
        sends = expect(client.get(f"/v1/service-reminders/{reminder_id}"), 200).json()["sends"]
        assert [(s["stage"], s["status"]) for s in sends] == [("first", "requested"), ("second", "requested")]
    time.sleep(2)  # anything sent twice would have arrived by now
    assert all(len(smtp.messages_to(email)) == 2 for email in due_assets.values())
    for reminder_id, email in quiet.items():
        assert smtp.messages_to(email) == []
        sends = expect(client.get(f"/v1/service-reminders/{reminder_id}"), 200).json()["sends"]
        assert {s["status"] for s in sends} == {"skipped"}, sends
        assert {s["reason"] for s in sends} <= {"dormant customer", "customer opted out of email and letter"}
    # what the reminders say: the asset and the work address
    body = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in smtp.messages_to(next(iter(due_assets.values())))
    ]
    assert all(
        "Worcester Greenstar 30i (serial GB-" in text and "Flat 1, 1 Mill Lane" in text for text in body
    )
