"""How the export job reads a page of another service's part: the kit's internal client, a timeout,
the exporting actor, and retries only where retrying can help."""

from __future__ import annotations

import pytest
import requests

from customers import data_export


class Answer:
    def __init__(self, status: int, body=None):
        self.status_code, self._body = status, body
        self.content = b"" if body is None else repr(body).encode()

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


@pytest.fixture
def answers(monkeypatch):
    given: list = []
    sent: list = []

    def fake_get(session, url, headers=None, timeout=None):
        sent.append({"url": url, "headers": headers, "timeout": timeout})
        answer = given.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(requests.Session, "get", fake_get)
    return given, sent


def fetch(after=None):
    return data_export.fetch_remote(
        "http://billing.internal/",
        "invoices",
        after,
        tenant_id="tenant-a",
        token="secret",
        actor="export:alice",
        timeout=4.0,
        sleep=lambda _s: None,
    )


def test_a_page_is_asked_for_with_the_internal_headers_and_the_exporting_actor(answers):
    given, sent = answers
    given.append(Answer(200, {"rows": [], "next_after": None}))
    assert fetch("i9") == {"rows": [], "next_after": None}
    [call] = sent
    assert call["url"] == "http://billing.internal/v1/exports/parts/invoices?limit=500&after=i9"
    assert call["timeout"] == 4.0
    assert call["headers"]["X-Internal-Token"] == "secret" and call["headers"]["X-Tenant-Id"] == "tenant-a"
    assert call["headers"]["X-Actor"] == "export:alice" and call["headers"]["X-Role"] == "admin"


def test_errors_worth_retrying_are_retried_and_a_refusal_is_not(answers):
    given, sent = answers
    given.extend([requests.ConnectionError("refused"), Answer(503), Answer(429), Answer(200, {"rows": []})])
    assert fetch() == {"rows": []}
    assert len(sent) == 4
    given.append(Answer(403, {"status": 403}))
    with pytest.raises(data_export.PartUnavailable) as caught:
        fetch()
    assert len(sent) == 5 and str(caught.value).startswith("invoices: 403")
