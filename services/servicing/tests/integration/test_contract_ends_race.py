"""On PostgreSQL, workers settling contracts' ends at the same moment renew each contract once: the
row lock makes the others wait, and they read the renewed end date and find nothing to do."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from servicing.renewing import ContractEnds
from servicing.settings import load_settings

from .test_chain_race import settings  # noqa: F401  (the PostgreSQL settings: the app's fixtures run on it)

pytestmark = pytest.mark.integration

WORKERS = 4
PLAN = {"name": "Gold", "price": "180.00", "billing_frequency": "yearly", "visits_per_year": 1}


def test_concurrent_workers_renew_each_contract_once(api, world, sessions, uow_factory, monkeypatch, outbox):
    plan = api.post("/v1/service-plans", json={**PLAN, "sla_response_hours": 24}).get_json()
    ids = []
    for _ in range(5):
        body = {
            "plan_id": plan["id"],
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "auto_renew": True,
        }
        r = api.post(f"/v1/customers/{world.customer()}/contracts", json=body)
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    monkeypatch.setattr("servicing.renewing.today", lambda: date(2027, 12, 31))
    loops = [ContractEnds(load_settings(), sessions, uow_factory) for _ in range(WORKERS)]
    barrier = threading.Barrier(WORKERS)

    def work(loop):
        barrier.wait(10)
        loop.step(threading.Event())

    threads = [threading.Thread(target=work, args=(loop,)) for loop in loops]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    renewed = outbox("contract.renewed")
    assert sorted(e["subject"] for e in renewed) == sorted(ids)
    assert {e["data"]["end_date"] for e in renewed} == {"2028-12-31"}
    assert {api.get(f"/v1/contracts/{i}").get_json()["term"] for i in ids} == {2}
