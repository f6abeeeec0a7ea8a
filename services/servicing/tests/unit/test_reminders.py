"""Service reminders through the API: intervals per asset type, work address or asset; what is due;
a date set by hand; the batch decisions; what billing's jobs do to a reminder."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from fieldbook_shared.testing import publish
from servicing.domain.rules import add_months

TODAY = date.today()


def _reminders(api, **query):
    r = api.get("/v1/service-reminders", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _one(api, asset_id):
    (found,) = _reminders(api, asset_id=asset_id)
    return found


def _boiler_due_in(world, api, days: int, customer_id=None, work_address_id=None):
    """An asset whose 12-month service falls `days` from today (installed a year before)."""
    customer_id = customer_id or world.customer()
    return world.asset(customer_id, add_months(TODAY + timedelta(days=days), -12), work_address_id)


def test_an_asset_types_interval_gives_each_asset_its_next_service_date(api, world):
    customer = world.customer()
    installed = date(2025, 6, 15)
    asset = world.asset(customer, installed)
    reminder = _one(api, asset)
    assert (reminder["status"], reminder["due_date"], reminder["interval_months"]) == ("due", None, None)

    r = api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    assert r.status_code == 201, r.get_json()
    reminder = _one(api, asset)
    assert (reminder["due_date"], reminder["interval_months"]) == ("2026-06-15", 12)
    assert reminder["customer_id"] == customer

    # a work address's interval beats the type's, the asset's own beats both
    wid = world.work_address(customer)
    world.asset(customer, installed, wid, id=asset, version=2)
    assert api.put(f"/v1/service-intervals/work-addresses/{wid}", json={"months": 6}).status_code == 201
    assert _one(api, asset)["due_date"] == "2025-12-15"
    assert api.put(f"/v1/service-intervals/assets/{asset}", json={"months": 24}).status_code == 201
    assert _one(api, asset)["due_date"] == "2027-06-15"
    assert api.put(f"/v1/service-intervals/assets/{asset}", json={"months": 18}).status_code == 200
    assert _one(api, asset)["due_date"] == "2026-12-15"
    assert api.delete(f"/v1/service-intervals/assets/{asset}").status_code == 204
    assert _one(api, asset)["due_date"] == "2025-12-15"
    listed = api.get("/v1/service-intervals").get_json()
    assert {(i["scope"], i["months"]) for i in listed} == {("asset_group", 12), ("work_address", 6)}

    assert api.put(f"/v1/service-intervals/assets/{asset}", json={"months": 0}).status_code == 422
    assert api.delete(f"/v1/service-intervals/assets/{asset}").status_code == 404


def test_what_is_due_is_listed_by_date_work_address_and_status(api, world):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    customer = world.customer()
    wid = world.work_address(customer)
    soon = [_boiler_due_in(world, api, d, customer, wid) for d in (20, 25, 30)]
    later = _boiler_due_in(world, api, 90)
    elsewhere = _boiler_due_in(world, api, 10)

    due = _reminders(api, due_before=(TODAY + timedelta(days=40)).isoformat())
    assert [r["asset_id"] for r in due] == [elsewhere, *soon]  # soonest first
    at = _reminders(api, work_address_id=wid, due_before=(TODAY + timedelta(days=40)).isoformat())
    assert [r["asset_id"] for r in at] == soon
    assert later not in [r["asset_id"] for r in due]
    assert len(_reminders(api, status="due")) == 5
    assert _reminders(api, status="booked") == []
    r = api.get("/v1/service-reminders", query_string={"status": "done"})
    assert r.status_code == 422 and "status" in r.get_json()["errors"]
    r = api.get("/v1/service-reminders", query_string={"due": "2026-01-01"})
    assert r.status_code == 422
    # another tenant sees none of it
    assert api.as_(tenant="other-tenant").get("/v1/service-reminders").get_json() == []


def test_book_postpone_and_cancel_a_selection(api, world, outbox, bus):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    customer = world.customer()
    wid = world.work_address(customer)
    booked, postponed, cancelled = (_boiler_due_in(world, api, d, customer, wid) for d in (20, 25, 30))
    ids = {a: _one(api, a)["id"] for a in (booked, postponed, cancelled)}
    day = (TODAY + timedelta(days=21)).isoformat()

    r = api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [ids[booked]], "decision": "book", "date": day},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()[0]["status"] == "booked" and r.get_json()[0]["booked_for"] == day
    (event,) = outbox("service_reminder.booked")
    assert event["data"]["id"] == ids[booked]
    assert (event["data"]["asset_id"], event["data"]["work_address_id"], event["data"]["date"]) == (
        booked,
        wid,
        day,
    )
    assert event["data"]["description"].startswith("Service: Worcester Greenstar 30i")

    # billing made the job (job.created names the reminder): its id goes on the reminder
    job_id = str(uuid.uuid4())
    world.job("job.created", job_id, customer, service_reminder_id=ids[booked], asset_id=booked)
    assert _one(api, booked)["job_id"] == job_id

    new_date = (TODAY + timedelta(days=60)).isoformat()
    r = api.post(
        "/v1/service-reminders/decisions",
        json={
            "reminder_ids": [ids[postponed]],
            "decision": "postpone",
            "date": new_date,
            "reason": "on holiday",
        },
    )
    assert r.status_code == 200, r.get_json()
    p = _one(api, postponed)
    assert (p["status"], p["due_date"], p["reason"], p["decided_by"]) == (
        "postponed",
        new_date,
        "on holiday",
        "test:admin",
    )

    r = api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [ids[cancelled]], "decision": "cancel", "reason": "boiler replaced"},
    )
    assert r.status_code == 200
    assert (_one(api, cancelled)["status"], _one(api, cancelled)["reason"]) == (
        "cancelled",
        "boiler replaced",
    )

    # decided ones have had their answer; all or nothing
    r = api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [ids[postponed], ids[cancelled]], "decision": "cancel", "reason": "x"},
    )
    assert r.status_code == 409 and r.get_json()["reminder_ids"] == [ids[cancelled]]
    assert _one(api, postponed)["status"] == "postponed"
    unknown = str(uuid.uuid4())
    r = api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [unknown], "decision": "cancel", "reason": "x"},
    )
    assert r.status_code == 422 and unknown in r.get_json()["errors"]["reminder_ids"][0]
    r = api.post(
        "/v1/service-reminders/decisions", json={"reminder_ids": [ids[postponed]], "decision": "book"}
    )
    assert r.status_code == 422 and r.get_json()["errors"] == {"date": ["Required to book."]}
    assert len(outbox("service_reminder.booked")) == 1


def test_a_completed_service_job_moves_the_next_service_date(api, world):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    customer = world.customer()
    asset = _boiler_due_in(world, api, 20, customer)
    reminder = _one(api, asset)
    api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [reminder["id"]], "decision": "book", "date": TODAY.isoformat()},
    )
    job_id = str(uuid.uuid4())
    done = datetime.combine(TODAY, time(10), UTC)
    world.job(
        "job.completed",
        job_id,
        customer,
        service_reminder_id=reminder["id"],
        asset_id=asset,
        completed_at=done,
    )
    after = _one(api, asset)
    assert (after["status"], after["last_service_date"], after["last_job_id"]) == (
        "due",
        TODAY.isoformat(),
        job_id,
    )
    assert after["due_date"] == add_months(TODAY, 12).isoformat()

    # a job on the asset that is no service changes nothing; one whose category says service does
    world.job(
        "job.completed", str(uuid.uuid4()), customer, asset_id=asset, category="repair", completed_at=done
    )
    assert _one(api, asset)["last_job_id"] == job_id


def test_a_date_set_by_hand_wins_until_cleared(api, world):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    asset = _boiler_due_in(world, api, 20)
    reminder = _one(api, asset)
    r = api.patch(f"/v1/service-reminders/{reminder['id']}", json={"due_date": "2030-01-01"})
    assert r.status_code == 428
    etag = api.get(f"/v1/service-reminders/{reminder['id']}").headers["ETag"]
    r = api.patch(
        f"/v1/service-reminders/{reminder['id']}", json={"due_date": "2030-01-01"}, headers={"If-Match": etag}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_date"] == "2030-01-01" and r.get_json()["sends"] == []
    r = api.patch(
        f"/v1/service-reminders/{reminder['id']}",
        json={"due_date": None},
        headers={"If-Match": r.headers["ETag"]},
    )
    assert r.get_json()["due_date"] == reminder["due_date"]


def test_a_deleted_asset_takes_its_reminder_away(api, world, bus):
    from fieldbook_shared.testing import publish

    customer = world.customer()
    asset = world.asset(customer, date(2025, 1, 1))
    assert len(_reminders(api)) == 1
    publish(
        bus, "asset.deleted", {"id": asset, "customer_id": customer, "reason": "deleted"}, source="assets"
    )
    bus.drain()
    assert _reminders(api) == []


def test_a_booking_billing_refuses_puts_the_reminder_back_to_due_with_the_reason(api, world, outbox, bus):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    customer = world.customer()
    asset = _boiler_due_in(world, api, 20, customer)
    reminder = _one(api, asset)
    day = (TODAY + timedelta(days=21)).isoformat()
    r = api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [reminder["id"]], "decision": "book", "date": day},
    )
    assert r.status_code == 200, r.get_json()

    refusal = {
        "reminder_id": reminder["id"],
        "customer_id": customer,
        "reason": "The customer is blocked: debt.",
    }
    # a refusal of another day's booking (an older decision) changes nothing
    publish(bus, "service_reminder.booking_refused", {**refusal, "date": TODAY}, world.tenant, "billing")
    bus.drain()
    assert _one(api, asset)["status"] == "booked"

    event = publish(
        bus,
        "service_reminder.booking_refused",
        {**refusal, "date": date.fromisoformat(day)},
        world.tenant,
        "billing",
    )
    bus.drain()
    after = _one(api, asset)
    assert (after["status"], after["booked_for"], after["job_id"], after["due_date"]) == (
        "due",
        None,
        None,
        reminder["due_date"],
    )
    assert after["reason"] == "Booking refused: The customer is blocked: debt."
    assert after["decided_by"] == "billing"
    # redelivered: the inbox drops it; the reminder can be decided again (booked anew)
    bus.publish("service_reminder.booking_refused", event.to_json(), event.id, event.tenant_id)
    bus.drain()
    r = api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [reminder["id"]], "decision": "book", "date": day},
    )
    assert r.status_code == 200, r.get_json()
    assert len(outbox("service_reminder.booked")) == 2
