"""Deliveries: one signed POST per event and endpoint, in order per customer, retried, logged,
replayed with the same webhook-id, never claimed twice; the endpoint disabled after failing."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from fieldbook_shared import clock
from fieldbook_shared.events import build_event
from fieldbook_shared.jobs import lease_until, new_token
from fieldbook_shared.messaging.consumer import apply_events
from fieldbook_shared.testing import TENANT, customer_event_data, publish
from webhooks.handlers import HANDLERS
from webhooks.store.queries import claim_due

from ..conftest import send_all


def register(api, url: str, types=("customer.created", "customer.updated")) -> dict:
    r = api.post("/v1/webhooks", json={"url": url, "event_types": list(types)})
    assert r.status_code == 201, r.json
    return r.json


def created(bus, customer_id: str | None = None, version: int = 1, event_type: str = "customer.created"):
    cid = customer_id or str(uuid.uuid4())
    event = publish(bus, event_type, customer_event_data(cid, version))
    bus.drain()
    return event


def test_one_signed_delivery_per_event(api, bus, partner, sender):
    endpoint = register(api, partner.url)
    events = [created(bus) for _ in range(5)]
    created(bus, event_type="customer.blocked")  # not subscribed: not sent
    assert send_all(sender) == 5
    assert send_all(sender) == 0
    assert [h["webhook-id"] for _, h in partner.received] == [e.id for e in events]
    wh = Webhook(endpoint["secret"])
    for (body, headers), event in zip(partner.received, events, strict=True):
        payload = wh.verify(body, headers)
        assert payload["type"] == "customer.created" and payload["data"]["id"] == event.data["id"]
    log = api.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json
    assert {(d["status"], d["attempts"], d["response_code"]) for d in log} == {("succeeded", 1, 204)}


def test_a_tampered_body_fails_verification(api, bus, partner, sender):
    endpoint = register(api, partner.url)
    created(bus)
    send_all(sender)
    body, headers = partner.received[0]
    tampered = body.replace(b'"customer.created"', b'"customer.deleted"')
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(tampered, headers)


def test_a_failing_endpoint_holds_the_customers_later_events_and_retries(api, bus, partner, sender):
    endpoint = register(api, partner.url)
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    partner.status = 503
    created(bus, alice)
    created(bus, alice, version=2, event_type="customer.updated")
    created(bus, bob)
    send_all_once = sender.step(threading.Event())
    assert send_all_once == 2  # alice's first and bob's: alice's second waits behind her first
    partner.status = 200
    send_all(sender)
    ok = [(e["type"], e["data"]["id"]) for e in partner.payloads()[2:]]
    assert [k for k in ok if k[1] == alice] == [("customer.created", alice), ("customer.updated", alice)]
    log = api.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json
    first = [d for d in log if d["customer_id"] == alice and d["event_type"] == "customer.created"][0]
    assert (first["status"], first["attempts"], first["response_code"]) == ("succeeded", 2, 200)
    assert first["duration_ms"] is not None


def test_a_replay_sends_the_same_body_and_webhook_id(api, bus, partner, sender):
    endpoint = register(api, partner.url)
    created(bus)
    send_all(sender)
    delivery = api.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json[0]
    r = api.post(f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/replay")
    assert r.status_code == 202 and r.json["replay_of"] == delivery["id"]
    send_all(sender)
    (body1, h1), (body2, h2) = partner.received
    assert h1["webhook-id"] == h2["webhook-id"] == delivery["message_id"] and body1 == body2
    Webhook(endpoint["secret"]).verify(body2, h2)


def test_given_up_deliveries_are_replayed_together(api, app, bus, partner, sender):
    endpoint = register(api, partner.url)
    sender.settings = sender.settings.with_(webhook_retry_for_seconds=0.0)
    partner.status = 500
    created(bus)
    created(bus)
    send_all(sender)
    assert {d["status"] for d in api.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json} == {"failed"}
    partner.status = 200
    r = api.post(f"/v1/webhooks/{endpoint['id']}/deliveries/replay-failed")
    assert r.status_code == 202 and len(r.json["replayed"]) == 2
    assert api.post(f"/v1/webhooks/{endpoint['id']}/deliveries/replay-failed").json["replayed"] == []
    send_all(sender)
    assert (
        len(partner.received) == 4
        and partner.received[2][1]["webhook-id"] == partner.received[0][1]["webhook-id"]
    )


def test_an_endpoint_failing_for_days_is_disabled_and_its_admin_told(api, bus, partner, sender, outbox):
    endpoint = register(api, partner.url)
    sender.settings = sender.settings.with_(webhook_disable_after_seconds=0.0)
    partner.status = 500
    created(bus)
    sender.step(threading.Event())
    read = api.get(f"/v1/webhooks/{endpoint['id']}").json
    assert read["status"] == "disabled" and "failed since" in read["disabled_reason"]
    (told,) = outbox("webhook_endpoint.disabled")
    assert told["data"]["id"] == endpoint["id"] and told["data"]["url"] == partner.url
    partner.status = 200
    created(bus)  # a disabled endpoint is sent nothing
    assert send_all(sender) == 0
    enable = api.patch(
        f"/v1/webhooks/{endpoint['id']}", json={"status": "enabled"}, headers={"If-Match": '"2"'}
    )
    assert enable.status_code == 200 and enable.json["failing_since"] is None
    send_all(sender)
    assert len(partner.received) == 2  # the failed attempt, then the kept delivery


def test_rotation_signs_with_both_secrets_during_the_overlap(api, bus, partner, sender):
    endpoint = register(api, partner.url)
    rotated = api.post(f"/v1/webhooks/{endpoint['id']}/rotate-secret", json={"overlap_hours": 1})
    assert rotated.status_code == 200 and rotated.json["secret"] != endpoint["secret"]
    created(bus)
    send_all(sender)
    body, headers = partner.received[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(body, headers)
    Webhook(rotated.json["secret"]).verify(body, headers)


def test_two_senders_never_claim_the_same_delivery(api, bus, partner, sessions):
    register(api, partner.url)
    for _ in range(3):
        created(bus)
    now = clock.now()
    with sessions() as s, s.begin():
        first = claim_due(s, now, lease_until(60, now), new_token(), 10)
    with sessions() as s, s.begin():
        second = claim_due(s, now, lease_until(60, now), new_token(), 10)
    assert len(first) == 3 and second == []
    later = now + timedelta(seconds=61)  # the first sender died: its lease ran out
    with sessions() as s, s.begin():
        assert len(claim_due(s, later, lease_until(60, later), new_token(), 10)) == 3


def test_customer_erased_blanks_the_kept_bodies_and_reports(api, bus, partner, sender, outbox):
    endpoint = register(api, partner.url, types=("customer.created", "customer.erased"))
    event = created(bus)
    cid = event.data["id"]
    publish(bus, "customer.erased", {"customer_id": cid})
    bus.drain()
    (report,) = outbox("customer.erasure_reported")
    assert report["data"]["actions"] == {"delivery_bodies_blanked": 1}
    send_all(sender)
    sent = partner.payloads()
    assert sent[0]["data"] == {"customer_id": cid, "erased": True} and sent[1]["type"] == "customer.erased"
    assert json.dumps(sent).count("Smith") == 0
    assert endpoint


def test_a_url_that_resolves_to_a_private_address_is_refused_at_delivery_time_too(api, bus, partner, sender):
    """Registered while allowed (a name may also be re-pointed after registration): the sender checks
    the address again before each attempt and sends nothing there."""
    endpoint = register(api, partner.url)
    sender.settings = sender.settings.with_(webhook_allow_private_urls=False)
    created(bus)
    assert sender.step(threading.Event()) == 1
    assert partner.received == []
    (delivery,) = api.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["response_code"] is None and "loopback" in delivery["last_error"]


def test_a_consumers_batch_fans_out_each_event_once_as_one_by_one(api, partner, sender, uow_factory):
    """A run of one tenant's events reads its endpoints once (`fan_out_many`), with the same
    deliveries as events applied one by one; a tenant without endpoints gets none."""
    register(api, partner.url)
    events = [
        build_event(
            "customer.created", source="customers", tenant_id=tenant, data=customer_event_data(cid, 1)
        )
        for tenant, cid in [(TENANT, str(uuid.uuid4())) for _ in range(3)] + [("no-endpoints", "c-other")]
    ]

    assert apply_events(uow_factory, HANDLERS, events) == ["applied"] * 4
    assert send_all(sender) == 3
    assert [h["webhook-id"] for _, h in partner.received] == [e.id for e in events[:3]]
