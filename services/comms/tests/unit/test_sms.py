"""SMS: the customer's, contact's and work address's SMS preference honoured (skipped with the
reason, in the log too), sent once through the provider by the worker, settled by signed delivery
receipts (idempotent), templates shared with email."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import update

from comms.domain import sms as rules
from comms.domain.smtp import PERMANENT, TEMPORARY, SendOutcome
from comms.sms_sending import SmsSender
from comms.store.models import Sms
from fieldbook_shared.db import utcnow
from fieldbook_shared.testing import TENANT

from ..conftest import contact_data, known_customer, known_work_address, publish

MOBILE = [{"type": "mobile", "number": "07700 900123"}]
SECRET = "receipt-secret"


def _customer(bus, sms=True, contact_sms=True, phones=MOBILE, **overrides) -> dict:
    prefs = {"email": True, "sms": sms, "letter": True, "phone": True}
    customer = known_customer(bus, with_contact=False, communication_preferences=prefs, **overrides)
    contact = contact_data(customer["id"], phones=phones, communication_preferences={"sms": contact_sms})
    publish(bus, "contact.created", contact)
    bus.drain()
    return customer


def _log(api, customer_id) -> list[dict]:
    return api.get(f"/v1/customers/{customer_id}/communications?kind=sms").get_json()


def _receipt(api, body: dict, secret=SECRET, tenant=TENANT, stamp=None):
    raw = json.dumps(body).encode()
    stamp = str(int(time.time())) if stamp is None else stamp
    headers = {"Content-Type": "application/json", "X-Sms-Timestamp": stamp}
    if secret:
        headers["X-Sms-Signature"] = "sha256=" + rules.signature(secret, stamp, raw)
    return api.client.post(f"/v1/public/sms-receipts/{tenant}", data=raw, headers=headers)


# --- the rules -------------------------------------------------------------------------------------


def test_numbers_go_out_in_e164_and_only_mobiles_are_texted():
    assert rules.normalise("07700 900123") == "+447700900123"
    assert rules.normalise("0044 (0)7700-900123".replace("(0)", "")) == "+447700900123"
    assert rules.normalise("+1 415 555 0100") == "+14155550100"
    assert rules.normalise("not a number") is None
    assert rules.mobile_of([{"type": "office", "number": "0113 496 0000"}]) is None
    assert (
        rules.mobile_of(
            [{"type": "office", "number": "0113 496 0000"}, {"type": "other", "number": "07700900999"}]
        )
        == "+447700900999"
    )
    assert rules.mobile_of([], fallback="07700 900555") == "+447700900555"
    assert rules.mobile_of([], fallback="0113 496 0000") is None


def test_why_an_sms_is_skipped():
    assert rules.skip_reason("+447700900123", {"sms": True}) is None
    assert rules.skip_reason("+447700900123", {"sms": False}) == rules.SKIP_OPTED_OUT
    assert rules.skip_reason("+447700900123", {}, {"sms": False}) == rules.SKIP_CONTACT_OPTED_OUT
    assert rules.skip_reason("+447700900123", {}, {}, {"sms": False}) == rules.SKIP_WORK_ADDRESS_OPTED_OUT
    assert rules.skip_reason(None, {"sms": True}) == rules.SKIP_NO_MOBILE


def test_segments_and_signatures():
    assert rules.segments("a" * 160) == 1 and rules.segments("a" * 161) == 2
    assert rules.segments("é" * 71) == 2
    now = time.time()
    stamp = str(int(now))
    good = rules.signature("s", stamp, b"{}")
    assert rules.receipt_verifies("s", stamp, f"sha256={good}", b"{}", now) is None
    assert rules.receipt_verifies("s", stamp, good, b"{ }", now) is not None
    assert rules.receipt_verifies("s", str(int(now) - 1000), good, b"{}", now) is not None
    assert rules.receipt_verifies("", stamp, good, b"{}", now) is not None


# --- sending -----------------------------------------------------------------------------------------


def test_an_opted_out_customer_is_skipped_with_the_reason_and_nothing_is_sent(
    api, bus, sms_sender, sms_provider
):
    customer = _customer(bus, sms=False)
    resp = api.post("/v1/sms", {"customer_id": customer["id"], "body": "Your engineer is on the way"})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "skipped" and body["reason"] == rules.SKIP_OPTED_OUT
    assert resp.headers["Location"] == f"/v1/sms/{body['id']}"
    assert sms_sender.send_due() == 0 and sms_provider.calls == []
    [line] = _log(api, customer["id"])
    assert line["status"] == "skipped" and line["sms_id"] == body["id"]
    assert rules.SKIP_OPTED_OUT in line["subject"]


def test_a_contact_without_a_mobile_or_opted_out_is_skipped(api, bus):
    no_mobile = _customer(bus, phones=[{"type": "office", "number": "0113 496 0000"}])
    assert (
        api.post("/v1/sms", {"customer_id": no_mobile["id"], "body": "x"}).get_json()["reason"]
        == rules.SKIP_NO_MOBILE
    )
    contact_out = _customer(bus, contact_sms=False)
    assert (
        api.post("/v1/sms", {"customer_id": contact_out["id"], "body": "x"}).get_json()["reason"]
        == rules.SKIP_CONTACT_OPTED_OUT
    )


def test_a_work_address_that_opted_out_is_skipped_and_logged_there(api, bus):
    customer = _customer(bus)
    place = known_work_address(bus, customer["id"])
    publish(bus, "work_address.updated", {**place, "version": 2, "communication_preferences": {"sms": False}})
    bus.drain()
    sent = api.post(
        "/v1/sms", {"customer_id": customer["id"], "work_address_id": place["id"], "body": "x"}
    ).get_json()
    assert sent["status"] == "skipped" and sent["reason"] == rules.SKIP_WORK_ADDRESS_OPTED_OUT
    [line] = api.get(f"/v1/work-addresses/{place['id']}/communications").get_json()
    assert line["kind"] == "sms" and line["status"] == "skipped"


def test_an_sms_is_sent_once_then_delivered_by_its_receipt(api, bus, sms_sender, sms_provider, outbox):
    customer = _customer(bus)
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "body": "Hello [first_name]"}).get_json()
    assert sms["status"] == "queued" and sms["to"] == "+447700900123" and sms["body"] == "Hello Jane"
    assert sms_sender.send_due() == 1 and sms_sender.send_due() == 0
    assert sms_provider.sent == [
        {"sms_id": sms["id"], "tenant_id": TENANT, "to": "+447700900123", "body": "Hello Jane"}
    ]
    sent = api.get(f"/v1/sms/{sms['id']}").get_json()
    assert (
        sent["status"] == "sent"
        and sent["provider_message_id"] == f"SM-{sms['id']}"
        and sent["attempts"] == 1
    )
    assert [e["data"]["sms_id"] for e in outbox("sms.sent")] == [sms["id"]]
    assert _log(api, customer["id"])[0]["status"] == "sent"

    receipt = {"id": f"SM-{sms['id']}", "reference": sms["id"], "status": "delivered"}
    for _ in range(2):  # a repeated receipt changes nothing
        resp = _receipt(api, receipt)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json() == {"id": sms["id"], "status": "delivered"}
    assert api.get(f"/v1/sms/{sms['id']}").get_json()["status"] == "delivered"
    assert len(outbox("sms.delivered")) == 1
    assert _log(api, customer["id"])[0]["status"] == "delivered"
    # a late "failed" for a delivered SMS does not undo it
    assert _receipt(api, {**receipt, "status": "failed"}).get_json()["status"] == "delivered"


def test_a_failed_receipt_fails_the_sms_with_the_providers_error(api, bus, sms_sender, outbox):
    customer = _customer(bus)
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "body": "x"}).get_json()
    sms_sender.send_due()
    receipt = {
        "id": f"SM-{sms['id']}",
        "reference": sms["id"],
        "status": "undelivered",
        "error_code": "30003",
        "error_message": "Unreachable",
    }
    assert _receipt(api, receipt).get_json()["status"] == "failed"
    failed = api.get(f"/v1/sms/{sms['id']}").get_json()
    assert failed["reason"] == "undelivered: 30003 Unreachable"
    assert outbox("sms.failed")[0]["data"]["reason"] == "undelivered: 30003 Unreachable"


def test_receipts_must_be_signed_and_for_a_sent_sms(api, bus, sms_sender):
    customer = _customer(bus)
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "body": "x"}).get_json()
    receipt = {"id": f"SM-{sms['id']}", "reference": sms["id"], "status": "delivered"}
    assert _receipt(api, receipt, secret=None).status_code == 401
    assert _receipt(api, receipt, secret="wrong").status_code == 401
    assert _receipt(api, receipt, stamp=str(int(time.time()) - 3600)).status_code == 401
    assert _receipt(api, receipt).status_code == 409  # not sent yet: the provider tries again later
    sms_sender.send_due()
    assert _receipt(api, {**receipt, "id": "SM-other"}).status_code == 409
    assert _receipt(api, receipt, tenant="another-tenant").status_code == 404
    assert _receipt(api, {**receipt, "status": "lost"}).status_code == 422
    assert api.get(f"/v1/sms/{sms['id']}").get_json()["status"] == "sent"


def test_temporary_failures_are_retried_and_a_refused_number_fails(
    api, bus, sms_sender, sms_provider, sessions
):
    customer = _customer(bus)
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "body": "x"}).get_json()
    sms_provider.script = [
        SendOutcome(TEMPORARY, 503, "503 busy"),
        SendOutcome(TEMPORARY, None, "unreachable"),
    ]
    for _ in range(3):
        sms_sender.send_due()
    done = api.get(f"/v1/sms/{sms['id']}").get_json()
    assert done["status"] == "sent" and done["attempts"] == 3
    other = api.post("/v1/sms", {"customer_id": customer["id"], "body": "y"}).get_json()
    sms_provider.script = [SendOutcome(PERMANENT, 422, "422 invalid_number")]
    sms_sender.send_due()
    assert api.get(f"/v1/sms/{other['id']}").get_json()["status"] == "failed"


def test_a_worker_whose_lease_was_taken_over_neither_sends_nor_records(
    api, bus, sms_sender, sms_provider, sessions, settings, uow_factory
):
    customer = _customer(bus)
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "body": "x"}).get_json()
    token, ids = sms_sender.claim()
    assert ids == [sms["id"]]
    with sessions() as s:
        s.execute(update(Sms).values(lease_until=utcnow() - timedelta(seconds=1)))
        s.commit()
    other = SmsSender(settings, sessions, uow_factory, provider_factory=lambda: sms_provider)
    assert other.send_due() == 1
    sms_sender._send_one(ids[0], token, sms_provider)  # the first worker carries on with its old claim
    assert sms_provider.calls == [sms["id"]]
    assert api.get(f"/v1/sms/{sms['id']}").get_json()["attempts"] == 1


def test_the_text_comes_from_an_email_template(api, bus):
    customer = _customer(bus)
    template = api.post(
        "/v1/email-templates",
        {"name": "Visit", "subject": "Your visit", "body": "Hi [first_name], see you soon."},
    ).get_json()
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "template_id": template["id"]}).get_json()
    assert sms["body"] == "Hi Jane, see you soon." and sms["template_id"] == template["id"]
    assert api.post("/v1/sms", {"customer_id": customer["id"]}).status_code == 422
    bad = api.post("/v1/sms", {"customer_id": customer["id"], "body": "[nonsense]"})
    assert bad.status_code == 422 and "body" in bad.get_json()["errors"]


def test_a_named_contact_gets_it_on_its_own_mobile(api, bus):
    customer = _customer(bus)
    other = contact_data(
        customer["id"], primary=False, first_name="Sam", phones=[{"type": "mobile", "number": "07700900456"}]
    )
    publish(bus, "contact.created", other)
    bus.drain()
    sms = api.post(
        "/v1/sms", {"customer_id": customer["id"], "contact_id": other["id"], "body": "Hi [first_name]"}
    ).get_json()
    assert sms["to"] == "+447700900456" and sms["body"] == "Hi Sam" and sms["contact_id"] == other["id"]
    stranger = api.post(
        "/v1/sms",
        {"customer_id": customer["id"], "contact_id": "00000000-0000-4000-8000-000000000000", "body": "x"},
    )
    assert stranger.status_code == 422 and "contact_id" in stranger.get_json()["errors"]


def test_a_deleted_customer_takes_its_sms_along(api, bus, sessions):
    customer = _customer(bus)
    api.post("/v1/sms", {"customer_id": customer["id"], "body": "x"})
    publish(bus, "customer.deleted", {"customer_id": customer["id"]})
    bus.drain()
    assert api.get("/v1/sms").get_json() == []


def test_a_merged_customer_is_a_410_naming_the_survivor(api, bus):
    merged, survivor = _customer(bus), _customer(bus)
    publish(bus, "customer.merged", {"survivor_id": survivor["id"], "merged_id": merged["id"]})
    bus.drain()
    resp = api.post("/v1/sms", {"customer_id": merged["id"], "body": "x"})
    assert resp.status_code == 410 and resp.get_json()["merged_into"] == survivor["id"]


def test_the_timeline_entry_of_an_sms_links_to_it(api, bus):
    customer = _customer(bus)
    sms = api.post("/v1/sms", {"customer_id": customer["id"], "body": "x"}).get_json()
    entries = api.get(f"/internal/customers/{customer['id']}/timeline-entries").get_json()["entries"]
    [entry] = [e for e in entries if e["kind"] == "sms"]
    assert entry["links"]["self"] == f"/v1/sms/{sms['id']}" and entry["status"] == "queued"
