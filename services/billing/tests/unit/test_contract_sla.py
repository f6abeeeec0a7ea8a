"""A job at a property a contract covers carries the SLA due time (servicing's contract events,
kept in billing's read model), and is flagged when completed after it or still open past it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from fieldbook_shared import clock

from ..conftest import publish, work_address_data

NOW = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)


def _contract(
    bus, customer_id: str, addresses: list[str], version: int = 1, contract_id=None, **fields
) -> str:
    cid = contract_id or str(uuid.uuid4())
    data = {
        "id": cid,
        "customer_id": customer_id,
        "version": version,
        "plan_id": str(uuid.uuid4()),
        "plan_name": "Gold",
        "status": "active",
        "start_date": date(2026, 2, 26),
        "end_date": date(2027, 2, 25),
        "auto_renew": False,
        "sla_response_hours": 24,
        "work_address_ids": addresses,
        "asset_ids": [],
        "term": 1,
        **fields,
    }
    publish(bus, "contract.created" if version == 1 else "contract.updated", data, source="servicing")
    bus.drain()
    return cid


def _addresses(bus, customer_id: str, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for wid in ids:
        publish(bus, "work_address.created", work_address_data(wid, customer_id))
    bus.drain()
    return ids


def _job(api, customer_id: str, work_address_id: str) -> dict:
    r = api.post(
        f"/v1/customers/{customer_id}/jobs", {"description": "No heat", "work_address_id": work_address_id}
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_covered_jobs_are_due_within_the_sla_and_late_ones_flagged(api, bus, customer, monkeypatch, outbox):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    home, flat, garage = _addresses(bus, customer, 3)
    _contract(bus, customer, [home, flat])
    # a second contract on the flat with a shorter SLA: the shortest holds
    _contract(bus, customer, [flat], sla_response_hours=4)

    at_home, at_flat, at_garage = (_job(api, customer, w) for w in (home, flat, garage))
    assert at_home["sla_due_at"] == (NOW + timedelta(hours=24)).isoformat()
    assert at_flat["sla_due_at"] == (NOW + timedelta(hours=4)).isoformat()
    assert (at_garage["sla_due_at"], at_garage["sla_breached"]) == (None, None)
    assert at_home["sla_breached"] is False
    created = {e["data"]["id"]: e["data"] for e in outbox("job.created")}
    assert created[at_home["id"]]["sla_due_at"] == at_home["sla_due_at"]

    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=5))
    assert api.get(f"/v1/jobs/{at_flat['id']}").get_json()["sla_breached"] is True  # open past it
    home_done = api.patch(f"/v1/jobs/{at_home['id']}", {"status": "completed"}).get_json()
    flat_done = api.patch(f"/v1/jobs/{at_flat['id']}", {"status": "completed"}).get_json()
    assert (home_done["sla_breached"], flat_done["sla_breached"]) == (False, True)
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=5))
    assert api.get(f"/v1/jobs/{at_home['id']}").get_json()["sla_breached"] is False  # done in time stays so
    (completed,) = [e["data"] for e in outbox("job.completed") if e["data"]["id"] == at_flat["id"]]
    assert completed["sla_breached"] is True


def test_only_an_active_contract_in_its_term_covers_and_newer_versions_win(api, bus, customer, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    home, flat = _addresses(bus, customer, 2)
    contract = _contract(bus, customer, [home])
    # the contract moves to the flat; a late, older copy changes nothing
    _contract(bus, customer, [flat], version=3, contract_id=contract)
    _contract(bus, customer, [home], version=2, contract_id=contract)
    assert _job(api, customer, home)["sla_due_at"] is None
    assert _job(api, customer, flat)["sla_due_at"] is not None
    _contract(bus, customer, [flat], version=4, contract_id=contract, status="cancelled")
    assert _job(api, customer, flat)["sla_due_at"] is None
    ended = _contract(bus, customer, [home], end_date=date(2027, 1, 30))
    assert ended and _job(api, customer, home)["sla_due_at"] is None
