"""How the export job reads a page of another service's part: the kit's internal client, a timeout,
the exporting actor, and retries only where retrying can help."""

from __future__ import annotations

import pytest
import requests

from customers import data_export
from fieldbook_shared.testing import Answer, answering_gets


@pytest.fixture
def answers(monkeypatch):
    return answering_gets(monkeypatch)


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
    answers.append(Answer(200, {"rows": [], "next_after": None}))
    assert fetch("i9") == {"rows": [], "next_after": None}
    [call] = answers.sent
    assert call["url"] == "http://billing.internal/v1/exports/parts/invoices?limit=500&after=i9"
    assert call["timeout"] == 4.0
    assert call["headers"]["X-Internal-Token"] == "secret" and call["headers"]["X-Tenant-Id"] == "tenant-a"
    assert call["headers"]["X-Actor"] == "export:alice" and call["headers"]["X-Role"] == "admin"


def test_errors_worth_retrying_are_retried_and_a_refusal_is_not(answers):
    answers.extend([requests.ConnectionError("refused"), Answer(503), Answer(429), Answer(200, {"rows": []})])
    assert fetch() == {"rows": []}
    assert len(answers.sent) == 4
    answers.append(Answer(403, {"status": 403}))
    with pytest.raises(data_export.PartUnavailable) as caught:
        fetch()
    assert len(answers.sent) == 5 and str(caught.value).startswith("invoices: 403")
