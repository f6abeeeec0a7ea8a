"""The kit's internal client: how every service reads another's answer, the same way everywhere."""

from __future__ import annotations

import threading

import pytest
import requests

from fieldbook_shared.internal_client import CustomersClient, UpstreamUnavailable
from fieldbook_shared.problems import CustomerMerged
from fieldbook_shared.testing import Answer, answering_gets

SURVIVOR = "00000000-0000-0000-0000-00000000000a"


@pytest.fixture
def answers(monkeypatch):
    return answering_gets(monkeypatch)


def client() -> CustomersClient:
    return CustomersClient("http://customers.internal/", "secret", 2.5, service="billing")


def test_a_read_speaks_as_the_calling_service_with_token_tenant_and_timeout(answers):
    answers.append(Answer(200, {"id": "c1"}))
    assert client().customer("tenant-a", "c1") == {"id": "c1"}
    [call] = answers.sent
    assert call["url"] == "http://customers.internal/v1/customers/c1" and call["timeout"] == 2.5
    assert call["headers"]["X-Internal-Token"] == "secret"
    assert call["headers"]["X-Tenant-Id"] == "tenant-a"
    assert call["headers"]["X-Role"] == "admin" and call["headers"]["X-Actor"] == "system:billing"


def test_404_is_none_and_a_merged_customer_is_the_kits_410(answers):
    answers.extend([Answer(404, {"status": 404}), Answer(410, {"status": 410, "merged_into": SURVIVOR})])
    c = client()
    assert c.customer("tenant-a", "c1") is None
    with pytest.raises(CustomerMerged) as merged:
        c.customer("tenant-a", "c1")
    assert merged.value.merged_into == SURVIVOR and merged.value.status == 410


@pytest.mark.parametrize(
    "answer",
    [
        Answer(410, {"status": 410}),  # names no survivor: not a reading this client can use
        Answer(500),
        Answer(200, None),
        Answer(200, ["not", "an", "object"]),
        requests.Timeout("slow"),
        requests.ConnectionError("refused"),
    ],
)
def test_anything_else_is_upstream_unavailable(answers, answer):
    answers.append(answer)
    with pytest.raises(UpstreamUnavailable) as caught:
        client().customer("tenant-a", "c1")
    assert caught.value.status == 503


def test_one_session_per_thread(answers):
    c = client()
    answers.extend([Answer(200, {"id": "c1"}) for _ in range(3)])
    c.customer("t", "c1")
    c.customer("t", "c1")
    worker = threading.Thread(target=c.customer, args=("t", "c1"))
    worker.start()
    worker.join()
    first, second, other = (call["session"] for call in answers.sent)
    assert first is second and other is not first
