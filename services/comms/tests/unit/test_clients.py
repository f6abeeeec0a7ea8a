"""The internal HTTP reads: an unreadable answer from customers is a 503 problem, never a 500."""

from __future__ import annotations

import pytest
import requests

from comms.clients import CustomersClient
from fieldbook_shared.internal_client import UpstreamUnavailable

from ..conftest import FakeCustomers, known_customer

WA = "3e3f8b3b-bd6a-4f88-8c88-6d0a3d4b5c43"


class Answer:
    def __init__(self, status_code=200, text="", json_body=None):
        self.status_code, self.text, self._json = status_code, text, json_body

    def json(self):
        if self._json is None:
            raise requests.JSONDecodeError("Expecting value", self.text, 0)
        return self._json


@pytest.fixture
def answer(monkeypatch):
    given = {}
    monkeypatch.setattr(requests.Session, "get", lambda session, url, **kw: given["answer"])
    return given


@pytest.mark.parametrize(
    "reply",
    [Answer(text="<html>proxy error</html>"), Answer(json_body=["not", "an", "object"])],
    ids=["not json", "not an object"],
)
def test_an_unreadable_customer_or_work_address_is_upstream_unavailable(answer, reply):
    client = CustomersClient("http://customers.invalid", "token", 1.0)
    answer["answer"] = reply
    with pytest.raises(UpstreamUnavailable) as caught:
        client.work_address("tenant-a", "c1", WA)
    assert caught.value.status == 503
    with pytest.raises(UpstreamUnavailable):
        client.customer("tenant-a", "c1")


class GarbledCustomers(FakeCustomers):
    def work_address(self, tenant_id, customer_id, work_address_id):
        raise UpstreamUnavailable("The customers service gave an unreadable answer.")


@pytest.fixture
def customers():
    return GarbledCustomers()


def test_a_note_on_a_work_address_customers_answers_garbled_is_a_503_problem(api, bus):
    c = known_customer(bus)
    r = api.post(f"/v1/customers/{c['id']}/notes", {"text": "site visit", "work_address_id": WA})
    assert r.status_code == 503, r.get_json()
    assert r.content_type.startswith("application/problem+json")
