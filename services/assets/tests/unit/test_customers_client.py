"""The one synchronous read: how the assets service asks customers for a record it has not heard of."""

from __future__ import annotations

import pytest
import requests

from assets.customers_client import CustomersClient
from fieldbook_shared.internal_client import UpstreamUnavailable
from fieldbook_shared.testing import Answer, answering_gets


@pytest.fixture
def answers(monkeypatch):
    return answering_gets(monkeypatch)


def test_a_lookup_speaks_as_the_assets_service_with_token_tenant_and_timeout(answers):
    client = CustomersClient("http://customers.internal/", "secret-token", timeout=2.5)
    answers.append(Answer(200, {"id": "c1", "version": 3}))
    assert client.customer("tenant-a", "c1") == {"id": "c1", "version": 3}
    [call] = answers.sent
    assert call["url"] == "http://customers.internal/v1/customers/c1"
    assert call["timeout"] == 2.5
    assert call["headers"]["X-Internal-Token"] == "secret-token"
    assert call["headers"]["X-Tenant-Id"] == "tenant-a"
    assert call["headers"]["X-Role"] == "admin"
    assert call["headers"]["X-Actor"] == "system:assets"


def test_work_address_and_branch_are_read_under_their_customer(answers):
    client = CustomersClient("http://c", "t")
    answers.extend([Answer(200, {"id": "w"}), Answer(200, {"id": "b"})])
    client.work_address("tenant-a", "c1", "w1")
    client.branch("tenant-a", "c1", "b1")
    assert [c["url"] for c in answers.sent] == [
        "http://c/v1/customers/c1/work-addresses/w1",
        "http://c/v1/customers/c1/branches/b1",
    ]


def test_404_is_no_such_record_and_anything_else_is_unavailable(answers):
    client = CustomersClient("http://c", "t")
    answers.extend(
        [
            Answer(404),
            Answer(500),
            Answer(200, None),
            requests.Timeout("slow"),
            requests.ConnectionError("refused"),
        ]
    )
    assert client.customer("tenant-a", "c1") is None
    for _ in range(4):
        with pytest.raises(UpstreamUnavailable) as exc:
            client.customer("tenant-a", "c1")
        assert exc.value.status == 503
