"""The reminder chain: each stage claimed once per service date, whoever runs it and however often;
dormant, blocked and opted-out customers (and work addresses) skipped with the reason."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from fieldbook_shared.context import RequestContext
from fieldbook_shared.testing import TENANT
from servicing.domain.rules import Offsets, add_months
from servicing.reminding import ReminderChain
from servicing.service.chain import remind

DUE = date(2026, 6, 30)
OFFSETS = Offsets(first_before=28, second_before=7, overdue_after=14)


def _setup(api, world, address: dict | None = None, **customer):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    cid = world.customer(**customer)
    wid = world.work_address(cid, **(address or {}))
    asset = world.asset(cid, add_months(DUE, -12), wid)
    (reminder,) = api.get("/v1/service-reminders", query_string={"asset_id": asset}).get_json()
    return reminder, wid


def _uow(uow_factory):
    return uow_factory(RequestContext.system(TENANT, actor="system:servicing"))


def _run_days(uow_factory, reminder_id, first: date, days: int) -> list[str]:
    sent = []
    for n in range(days):
        for _twice in range(2):  # a second worker (or a restart) running the same day finds it claimed
            stage = remind(_uow(uow_factory), reminder_id, first + timedelta(days=n), OFFSETS)
            if stage:
                sent.append(stage)
    return sent


def test_each_stage_is_requested_once_with_a_deterministic_key(api, world, uow_factory, outbox):
    reminder, wid = _setup(api, world)
    assert _run_days(uow_factory, reminder["id"], DUE - timedelta(days=40), 60) == [
        "first",
        "second",
        "overdue",
    ]
    events = outbox("service_reminder.send_requested")
    assert [e["data"]["stage"] for e in events] == ["first", "second", "overdue"]
    first = events[0]["data"]
    assert first["message_key"] == f"service-reminder:{reminder['id']}:2026-06-30:first"
    assert (first["service_due_date"], first["work_address_id"]) == ("2026-06-30", wid)
    assert first["asset"].startswith("Worcester Greenstar 30i (serial SN-")
    assert first["work_address"] == "Flat 1, 1 Mill Lane, Ilkley, LS29 8AB"
    sends = api.get(f"/v1/service-reminders/{reminder['id']}").get_json()["sends"]
    assert [(s["stage"], s["status"], s["on_day"], s["channel"]) for s in sends] == [
        ("first", "requested", "2026-06-02", "email"),
        ("second", "requested", "2026-06-23", "email"),
        ("overdue", "requested", "2026-07-14", "email"),
    ]
    assert {e["data"]["channel"] for e in events} == {"email"}


def test_a_customer_who_said_no_to_email_but_not_to_post_gets_each_stage_as_a_letter(
    api, world, uow_factory, outbox
):
    reminder, _ = _setup(api, world, communication_preferences={"email": False, "letter": True})
    assert _run_days(uow_factory, reminder["id"], DUE - timedelta(days=40), 60) == [
        "first",
        "second",
        "overdue",
    ]
    events = outbox("service_reminder.send_requested")
    assert [(e["data"]["stage"], e["data"]["channel"]) for e in events] == [
        ("first", "letter"),
        ("second", "letter"),
        ("overdue", "letter"),
    ]
    sends = api.get(f"/v1/service-reminders/{reminder['id']}").get_json()["sends"]
    assert {(s["status"], s["channel"]) for s in sends} == {("requested", "letter")}


def test_the_work_address_preferences_count_too(api, world, uow_factory, outbox):
    """A work address that said no to email turns the customer's email into a letter; one that said no
    to both is skipped with its reason; email refused by one and letters by the other: skipped too."""
    by_post, _ = _setup(api, world, address={"communication_preferences": {"email": False}})
    none, _ = _setup(api, world, address={"communication_preferences": {"email": False, "letter": False}})
    split, _ = _setup(
        api,
        world,
        address={"communication_preferences": {"email": False}},
        communication_preferences={"letter": False},
    )
    for reminder in (by_post, none, split):
        assert _run_days(uow_factory, reminder["id"], DUE - timedelta(days=28), 1) == ["first"]
    (event,) = outbox("service_reminder.send_requested")
    assert (event["data"]["id"], event["data"]["channel"]) == (by_post["id"], "letter")
    reasons = [
        api.get(f"/v1/service-reminders/{r['id']}").get_json()["sends"][0]["reason"] for r in (none, split)
    ]
    assert reasons == [
        "work address opted out of email and letter",
        "customer and work address opted out of email and letter between them",
    ]


def test_a_late_start_sends_only_the_stage_whose_day_came_last(api, world, uow_factory, outbox):
    reminder, _ = _setup(api, world)
    assert _run_days(uow_factory, reminder["id"], DUE - timedelta(days=3), 5) == ["second"]


def test_dormant_blocked_and_opted_out_customers_are_skipped_with_the_reason(api, world, uow_factory, outbox):
    cases = {
        "dormant customer": {"status": "dormant"},
        "blocked customer": {"blocked": True},
        "customer opted out of email and letter": {
            "communication_preferences": {"email": False, "letter": False}
        },
    }
    for reason, customer in cases.items():
        reminder, _ = _setup(api, world, **customer)
        assert _run_days(uow_factory, reminder["id"], DUE - timedelta(days=28), 1) == ["first"]
        sends = api.get(f"/v1/service-reminders/{reminder['id']}").get_json()["sends"]
        assert [(s["status"], s["reason"]) for s in sends] == [("skipped", reason)]
    assert outbox("service_reminder.send_requested") == []


def test_decided_reminders_are_not_reminded(api, world, uow_factory, outbox):
    reminder, _ = _setup(api, world)
    api.post(
        "/v1/service-reminders/decisions",
        json={"reminder_ids": [reminder["id"]], "decision": "cancel", "reason": "sold the house"},
    )
    assert _run_days(uow_factory, reminder["id"], DUE - timedelta(days=40), 60) == []


def test_the_workers_loop_goes_through_every_tenants_waiting_reminders(
    api, world, uow_factory, settings, sessions, monkeypatch, outbox
):
    reminder, _ = _setup(api, world)
    other = world.__class__(world.bus, tenant="tenant-two")
    api.as_(tenant="tenant-two").put(f"/v1/service-intervals/asset-groups/{other.group}", json={"months": 12})
    cid = other.customer()
    other.asset(cid, add_months(DUE, -12))
    monkeypatch.setattr("servicing.reminding.today", lambda: DUE - timedelta(days=10))
    chain = ReminderChain(settings, sessions, uow_factory)
    chain.step(threading.Event())
    chain.step(threading.Event())
    events = outbox("service_reminder.send_requested")
    assert sorted(e["tenantid"] for e in events) == sorted([TENANT, "tenant-two"])
    assert {e["data"]["stage"] for e in events} == {"first"}
