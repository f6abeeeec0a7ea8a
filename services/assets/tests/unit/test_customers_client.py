"""The one synchronous read: how the assets service asks customers for a record it has not heard of."""

from __future__ import annotations

import pytest
import requests

from assets.customers_client import CustomersClient
from fieldbook_shared.internal_client import UpstreamUnavailable


class FakeResponse:
    def __init__(self, status: int, body=None):
        self.status_code = status
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


class Calls(list):
    """The requests made, and `answers` to give them in order (responses or exceptions)."""

    answers: list


@pytest.fixture
def calls(monkeypatch):
    seen = Calls()
    answers: list = []

    def fake_get(self, url, headers=None, timeout=None):
        seen.append({"url": url, "headers": headers, "timeout": timeout})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(requests.Session, "get", fake_get)
    seen.answers = answers
    return seen


def test_a_lookup_speaks_as_the_assets_service_with_token_tenant_and_timeout(calls):
    client = CustomersClient("http://customers.internal/", "secret-token", timeout=2.5)
    calls.answers.append(FakeResponse(200, {"id": "c1", "version": 3}))
    assert client.customer("tenant-a", "c1") == {"id": "c1", "version": 3}
    [call] = calls
    assert call["url"] == "http://customers.internal/v1/customers/c1"
    assert call["timeout"] == 2.5
    assert call["headers"]["X-Internal-Token"] == "secret-token"
    assert call["headers"]["X-Tenant-Id"] == "tenant-a"
    assert call["headers"]["X-Role"] == "admin"
    assert call["headers"]["X-Actor"] == "system:assets"


def test_work_address_and_branch_are_read_under_their_customer(calls):
    client = CustomersClient("http://c", "t")
    calls.answers.extend([FakeResponse(200, {"id": "w"}), FakeResponse(200, {"id": "b"})])
    client.work_address("tenant-a", "c1", "w1")
    client.branch("tenant-a", "c1", "b1")
    assert [c["url"] for c in calls] == [
        "http://c/v1/customers/c1/work-addresses/w1",
        "http://c/v1/customers/c1/branches/b1",
    ]


def test_404_is_no_such_record_and_anything_else_is_unavailable(calls):
    client = CustomersClient("http://c", "t")
    calls.answers.extend(
        [
            FakeResponse(404),
            FakeResponse(500),
            FakeResponse(200, None),
            requests.Timeout("slow"),
            requests.ConnectionError("refused"),
        ]
    )
    assert client.customer("tenant-a", "c1") is None
    for _ in range(4):
        with pytest.raises(UpstreamUnavailable) as exc:
            client.customer("tenant-a", "c1")
        assert exc.value.status == 503
