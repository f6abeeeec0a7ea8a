"""On PostgreSQL, billing's document admission and a DELETE sent at the same moment are ordered by
the customer's row lock: never both a yes and a 204."""

from __future__ import annotations

import threading

import pytest

from ..conftest import Api, private_customer

pytestmark = pytest.mark.integration


def test_admission_and_delete_at_once_never_both_succeed(api, app):
    for round_ in range(20):
        created = api.post("/v1/customers", private_customer(surname=f"Race{round_}"))
        path, etag = created.headers["Location"], created.headers["ETag"]
        customer_id = created.get_json()["id"]
        barrier = threading.Barrier(2)
        codes: dict[str, int] = {}

        def admit(barrier=barrier, codes=codes, customer_id=customer_id):
            client = Api(app.test_client())
            barrier.wait(10)
            codes["admit"] = client.post(
                f"/internal/customers/{customer_id}/documents",
                {"kind": "invoice"},
                headers={"X-Actor": "system:billing"},
            ).status_code

        def delete(barrier=barrier, codes=codes, path=path, etag=etag):
            client = Api(app.test_client())
            barrier.wait(10)
            codes["delete"] = client.delete(path, headers={"If-Match": etag}).status_code

        threads = [threading.Thread(target=admit), threading.Thread(target=delete)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        pair = (codes.get("admit"), codes.get("delete"))
        assert pair in {(200, 409), (404, 204)}, (round_, pair)
        after = api.get(path).status_code
        assert after == (200 if pair == (200, 409) else 404), (round_, pair, after)
