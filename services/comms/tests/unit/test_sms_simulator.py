"""The SMS provider simulator: what comms' adapter relies on (the key, E.164, Idempotency-Key
replays) and its signed delivery receipts, which comms' own rule verifies."""

from __future__ import annotations

import json
import time

import pytest
from sms_simulator.app import create_app

from comms.domain import sms as rules
from fieldbook_shared.recording_endpoint import RecordingEndpoint


@pytest.fixture
def callback():
    """A status callback on loopback: keeps each receipt (raw body and headers)."""
    cb = RecordingEndpoint("/receipts", status=200)
    yield cb
    cb.close()


@pytest.fixture
def sim(monkeypatch):
    monkeypatch.setenv("SMS_API_KEY", "key")
    monkeypatch.setenv("SMS_RECEIPT_SECRET", "secret")
    monkeypatch.setenv("SMS_SIM_RECEIPT_DELAY_SECONDS", "0")
    return create_app().test_client()


AUTH = {"Authorization": "Bearer key"}


def test_it_needs_the_key_and_an_e164_number(sim):
    assert sim.post("/v1/messages", json={"to": "+447700900123", "body": "x"}).status_code == 401
    bad = sim.post("/v1/messages", json={"to": "07700900123", "body": "x"}, headers=AUTH)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_number"


def test_the_same_idempotency_key_answers_the_first_message(sim):
    headers = {**AUTH, "Idempotency-Key": "sms-1"}
    first = sim.post("/v1/messages", json={"to": "+447700900123", "body": "x"}, headers=headers)
    again = sim.post("/v1/messages", json={"to": "+447700900123", "body": "x"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert sim.get("/__admin/stats").get_json() == {"messages": 1, "replays": 1, "receipts": 0}


def test_receipts_are_signed_and_fail_for_the_failing_pattern(sim, callback):
    for to in ("+447700900123", "+447700900666"):
        sim.post(
            "/v1/messages",
            json={"to": to, "body": "x", "reference": to, "status_callback": callback.url},
            headers=AUTH,
        )
    received = callback.wait(2)
    assert len(received) == 2
    statuses = {}
    for raw, headers in received:
        assert (
            rules.receipt_verifies(
                "secret", headers["X-Sms-Timestamp"], headers["X-Sms-Signature"], raw, time.time()
            )
            is None
        )
        body = json.loads(raw)
        statuses[body["reference"]] = (body["status"], body.get("error_code"))
    assert statuses == {"+447700900123": ("delivered", None), "+447700900666": ("failed", "30003")}
    # The simulator keeps the callback's answer only once the POST returns to it, a moment
    # after the callback has the body: wait for it rather than race it.
    deadline = time.monotonic() + 5
    while True:
        listed = sim.get("/__admin/messages?to=%2B447700900123").get_json()["messages"]
        if listed and listed[0]["receipts"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(listed) == 1 and listed[0]["receipts"][0]["answer"] == 200
