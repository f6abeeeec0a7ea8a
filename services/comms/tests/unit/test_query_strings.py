"""A misspelt or unknown query parameter is a 422 naming it, never silently ignored."""

from __future__ import annotations

import uuid

import pytest

from ..conftest import known_customer


@pytest.mark.parametrize(
    "path",
    [
        "/v1/emails?stauts=sent",
        "/v1/customers/{c}/notes?work_adress_id=x",
        "/v1/customers/{c}/communications?knd=call",
        "/v1/mass-emails?pagesize=5",
        "/v1/mass-emails/{job}/recipients?statsu=sent",
    ],
)
def test_an_unknown_query_parameter_is_422_naming_it(api, bus, path):
    c = known_customer(bus)
    job = api.post("/v1/mass-emails", {"customer_ids": [c["id"]], "subject": "s", "body": "b"}).get_json()
    r = api.get(path.format(c=c["id"], job=job["id"]))
    assert r.status_code == 422, r.get_json()
    name = path.split("?")[1].split("=")[0]
    assert name in str(r.get_json()["errors"])


def test_page_and_page_size_are_still_known(api, bus):
    c = known_customer(bus)
    for path in (
        "/v1/emails?page=1&page_size=5&status=sent",
        f"/v1/customers/{c['id']}/notes?page=1&page_size=5",
        f"/v1/customers/{c['id']}/communications?page=2&page_size=5&kind=call",
        f"/v1/work-addresses/{uuid.uuid4()}/communications?page=1&page_size=5",
        "/v1/mass-emails?page=1&page_size=5",
    ):
        assert api.get(path).status_code == 200, path
