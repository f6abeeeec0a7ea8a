"""Service plans and contracts through the gateway (issue 16, part 2 and 5): a yearly plan assigned
to two properties → jobs there carry the SLA due time (billing, from servicing's contract events);
a late completion is flagged (the clock moved past the due time); a contract expiring within 30
days is listed by `expiring_before`; the overview shows the contract status and the next service
due; the timeline lists the contract; at its end date an auto-renewing contract renews once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from harness.api import assert_problem, create_customer, expect, unique
from harness.customer_record import person_body, wait_known_everywhere
from harness.polling import eventually

NOW = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
PLAN = {
    "billing_frequency": "yearly",
    "price": "180.00",
    "visits_per_year": 1,
    "sla_response_hours": 24,
    "covers": "Annual boiler service, parts and labour, response within 24 hours",
}


def _work_address(client, customer_id: str, line_1: str) -> str:
    body = {"address": {"line_1": line_1, "town": "Otley", "postcode": "LS21 1AA"}}
    return expect(client.post(f"/v1/customers/{customer_id}/work-addresses", json=body), 201).json()["id"]


def _customer(client, surname: str) -> str:
    return create_customer(client, person_body(surname))["id"]


def _job(client, customer_id: str, work_address_id: str) -> dict:
    body = {"description": "No heating", "work_address_id": work_address_id}
    return expect(client.post(f"/v1/customers/{customer_id}/jobs", json=body), 201).json()


def _complete(client, job: dict) -> dict:
    etag = expect(client.get(f"/v1/jobs/{job['id']}"), 200).headers["ETag"]
    r = client.patch(f"/v1/jobs/{job['id']}", json={"status": "completed"}, headers={"If-Match": etag})
    return expect(r, 200).json()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_yearly_plan_on_two_properties_gives_their_jobs_an_sla_and_flags_a_late_one(tenant, clock):
    client = tenant.admin
    clock(NOW)

    # plans: admin writes them; other keys only read
    plan = expect(client.post("/v1/service-plans", json={"name": unique("Gold "), **PLAN}), 201).json()
    assert plan["price"] == "180.00" and plan["sla_response_hours"] == 24
    assert_problem(tenant.client("sales").post("/v1/service-plans", json={"name": unique("x"), **PLAN}), 403)
    assert plan["id"] in [
        p["id"] for p in expect(tenant.client("sales").get("/v1/service-plans"), 200).json()
    ]

    customer = _customer(client, "Contract")
    home, flat, garage = (_work_address(client, customer, f"{n} Mill Lane") for n in (1, 2, 3))
    wait_known_everywhere(client, customer)
    boiler = expect(
        client.post(
            f"/v1/customers/{customer}/assets",
            json={
                "work_address_id": home,
                "brand": "Worcester",
                "serial_number": unique("SN-"),
                "install_date": "2026-02-15",
            },
        ),
        201,
    ).json()

    # a contract on two of the three properties, ending within 30 days; another that does not
    body = {
        "plan_id": plan["id"],
        "start_date": "2026-02-26",
        "end_date": "2027-02-25",
        "work_address_ids": [home, flat],
        "asset_ids": [boiler["id"]],
    }
    contract = expect(client.post(f"/v1/customers/{customer}/contracts", json=body), 201).json()
    assert (contract["status"], contract["term"], contract["sla_response_hours"]) == ("active", 1, 24)
    other_customer = _customer(client, "Later")
    later = expect(
        client.post(
            f"/v1/customers/{other_customer}/contracts",
            json={"plan_id": plan["id"], "start_date": "2027-01-01", "end_date": "2027-12-31"},
        ),
        201,
    ).json()
    in_30_days = (NOW.date() + timedelta(days=30)).isoformat()
    expiring = expect(client.get("/v1/contracts", params={"expiring_before": in_30_days}), 200).json()
    assert [c["id"] for c in expiring] == [contract["id"]]
    listed = expect(client.get("/v1/contracts", params={"customer_id": other_customer}), 200).json()
    assert [c["id"] for c in listed] == [later["id"]]

    # billing hears of the contract: a job made at a covered property is due within 24 hours
    def covered_job():
        job = _job(client, customer, home)
        return job if job["sla_due_at"] else None

    at_home = eventually(covered_job, timeout=40, message="billing knows the contract's SLA")
    assert _at(at_home["sla_due_at"]) == NOW + timedelta(hours=24)
    assert at_home["sla_breached"] is False
    at_flat = _job(client, customer, flat)
    assert _at(at_flat["sla_due_at"]) == NOW + timedelta(hours=24)
    at_garage = _job(client, customer, garage)  # not covered: no SLA
    assert (at_garage["sla_due_at"], at_garage["sla_breached"]) == (None, None)

    # the home job is done in time; the flat's is still open past its due time, then done late
    clock(NOW + timedelta(hours=6))
    assert _complete(client, at_home)["sla_breached"] is False
    clock(NOW + timedelta(hours=30))
    assert expect(client.get(f"/v1/jobs/{at_flat['id']}"), 200).json()["sla_breached"] is True
    done_late = _complete(client, at_flat)
    assert done_late["sla_breached"] is True and done_late["status"] == "completed"
    assert expect(client.get(f"/v1/jobs/{at_home['id']}"), 200).json()["sla_breached"] is False
    openapi = expect(client.get("/openapi.json"), 200).json()
    schemas = openapi["components"]["schemas"].values()
    assert any({"sla_due_at", "sla_breached"} <= set(s.get("properties", {})) for s in schemas)

    # the overview: contract status and the next service due (the boiler's, a year after install)
    expect(client.put(f"/v1/service-intervals/assets/{boiler['id']}", json={"months": 12}), 201)

    def servicing_section():
        section = expect(client.get(f"/v1/customers/{customer}/overview"), 200).json()["servicing"]
        assert section["status"] == "ok", section
        assert section["next_service_due"] and section["next_service_due"]["due_date"] == "2027-02-15", (
            section
        )
        return section

    section = eventually(servicing_section, timeout=30, message="the overview's servicing section")
    assert section["contract_status"] == "active"
    assert [c["id"] for c in section["contracts"]] == [contract["id"]]

    timeline = expect(
        client.get(f"/v1/customers/{customer}/timeline", params={"kind": "contract"}), 200
    ).json()
    assert [e["id"] for e in timeline["entries"]] == [contract["id"]] and timeline["complete"] is True
    assert timeline["entries"][0]["status"] == "active"

    # auto-renew on, the clock at the end date: the worker renews it once, for a year again
    etag = expect(client.get(f"/v1/contracts/{contract['id']}"), 200).headers["ETag"]
    r = client.patch(f"/v1/contracts/{contract['id']}", json={"auto_renew": True}, headers={"If-Match": etag})
    expect(r, 200)
    clock(datetime(2027, 2, 25, 8, 0, tzinfo=UTC))

    def renewed():
        found = expect(client.get(f"/v1/contracts/{contract['id']}"), 200).json()
        assert found["term"] == 2, found
        return found

    found = eventually(renewed, timeout=30, message="the contract renewed at its end date")
    assert (found["start_date"], found["end_date"], found["status"]) == ("2027-02-26", "2028-02-25", "active")
    # the later contract, not at its end, is left alone; the renewed one is renewed once
    assert expect(client.get(f"/v1/contracts/{later['id']}"), 200).json()["term"] == 1
    assert expect(client.get(f"/v1/contracts/{contract['id']}"), 200).json()["term"] == 2
    cancel = client.post(f"/v1/contracts/{contract['id']}/cancel", json={"reason": "Sold the house"})
    assert expect(cancel, 200).json()["status"] == "cancelled"
    assert date.fromisoformat(found["end_date"]) > NOW.date()
