"""POST /internal/customers/{id}/documents: billing asks before it writes a document; a yes for a
document that stops a delete is recorded first, so a later DELETE is refused (docs/architecture.md
§8)."""

from __future__ import annotations

import uuid

import pytest

from ..conftest import headers, private_customer

BILLING = {"X-Actor": "system:billing"}


def _new(api, **overrides) -> dict:
    resp = api.post("/v1/customers", private_customer(**overrides))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def admit(api, customer_id: str, kind: str, refuse_if_blocked: bool = False, **kw):
    body = {"kind": kind, "refuse_if_blocked": refuse_if_blocked}
    return api.post(f"/internal/customers/{customer_id}/documents", body, headers={**BILLING, **kw})


def delete(api, customer_id: str):
    path = f"/v1/customers/{customer_id}"
    return api.delete(path, headers={"If-Match": api.get(path).headers["ETag"]})


@pytest.mark.parametrize("kind", ["invoice", "credit_note", "payment", "account_credit", "job"])
def test_a_document_that_stops_a_delete_is_recorded_before_the_answer(api, kind):
    customer = _new(api)
    resp = admit(api, customer["id"], kind)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {
        "customer_id": customer["id"],
        "kind": kind,
        "has_transactions": True,
        "blocked": False,
    }
    read = api.get(f"/v1/customers/{customer['id']}")
    assert read.get_json()["has_transactions"] is True
    assert read.headers["ETag"] == '"1"'  # a fact billing reports: the office's next save is not a 412
    refused = delete(api, customer["id"])
    assert refused.status_code == 409 and "financial transactions" in refused.get_json()["detail"]


@pytest.mark.parametrize("kind", ["quote", "card", "recurring_invoice"])
def test_a_quote_a_card_or_a_recurring_invoice_is_only_checked(api, kind):
    customer = _new(api)
    resp = admit(api, customer["id"], kind)
    assert resp.status_code == 200 and resp.get_json()["has_transactions"] is False
    assert delete(api, customer["id"]).status_code == 204


def test_a_deleted_or_unknown_customer_is_404(api):
    customer = _new(api)
    assert delete(api, customer["id"]).status_code == 204
    assert admit(api, customer["id"], "invoice").status_code == 404
    assert admit(api, str(uuid.uuid4()), "invoice").status_code == 404


def test_another_tenants_customer_is_404(api):
    customer = _new(api)
    other = api.as_(tenant="tenant-b")
    assert admit(other, customer["id"], "invoice").status_code == 404
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["has_transactions"] is False


def test_a_merged_customer_is_410_naming_the_survivor(api):
    a, b = _new(api, surname="Alpha"), _new(api, surname="Bravo")
    assert api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]}).status_code == 200
    resp = admit(api, a["id"], "invoice")
    assert resp.status_code == 410 and b["id"] in resp.get_data(as_text=True)
    assert api.get(f"/v1/customers/{b['id']}").get_json()["has_transactions"] is False


def test_an_erased_customer_is_404(api):
    customer = _new(api)
    assert api.post(f"/v1/customers/{customer['id']}/erase").status_code == 200
    assert admit(api, customer["id"], "payment").status_code == 404


def test_a_blocked_customer_is_409_only_when_billing_asks_and_then_nothing_is_recorded(api):
    customer = _new(api)
    path = f"/v1/customers/{customer['id']}"
    assert (
        api.as_(role="accounts").post(f"{path}/block", {"reason": "Three invoices overdue"}).status_code
        == 200
    )
    refused = admit(api, customer["id"], "job", refuse_if_blocked=True)
    assert refused.status_code == 409
    assert refused.get_json()["block_reason"] == "Three invoices overdue"
    assert api.get(path).get_json()["has_transactions"] is False
    assert delete(api, customer["id"]).status_code == 204  # the refused job left nothing behind


def test_a_blocked_customer_may_still_be_invoiced(api):
    customer = _new(api)
    path = f"/v1/customers/{customer['id']}"
    api.as_(role="accounts").post(f"{path}/block", {"reason": "late"})
    resp = admit(api, customer["id"], "invoice")
    assert resp.status_code == 200 and resp.get_json()["blocked"] is True


def test_only_another_service_may_ask_and_the_kind_is_checked(api, app):
    customer = _new(api)
    path = f"/internal/customers/{customer['id']}/documents"
    as_user = app.test_client().post(path, json={"kind": "invoice"}, headers=headers())
    assert as_user.status_code == 403
    unknown = admit(api, customer["id"], "statement")
    assert unknown.status_code == 422 and "kind" in unknown.get_json()["errors"]
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["has_transactions"] is False
