"""A partner's webhook endpoint disabled (webhooks' `webhook_endpoint.disabled`): each of the
tenant's admins, as the gateway names them, is emailed once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests

from comms.clients import GatewayClient
from fieldbook_shared.internal_client import UpstreamUnavailable
from fieldbook_shared.testing import TENANT

from ..conftest import publish

OTHER_TENANT = "7f7f7f7f-0000-4000-8000-000000000002"


def _disabled(bus, endpoint_id=None, tenant=TENANT):
    data = {
        "id": endpoint_id or str(uuid.uuid4()),
        "url": "https://crm.example.com/hooks",
        "description": "CRM sync",
        "failing_since": datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        "disabled_at": datetime(2027, 3, 6, 9, 0, tzinfo=UTC),
        "reason": "Every delivery failed since 2027-03-01T09:00:00+00:00.",
    }
    publish(bus, "webhook_endpoint.disabled", data, source="webhooks", subject=data["id"], tenant=tenant)
    bus.drain()
    return data


def test_each_admin_is_emailed_once_about_the_disabled_endpoint(bus, gateway, sender, smtp, outbox):
    gateway.people[TENANT] = [
        {"email": "boss@acme.example", "name": "Bo Boss"},
        {"email": "it@acme.example", "name": None},
    ]
    gateway.people[OTHER_TENANT] = [{"email": "boss@other.example", "name": "Other"}]
    data = _disabled(bus)
    _disabled(bus, endpoint_id=data["id"])  # the same disable told again: no second email
    assert gateway.calls == [TENANT, TENANT]
    assert sender.send_due() == 2
    assert sender.send_due() == 0
    assert sorted(m["To"] for m in smtp.delivered) == ["Bo Boss <boss@acme.example>", "it@acme.example"]
    message = smtp.delivered[0]
    assert message["Subject"] == "Webhook endpoint disabled: https://crm.example.com/hooks"
    body = message.get_body().get_content()
    assert "https://crm.example.com/hooks (CRM sync) has been disabled" in body
    assert "Every delivery failed since 2027-03-01" in body and f"/v1/webhooks/{data['id']}" in body
    sent = outbox("email.sent")
    assert len(sent) == 2 and all(e["data"]["customer_id"] is None for e in sent)


def test_a_gateway_that_does_not_answer_leaves_the_event_to_be_handled_again(bus, gateway, sender, smtp):
    gateway.people[TENANT] = [{"email": "boss@acme.example", "name": "Bo Boss"}]
    gateway.down = True
    with pytest.raises(UpstreamUnavailable):  # the consumer requeues the event
        _disabled(bus)
    assert sender.send_due() == 0 and smtp.delivered == []


class _Answer:
    def __init__(self, status_code, body):
        self.status_code, self._body = status_code, body

    def json(self):
        return self._body


def test_the_gateway_client_reads_the_admins_and_refuses_anything_else(monkeypatch):
    seen = {}

    def get(session, url, headers, timeout):
        seen.update(url=url, headers=headers)
        return seen["answer"]

    monkeypatch.setattr(requests.Session, "get", get)
    client = GatewayClient("http://gateway.invalid/", "token", 1.0)
    seen["answer"] = _Answer(200, {"items": [{"email": "boss@acme.example", "name": "Bo"}]})
    assert client.admins(TENANT) == [{"email": "boss@acme.example", "name": "Bo"}]
    assert seen["url"] == "http://gateway.invalid/internal/admins"
    assert seen["headers"]["X-Internal-Token"] == "token" and seen["headers"]["X-Tenant-Id"] == TENANT
    for wrong in (_Answer(200, {"items": [{"name": "no address"}]}), _Answer(404, {}), _Answer(401, {})):
        seen["answer"] = wrong
        with pytest.raises(UpstreamUnavailable):
            client.admins(TENANT)
