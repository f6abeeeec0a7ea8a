"""Payments, allocations, account credit, stored cards."""

from __future__ import annotations

import logging

from sqlalchemy import text

from fieldbook_shared.testing import card_details

from ..conftest import line


def _invoice(api, customer, unit_price="100.00"):
    return api.post(f"/v1/customers/{customer}/invoices", {"lines": [line(unit_price=unit_price)]}).get_json()


def test_payment_allocated_across_invoices_partially_leaves_credit(api, customer, outbox):
    a, b = _invoice(api, customer), _invoice(api, customer)
    r = api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "bank_transfer",
            "amount": "200.00",
            "reference": "BACS 1",
            "allocations": [
                {"invoice_id": a["id"], "amount": "120.00"},
                {"invoice_id": b["id"], "amount": "50.00"},
            ],
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["unallocated"] == "30.00"
    assert api.get(f"/v1/invoices/{a['id']}").get_json()["status"] == "paid"
    assert api.get(f"/v1/invoices/{b['id']}").get_json()["outstanding"] == "70.00"
    assert api.get(f"/v1/invoices/{b['id']}").get_json()["status"] == "part_paid"
    acc = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (acc["balance"], acc["total_due"], acc["unallocated_credit"]) == ("40.00", "70.00", "30.00")
    assert len(outbox("payment.allocated")) == 2 and outbox("invoice.paid")


def test_over_allocation_is_409_with_the_figures_and_writes_nothing(api, customer, outbox):
    a = _invoice(api, customer)
    pay = api.post("/v1/payments", {"customer_id": customer, "method": "cash", "amount": "50.00"}).get_json()
    before = len(outbox())
    r = api.post(
        f"/v1/payments/{pay['id']}/allocations", {"allocations": [{"invoice_id": a["id"], "amount": "60.00"}]}
    )
    assert r.status_code == 409
    assert r.get_json()["unallocated"] == "50.00" and "50.00" in r.get_json()["detail"]
    big = api.post("/v1/payments", {"customer_id": customer, "method": "cash", "amount": "500.00"}).get_json()
    r = api.post(
        f"/v1/payments/{big['id']}/allocations",
        {"allocations": [{"invoice_id": a["id"], "amount": "130.00"}]},
    )
    assert r.status_code == 409 and r.get_json()["outstanding"] == "120.00"
    assert (
        len(outbox()) == before + 2
    )  # big's payment.received and ledger.balance_changed; the refusals wrote nothing
    ok = api.post(
        f"/v1/payments/{pay['id']}/allocations", {"allocations": [{"invoice_id": a["id"], "amount": "50.00"}]}
    )
    assert ok.status_code == 201 and ok.get_json()["unallocated"] == "0.00"


def test_account_credit_issued_then_applied(api, customer):
    inv = _invoice(api, customer)
    r = api.post(
        f"/v1/customers/{customer}/account-credit",
        {
            "credit_date": "2026-01-05",
            "reference": "Goodwill",
            "method": "bank_transfer",
            "nominal_account": "4000",
            "amount": "25.00",
        },
    )
    assert r.status_code == 201, r.get_json()
    credit = r.get_json()
    assert api.get(f"/v1/customers/{customer}/account").get_json()["account_credit_available"] == "25.00"
    r = api.post(
        f"/v1/customers/{customer}/account-credit/{credit['id']}/allocations",
        {"allocations": [{"invoice_id": inv["id"], "amount": "25.00"}]},
    )
    assert r.status_code == 201
    acc = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (acc["account_credit_available"], acc["total_due"], acc["balance"]) == ("0.00", "95.00", "95.00")


def test_card_number_or_cvc_is_refused_and_never_stored_or_logged(api, customer, sessions, caplog):
    pan, cvc = "4242424242424242", "737"
    card = card_details("tok_abc123")
    with caplog.at_level(logging.DEBUG):
        for extra in ({"number": pan}, {"cvc": cvc}, {"pan": pan, "cvv": cvc}, {"name_on_card": pan}):
            r = api.post(f"/v1/customers/{customer}/cards", {**card, **extra})
            assert r.status_code == 422
            assert pan not in r.get_data(as_text=True) and f'"{cvc}"' not in r.get_data(as_text=True)
    assert pan not in caplog.text
    ok = api.post(f"/v1/customers/{customer}/cards", {**card, "name_on_card": "J SMITH"})
    assert ok.status_code == 201 and "provider_token" not in ok.get_json()
    with sessions() as s:
        for table in ("stored_cards", "outbox", "idempotency_keys"):
            dump = " ".join(str(row) for row in s.execute(text(f"SELECT * FROM {table}")).all())
            assert pan not in dump


def test_account_credit_method_is_enumerated_and_nominal_account_has_a_code_shape(api, customer):
    base = {"method": "cash", "nominal_account": "4000", "amount": "5.00"}
    for field, value in (("method", "bitcoin"), ("nominal_account", " 4000"), ("nominal_account", "40;00")):
        r = api.post(f"/v1/customers/{customer}/account-credit", {**base, field: value})
        assert r.status_code == 422 and list(r.get_json()["errors"]) == [field], (field, value)
    for code in ("1200", "SALES-LAB", "4000/01", "Sales (labour)"):
        r = api.post(f"/v1/customers/{customer}/account-credit", {**base, "nominal_account": code})
        assert r.status_code == 201, r.get_json()
    spec = api.client.get("/openapi.json").get_json()["components"]["schemas"]
    credit_in = spec["AccountCreditIn"]["properties"]
    assert credit_in["method"]["enum"] == ["cash", "cheque", "bank_transfer", "card", "direct_debit", "other"]
    nominal = credit_in["nominal_account"]
    assert nominal["pattern"] and nominal["maxLength"] == 64 and nominal["example"] == "4000"
    assert "chart of accounts" in nominal["description"]
    assert spec["Payment"]["properties"]["method"]["enum"] == credit_in["method"]["enum"]


def test_account_credit_and_cards_are_paged_like_every_list(api, customer):
    import json

    for day in range(1, 4):
        r = api.post(
            f"/v1/customers/{customer}/account-credit",
            {
                "credit_date": f"2026-01-0{day}",
                "method": "cash",
                "nominal_account": "4000",
                "amount": f"{day}.00",
            },
        )
        assert r.status_code == 201
        card = {"provider_token": f"tok_{day}abc", "brand": "visa", "last4": f"424{day}"}
        assert (
            api.post(
                f"/v1/customers/{customer}/cards", {**card, "expiry_month": 12, "expiry_year": 2030}
            ).status_code
            == 201
        )
    first = api.get(f"/v1/customers/{customer}/account-credit", query_string={"page_size": 2})
    assert [c["amount"] for c in first.get_json()] == ["3.00", "2.00"]  # latest first
    assert json.loads(first.headers["X-Pagination"])["total"] == 3 and 'rel="next"' in first.headers["Link"]
    second = api.get(f"/v1/customers/{customer}/account-credit", query_string={"page": 2, "page_size": 2})
    assert [(c["amount"], c["unallocated"]) for c in second.get_json()] == [("1.00", "1.00")]
    cards = api.get(f"/v1/customers/{customer}/cards", query_string={"page": 2, "page_size": 2})
    assert [c["last4"] for c in cards.get_json()] == ["4243"]
    assert json.loads(cards.headers["X-Pagination"])["total"] == 3
    assert api.get(f"/v1/customers/{customer}/cards", query_string={"page_size": 1000}).status_code == 422
