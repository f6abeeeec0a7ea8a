"""comms SMS through the provider simulator: an SMS to a customer who opted out is skipped with a
reason; one who did not reaches the simulator once, shows in the log, and its signed delivery
receipt (back through the gateway) makes it delivered. Unsigned receipts are refused."""

from __future__ import annotations

import secrets

import requests

from harness.api import assert_problem, create_customer, expect, private_customer
from harness.polling import eventually


def _mobile(ending: str = "") -> str:
    """A UK mobile in Ofcom's drama range (07700 900000–900999), unique enough for one run."""
    digits = f"{secrets.randbelow(1000):03d}"
    return f"07700 900{digits[: 3 - len(ending)]}{ending}"


def _customer(client, mobile: str, sms: bool) -> dict:
    contact = {"first_name": "Sam", "surname": "Ellis", "phones": [{"type": "mobile", "number": mobile}]}
    body = private_customer(
        first_name="Sam",
        surname="Ellis",
        primary_contact=contact,
        communication_preferences={"email": True, "sms": sms, "letter": True, "phone": True},
    )
    return create_customer(client, body)


def _log(client, customer_id: str) -> list[dict]:
    return expect(
        client.get(f"/v1/customers/{customer_id}/communications", params={"kind": "sms"}), 200
    ).json()


def _simulated(system, **params) -> list[dict]:
    return requests.get(f"{system.sms_url}/__admin/messages", params=params, timeout=10).json()["messages"]


def test_sms_skips_the_opted_out_and_reaches_the_simulator_once_for_the_others(tenant, system):
    client = tenant.admin
    opted_out = _customer(client, _mobile(), sms=False)
    willing_number = _mobile()
    willing = _customer(client, willing_number, sms=True)
    text = "Hello [first_name], your engineer arrives tomorrow between 8 and 10."

    skipped = expect(client.post("/v1/sms", json={"customer_id": opted_out["id"], "body": text}), 202).json()
    assert skipped["status"] == "skipped" and skipped["reason"] == "opted out of SMS", skipped
    [line] = _log(client, opted_out["id"])
    assert (
        line["status"] == "skipped"
        and line["sms_id"] == skipped["id"]
        and "opted out of SMS" in line["subject"]
    )

    r = expect(client.post("/v1/sms", json={"customer_id": willing["id"], "body": text}), 202)
    sms = r.json()
    assert r.headers["Location"].endswith(f"/v1/sms/{sms['id']}")
    assert sms["status"] == "queued" and sms["body"].startswith("Hello Sam,")
    e164 = "+44" + willing_number.replace(" ", "")[1:]
    assert sms["to"] == e164

    def delivered():
        now = expect(client.get(f"/v1/sms/{sms['id']}"), 200).json()
        assert now["status"] == "delivered", now
        return now

    done = eventually(delivered, timeout=60, interval=0.5, message="the SMS is sent and its receipt arrives")
    assert done["provider_message_id"].startswith("SM") and done["attempts"] == 1
    [received] = _simulated(system, reference=sms["id"])
    assert received["id"] == done["provider_message_id"]
    assert (received["to"], received["body"]) == (e164, sms["body"])
    assert received["receipts"][-1]["answer"] == 200
    [line] = _log(client, willing["id"])
    assert line["status"] == "delivered" and line["sms_id"] == sms["id"] and line["direction"] == "out"

    # the opted-out customer's SMS never reached the provider, and the willing one's only once
    assert _simulated(system, reference=skipped["id"]) == []
    assert len(_simulated(system, to=e164)) == 1


def test_a_failing_number_ends_failed_and_receipts_need_the_signature(tenant, system):
    client = tenant.admin
    customer = _customer(client, _mobile(ending="666"), sms=True)  # the simulator fails numbers ending 666
    sms = expect(
        client.post("/v1/sms", json={"customer_id": customer["id"], "body": "Your invoice is ready."}), 202
    ).json()

    def failed():
        now = expect(client.get(f"/v1/sms/{sms['id']}"), 200).json()
        assert now["status"] == "failed", now
        return now

    done = eventually(failed, timeout=60, interval=0.5, message="the failed receipt arrives")
    assert "30003" in done["reason"]
    assert _log(client, customer["id"])[0]["status"] == "failed"

    # the receipt callback is public (no API key) but refuses what the provider did not sign
    forged = {"id": done["provider_message_id"], "reference": sms["id"], "status": "delivered"}
    anonymous = requests.Session()
    url = f"{system.gateway_url}/v1/public/sms-receipts/{tenant.id}"
    assert_problem(anonymous.post(url, json=forged, timeout=10), 401)
    headers = {"X-Sms-Timestamp": "1", "X-Sms-Signature": "sha256=" + "0" * 64}
    assert_problem(anonymous.post(url, json=forged, headers=headers, timeout=10), 401)
    assert expect(client.get(f"/v1/sms/{sms['id']}"), 200).json()["status"] == "failed"
