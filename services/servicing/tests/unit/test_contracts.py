"""Service plans and contracts through the API: plans (Decimal price, unique names, in use), a
customer's contract (covered work addresses and assets checked against what servicing knows),
the expiring list, changes, cancel and renew, each an event in the outbox; the worker's loop
renewing an auto-renewing contract at its end date once, expiring one without auto-renew."""

from __future__ import annotations

import threading
from datetime import date

from fieldbook_shared.testing import TENANT, publish
from servicing.domain.contracts import next_term, term_months
from servicing.renewing import ContractEnds

PLAN = {
    "name": "Gold boiler cover",
    "price": "180.00",
    "billing_frequency": "yearly",
    "visits_per_year": 1,
    "sla_response_hours": 24,
    "covers": "Annual service, parts and labour, 24h response",
}


def _plan(api, **changes) -> dict:
    r = api.post("/v1/service-plans", json={**PLAN, **changes})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _contract(api, customer_id, plan_id, **fields) -> dict:
    body = {"plan_id": plan_id, "start_date": "2027-01-01", "end_date": "2027-12-31", **fields}
    r = api.post(f"/v1/customers/{customer_id}/contracts", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_terms_are_as_long_as_the_last():
    assert term_months(date(2027, 1, 1), date(2027, 12, 31)) == 12
    assert next_term(date(2027, 1, 1), date(2027, 12, 31)) == (date(2028, 1, 1), date(2028, 12, 31))
    assert next_term(date(2027, 1, 31), date(2027, 2, 27)) == (date(2027, 2, 28), date(2027, 3, 27))
    assert term_months(date(2027, 1, 10), date(2027, 2, 3)) is None
    assert next_term(date(2027, 1, 10), date(2027, 2, 3)) == (date(2027, 2, 4), date(2027, 2, 28))


def test_plans_are_written_read_and_kept_while_in_use(api, world):
    plan = _plan(api)
    assert (plan["price"], plan["sla_response_hours"], plan["billing_frequency"]) == ("180.00", 24, "yearly")
    assert api.post("/v1/service-plans", json=PLAN).status_code == 409  # the name is taken
    r = api.post("/v1/service-plans", json={**PLAN, "name": "x", "price": "-1", "billing_frequency": "daily"})
    assert r.status_code == 422 and {"price", "billing_frequency"} <= set(r.get_json()["errors"])
    r = api.post("/v1/service-plans", json={**PLAN, "name": "y", "colour": "gold"})
    assert r.status_code == 422 and "colour" in r.get_json()["errors"]

    got = api.get(f"/v1/service-plans/{plan['id']}")
    r = api.patch(
        f"/v1/service-plans/{plan['id']}", json={"price": "199.99"}, headers={"If-Match": got.headers["ETag"]}
    )
    assert r.status_code == 200 and r.get_json()["price"] == "199.99"
    assert [p["name"] for p in api.get("/v1/service-plans").get_json()] == ["Gold boiler cover"]

    _contract(api, world.customer(), plan["id"])
    r = api.delete(f"/v1/service-plans/{plan['id']}", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 409
    spare = _plan(api, name="Spare")
    r = api.delete(f"/v1/service-plans/{spare['id']}", headers={"If-Match": '"1"'})
    assert r.status_code == 204


def test_a_contract_covers_the_customers_properties_and_is_an_event(api, world, outbox):
    plan = _plan(api)
    customer = world.customer()
    homes = [world.work_address(customer), world.work_address(customer)]
    boiler = world.asset(customer, date(2020, 5, 1), homes[0])
    contract = _contract(
        api, customer, plan["id"], work_address_ids=homes, asset_ids=[boiler], auto_renew=True
    )
    assert contract["status"] == "active" and contract["term"] == 1
    assert (contract["plan_name"], contract["sla_response_hours"]) == ("Gold boiler cover", 24)
    assert contract["work_address_ids"] == homes and contract["asset_ids"] == [boiler]
    (event,) = outbox("contract.created")
    assert event["data"]["work_address_ids"] == homes and event["data"]["sla_response_hours"] == 24
    assert event["data"]["customer_id"] == customer and event["data"]["version"] == 1

    # another customer's work address or asset, an end before the start: 422 naming the field
    other = world.customer()
    theirs = world.work_address(other)
    body = {"plan_id": plan["id"], "start_date": "2027-01-01", "end_date": "2026-12-31"}
    r = api.post(f"/v1/customers/{customer}/contracts", json={**body, "work_address_ids": [theirs]})
    assert r.status_code == 422 and {"work_address_ids", "end_date"} <= set(r.get_json()["errors"])
    r = api.post(
        f"/v1/customers/{other}/contracts", json={**body, "end_date": "2027-12-31", "asset_ids": [boiler]}
    )
    assert r.status_code == 422 and "asset_ids" in r.get_json()["errors"]
    r = api.post(f"/v1/customers/{customer}/contracts", json={**body, "end_date": "9999-12-31"})
    assert r.status_code == 422 and "end_date" in r.get_json()["errors"]  # no term beyond 2199
    assert len(outbox("contract.created")) == 1


def test_expiring_contracts_are_listed_and_changes_cancel_and_renew_are_events(api, world, outbox):
    plan = _plan(api)
    customer = world.customer()
    soon = _contract(api, customer, plan["id"], start_date="2026-06-01", end_date="2027-01-20")
    later = _contract(api, world.customer(), plan["id"])
    listed = api.get("/v1/contracts", query_string={"expiring_before": "2027-02-01"}).get_json()
    assert [c["id"] for c in listed] == [soon["id"]]
    assert [c["id"] for c in api.get(f"/v1/customers/{customer}/contracts").get_json()] == [soon["id"]]
    assert api.get("/v1/contracts", query_string={"expiring": "2027-02-01"}).status_code == 422

    got = api.get(f"/v1/contracts/{later['id']}")
    r = api.patch(
        f"/v1/contracts/{later['id']}", json={"auto_renew": True}, headers={"If-Match": got.headers["ETag"]}
    )
    assert r.status_code == 200 and r.get_json()["auto_renew"] is True
    assert [e["data"]["auto_renew"] for e in outbox("contract.updated")] == [True]

    r = api.post(f"/v1/contracts/{later['id']}/renew")
    assert r.status_code == 200
    assert (r.get_json()["start_date"], r.get_json()["end_date"], r.get_json()["term"]) == (
        "2028-01-01",
        "2028-12-31",
        2,
    )
    assert api.post(f"/v1/contracts/{soon['id']}/cancel", json={}).status_code == 422
    r = api.post(f"/v1/contracts/{soon['id']}/cancel", json={"reason": "Moved house"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert api.post(f"/v1/contracts/{soon['id']}/cancel", json={"reason": "again"}).status_code == 409
    assert api.post(f"/v1/contracts/{soon['id']}/renew").status_code == 409
    assert [e["data"]["term"] for e in outbox("contract.renewed")] == [2]
    assert [e["data"]["status"] for e in outbox("contract.cancelled")] == ["cancelled"]
    assert api.get("/v1/contracts", query_string={"status": "cancelled"}).get_json()[0]["id"] == soon["id"]


def test_the_worker_renews_at_the_end_date_once_and_expires_without_auto_renew(
    api, world, settings, sessions, uow_factory, monkeypatch, outbox
):
    plan = _plan(api)
    renewing = _contract(api, world.customer(), plan["id"], auto_renew=True)
    ending = _contract(api, world.customer(), plan["id"])
    loops = [ContractEnds(settings, sessions, uow_factory) for _ in range(2)]  # two workers

    def run_on(day: date) -> None:
        monkeypatch.setattr("servicing.renewing.today", lambda: day)
        for loop in loops:
            loop.step(threading.Event())

    run_on(date(2027, 12, 30))
    assert outbox("contract.renewed") == [] and outbox("contract.expired") == []
    run_on(date(2027, 12, 31))  # the end date: the auto-renewing one renews, the other still runs
    run_on(date(2027, 12, 31))
    assert [(e["subject"], e["data"]["end_date"]) for e in outbox("contract.renewed")] == [
        (renewing["id"], "2028-12-31")
    ]
    run_on(date(2028, 1, 1))
    assert [e["subject"] for e in outbox("contract.expired")] == [ending["id"]]
    assert api.get(f"/v1/contracts/{ending['id']}").get_json()["status"] == "expired"
    # after two years without a worker: each term renewed once, in order
    run_on(date(2030, 1, 5))
    assert [e["data"]["term"] for e in outbox("contract.renewed")] == [2, 3, 4]
    assert api.get(f"/v1/contracts/{renewing['id']}").get_json()["end_date"] == "2030-12-31"
    assert len(outbox("contract.expired")) == 1


def test_a_merged_customers_contracts_move_and_a_deleted_or_erased_ones_are_cancelled(
    api, world, bus, outbox
):
    plan = _plan(api)
    merged, survivor, deleted, erased = (world.customer() for _ in range(4))
    moved = _contract(api, merged, plan["id"])
    gone = _contract(api, deleted, plan["id"])
    forgotten = _contract(api, erased, plan["id"])

    publish(bus, "customer.merged", {"survivor_id": survivor, "merged_id": merged}, TENANT)
    publish(bus, "customer.deleted", {"customer_id": deleted}, TENANT)
    publish(bus, "customer.erased", {"customer_id": erased}, TENANT)
    bus.drain()

    assert api.get(f"/v1/contracts/{moved['id']}").get_json()["customer_id"] == survivor
    assert [e["data"]["customer_id"] for e in outbox("contract.updated")] == [survivor]
    for contract, reason in ((gone, "customer deleted"), (forgotten, "customer erased")):
        found = api.get(f"/v1/contracts/{contract['id']}").get_json()
        assert (found["status"], found["cancel_reason"]) == ("cancelled", reason)
    assert sorted(e["subject"] for e in outbox("contract.cancelled")) == sorted([gone["id"], forgotten["id"]])
    (report,) = outbox("customer.erasure_reported")
    assert report["data"]["actions"]["contracts_cancelled"] == 1
    # a redelivered delete changes nothing more
    publish(bus, "customer.deleted", {"customer_id": deleted}, TENANT)
    bus.drain()
    assert len(outbox("contract.cancelled")) == 2


def test_a_customers_contracts_are_404_unless_the_customer_is_the_tenants(api, world):
    customer = world.customer()
    assert api.get(f"/v1/customers/{customer}/contracts").get_json() == []
    assert api.as_(tenant="tenant-b").get(f"/v1/customers/{customer}/contracts").status_code == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/v1/customers/{unknown}/contracts").status_code == 404
