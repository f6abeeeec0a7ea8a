"""A merged customer is not a deleted one: its mass-email place goes to the survivor, and a direct
request is a 410 naming the survivor (`merged_into`), as in every service."""

from __future__ import annotations

from ..conftest import known_customer, publish, run_mass_emails


def _merge(bus, merged, survivor):
    publish(bus, "customer.merged", {"survivor_id": survivor["id"], "merged_id": merged["id"]})
    bus.drain()


def test_a_direct_email_to_a_merged_customer_is_410_naming_the_survivor(api, bus):
    merged, survivor = known_customer(bus), known_customer(bus)
    _merge(bus, merged, survivor)
    r = api.post("/v1/emails", {"customer_id": merged["id"], "subject": "s", "body": "b"})
    assert r.status_code == 410
    assert r.get_json()["merged_into"] == survivor["id"]
    assert survivor["id"] in r.get_json()["detail"]


def test_a_mass_email_naming_a_merged_customer_goes_to_the_survivor(api, bus, runner, sender, smtp):
    merged, survivor = known_customer(bus), known_customer(bus, first_name="Sam")
    _merge(bus, merged, survivor)
    preview = api.post("/v1/mass-emails/preview", {"customer_ids": [merged["id"]]}).get_json()
    assert [p["status"] for p in preview] == ["send"]
    job = api.post(
        "/v1/mass-emails", {"customer_ids": [merged["id"]], "subject": "s", "body": "b"}
    ).get_json()
    run_mass_emails(runner, sender)
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert (done["status"], done["sent"], done["skipped"]) == ("completed", 1, 0)
    [row] = api.get(f"/v1/mass-emails/{job['id']}/recipients").get_json()
    assert row["customer_id"] == survivor["id"] and row["status"] == "sent"


def test_a_merged_customer_whose_survivor_is_also_named_is_skipped_once(api, bus, runner, sender):
    merged, survivor = known_customer(bus), known_customer(bus)
    _merge(bus, merged, survivor)
    ids = [merged["id"], survivor["id"]]
    preview = api.post("/v1/mass-emails/preview", {"customer_ids": ids}).get_json()
    assert [p["status"] for p in preview] == ["skipped", "send"]
    job = api.post("/v1/mass-emails", {"customer_ids": ids, "subject": "s", "body": "b"}).get_json()
    run_mass_emails(runner, sender)
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert (done["total"], done["sent"], done["skipped"], done["failed"]) == (2, 1, 1, 0)
    assert done["skipped_reasons"] == {"merged into a customer already among the recipients": 1}


def test_a_survivor_not_eligible_is_skipped_with_its_own_reason(api, bus, runner):
    merged = known_customer(bus)
    survivor = known_customer(bus, communication_preferences={"email": False})
    _merge(bus, merged, survivor)
    job = api.post(
        "/v1/mass-emails", {"customer_ids": [merged["id"]], "subject": "s", "body": "b"}
    ).get_json()
    runner.step()
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert done["skipped_reasons"] == {"opted out of email": 1}
