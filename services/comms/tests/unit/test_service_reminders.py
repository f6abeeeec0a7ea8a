"""servicing's reminder chain: one email per message key, in the stage's template or the default,
with the service placeholders; automated-mail rules (no address, opted out, dormant) apply."""

from __future__ import annotations

import uuid
from datetime import date

from ..conftest import known_customer, publish


def _request(bus, customer_id, stage="first", key=None, **overrides):
    data = {
        "id": str(uuid.uuid4()),
        "customer_id": customer_id,
        "work_address_id": None,
        "asset_id": str(uuid.uuid4()),
        "stage": stage,
        "message_key": key or f"service-reminder:{uuid.uuid4()}:2027-03-30:{stage}",
        "service_due_date": date(2027, 3, 30),
        "asset": "Worcester Greenstar 30i (serial SN-1)",
        "work_address": "Flat 1, 1 Mill Lane, Ilkley, LS29 8AB",
        **overrides,
    }
    publish(bus, "service_reminder.send_requested", data, source="servicing", subject=data["id"])
    bus.drain()
    return data


def test_a_stage_is_emailed_once_per_key_with_the_service_placeholders(api, bus, sender, smtp):
    c = known_customer(bus)
    key = "service-reminder:r1:2027-03-30:first"
    _request(bus, c["id"], key=key)
    _request(bus, c["id"], key=key)  # asked again (another event): the same key, no second email
    assert sender.send_due() == 1
    assert sender.send_due() == 0
    [message] = smtp.delivered
    assert message["To"] == "Jane Doe <jane.doe@example.com>"
    assert message["Subject"] == "Your service is due on 30 March 2027"
    body = message.get_body().get_content()
    assert "Your Worcester Greenstar 30i (serial SN-1) at Flat 1, 1 Mill Lane, Ilkley, LS29 8AB" in body
    assert len(api.get(f"/v1/customers/{c['id']}/communications").get_json()) == 1


def test_the_tenants_template_for_the_stage_is_used(api, bus, sender, smtp):
    r = api.post(
        "/v1/email-templates",
        {
            "name": "Service reminder: second",
            "subject": "[asset] service on [service_due_date]",
            "body": "Hello [first_name], see you at [work_address].",
        },
    )
    assert r.status_code == 201, r.get_json()
    c = known_customer(bus)
    _request(bus, c["id"], stage="second")
    sender.send_due()
    [message] = smtp.delivered
    assert message["Subject"] == "Worcester Greenstar 30i (serial SN-1) service on 30 March 2027"
    assert "Hello Jane, see you at Flat 1, 1 Mill Lane" in message.get_body().get_content()


def test_an_opted_out_or_dormant_customer_gets_no_reminder(api, bus, sender, smtp, outbox):
    opted_out = known_customer(bus, communication_preferences={"email": False})
    dormant = known_customer(bus, status="dormant")
    _request(bus, opted_out["id"])
    _request(bus, dormant["id"])
    assert sender.send_due() == 0
    assert smtp.delivered == []
    reasons = sorted(e["data"]["reason"] for e in outbox("email.failed"))
    assert reasons == [
        "dormant customer (automated sends are not made to dormant customers)",
        "opted out of email",
    ]
