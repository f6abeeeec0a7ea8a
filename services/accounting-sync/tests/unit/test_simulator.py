"""The Sage simulator honours the parts of the v3.1 contacts API our adapter relies on."""

import pytest
from sage_simulator.app import create_app
from sage_simulator.store import Store


@pytest.fixture
def store():
    return Store("c", "s", "r0", rate_limit=5, rate_window=60)


@pytest.fixture
def client(store):
    return create_app(store, default_business="b1").test_client()


def token(client, refresh="r0"):
    r = client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": "c",
            "client_secret": "s",
        },
    )
    return r


def auth(client):
    body = token(client).get_json()
    return {"Authorization": f"Bearer {body['access_token']}", "X-Business": "b1"}


def test_refresh_tokens_rotate(client):
    first = token(client)
    assert first.status_code == 200
    assert token(client, "r0").status_code == 400, "a refresh token works once"
    assert token(client, first.get_json()["refresh_token"]).status_code == 200


def test_bearer_token_is_required_and_errors_are_sages_array(client):
    r = client.get("/contacts")
    assert r.status_code == 401
    [error] = r.get_json()
    assert set(error) == {"$severity", "$dataCode", "$message", "$source"}


def test_validation_errors_name_the_field(client):
    h = auth(client)
    r = client.post("/contacts", json={"contact": {"contact_type_ids": ["CUSTOMER"]}}, headers=h)
    assert r.status_code == 422 and r.get_json()[0]["$source"] == "name"


def test_a_put_replaces_the_fields_it_sends_and_keeps_the_others(client, store):
    """Why marking a contact inactive reads its notes first: a PUT of `notes` replaces them."""
    cid = store.create("b1", {"name": "Ann Lee", "contact_type_ids": ["CUSTOMER"], "notes": "Pays by BACS."})[
        "id"
    ]
    h = auth(client)
    r = client.put(
        f"/contacts/{cid}", json={"contact": {"notes": "Inactive in Fieldbook: deleted"}}, headers=h
    )
    assert r.status_code == 200
    contact = client.get(f"/contacts/{cid}", headers=h).get_json()
    assert (contact["name"], contact["notes"]) == ("Ann Lee", "Inactive in Fieldbook: deleted")


def test_pages_envelope_and_the_last_page_rule(client, store):
    for i in range(5):
        store.create("b1", {"name": f"Person {i}", "contact_type_ids": ["CUSTOMER"]})
    h = auth(client)
    r = client.get("/contacts?items_per_page=2&page=9", headers=h).get_json()
    assert (r["$total"], r["$page"], r["$next"], r["$itemsPerPage"]) == (5, 3, None, 2)
    assert r["$back"].endswith("page=2")
    assert set(r["$items"][0]) == {"id", "displayed_as", "$path"}
    first = client.get("/contacts?items_per_page=2&attributes=all&show_balance=true", headers=h).get_json()
    assert first["$next"] and first["$items"][0]["name"] == "Person 0" and "balance" in first["$items"][0]


def test_fuzzy_search_and_email(client, store):
    store.create(
        "b1",
        {
            "name": "John Smith",
            "reference": "SMITHJ01",
            "contact_type_ids": ["CUSTOMER"],
            "main_contact_person": {"email": "j@x.com"},
        },
    )
    store.create("b1", {"name": "Jon Smithers", "contact_type_ids": ["CUSTOMER"]})
    h = auth(client)

    def names(q):
        return sorted(c["displayed_as"] for c in client.get(f"/contacts?{q}", headers=h).get_json()["$items"])

    assert names("search=smith") == ["John Smith (SMITHJ01)", "Jon Smithers"]
    assert names("search=smithj01") == ["John Smith (SMITHJ01)"]
    assert names("email=J@X.com") == ["John Smith (SMITHJ01)"]


def test_idempotency_id_replays_the_first_create(client, store):
    h = auth(client)
    body = {"contact": {"name": "A", "contact_type_ids": ["CUSTOMER"]}, "idempotency_id": "a" * 32}
    first = client.post("/contacts", json=body, headers=h)
    again = client.post("/contacts", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(store.query("b1")) == 1
    bad = client.post("/contacts", json={**body, "idempotency_id": "not-a-guid"}, headers=h)
    assert bad.status_code == 422


def test_rate_limit_per_business_answers_429_with_retry_after(client):
    h = auth(client)
    answers = [client.get("/contacts", headers=h) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert answers[5].status_code == 429 and int(answers[5].headers["Retry-After"]) >= 1
    assert client.get("/contacts", headers={**h, "X-Business": "b2"}).status_code == 200


def test_injected_faults(client):
    h = auth(client)
    client.post("/__admin/faults", json={"error_rate_429": 1.0, "retry_after": 3})
    r = client.get("/contacts", headers=h)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    client.post("/__admin/faults", json={"error_rate_429": 0.0, "error_rate_500": 1.0})
    assert client.get("/contacts", headers=h).status_code == 500
    stats = client.get("/__admin/stats").get_json()
    assert (stats["injected_429"], stats["injected_500"], stats["throttled"]) == (1, 1, 0)
    assert client.post("/__admin/faults", json={"bogus": 1}).status_code == 422


def test_the_ignore_idempotency_id_fault_creates_again(client, store):
    h = auth(client)
    client.post("/__admin/faults", json={"ignore_idempotency_id": True})
    body = {"contact": {"name": "A", "contact_type_ids": ["CUSTOMER"]}, "idempotency_id": "a" * 32}
    first = client.post("/contacts", json=body, headers=h)
    again = client.post("/contacts", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] != again.get_json()["id"]
    with_ref = {**body, "contact": {**body["contact"], "reference": "AREF01"}}
    assert client.post("/contacts", json=with_ref, headers=h).status_code == 201
    taken = client.post("/contacts", json=with_ref, headers=h)
    assert taken.status_code == 422 and taken.get_json()[0]["$source"] == "reference"


def test_the_omit_retry_after_fault_answers_429_without_the_header(client):
    h = auth(client)
    client.post("/__admin/faults", json={"error_rate_429": 1.0, "omit_retry_after": True})
    r = client.get("/contacts", headers=h)
    assert r.status_code == 429 and "Retry-After" not in r.headers
    client.post("/__admin/faults", json={"error_rate_429": 0.0})  # the rate limit's own 429 too
    answers = [client.get("/contacts", headers=h) for _ in range(6)]
    assert answers[-1].status_code == 429 and "Retry-After" not in answers[-1].headers


def _money_setup(client, store):
    """A contact with a £100 invoice and a credit note of £30 on it (the rate limit is lifted)."""
    store.rate_limit = 10_000
    h = auth(client)
    cid = store.create("b1", {"name": "Ann Lee", "contact_type_ids": ["CUSTOMER"]})["id"]
    line = {"description": "Work", "ledger_account_id": "4000", "unit_price": "100.00", "tax_amount": "0"}
    inv = client.post(
        "/sales_invoices",
        json={"sales_invoice": {"contact_id": cid, "date": "2026-12-01", "invoice_lines": [line]}},
        headers=h,
    ).get_json()
    note = client.post(
        "/sales_credit_notes",
        json={
            "sales_credit_note": {
                "contact_id": cid,
                "date": "2026-12-01",
                "credit_note_lines": [{**line, "unit_price": "30.00"}],
            }
        },
        headers=h,
    ).get_json()
    return h, cid, inv, note


def _receipt(client, h, cid, total, artefacts=(), kind="CUSTOMER_RECEIPT"):
    return client.post(
        "/contact_payments",
        json={
            "contact_payment": {
                "transaction_type_id": kind,
                "contact_id": cid,
                "bank_account_id": "1200",
                "date": "2026-12-02",
                "total_amount": total,
                "allocated_artefacts": list(artefacts),
            },
            "idempotency_id": None,
        },
        headers=h,
    )


def _artefacts(*shares: tuple[dict, str]) -> list[dict]:
    """An allocation's artefacts: each (Sage document, amount) as Sage's API takes it."""
    return [{"artefact_id": document["id"], "amount": amount} for document, amount in shares]


def _outstanding(client, h, inv):
    return client.get(f"/sales_invoices/{inv['id']}", headers=h).get_json()["outstanding_amount"]


def test_payment_on_account_allocated_later_and_the_allocation_undone(client, store):
    h, cid, inv, note = _money_setup(client, store)
    pay = _receipt(client, h, cid, "80.00").get_json()
    poa = pay["payment_on_account"]
    assert (poa["outstanding_amount"], pay["allocated_artefacts"]) == ("80.00", [])
    body = {
        "contact_allocation": {
            "transaction_type_id": "CUSTOMER_ALLOCATION",
            "contact_id": cid,
            "date": "2026-12-03",
            "allocated_artefacts": _artefacts((inv, "50.00"), (poa, "-50.00")),
        },
        "idempotency_id": "b" * 32,
    }
    made = client.post("/contact_allocations", json=body, headers=h)
    again = client.post("/contact_allocations", json=body, headers=h)
    assert made.status_code == again.status_code == 201 and made.get_json()["id"] == again.get_json()["id"]
    assert _outstanding(client, h, inv) == "50.00"
    listed = client.get("/contact_allocations", query_string={"contact_id": cid}, headers=h).get_json()
    assert [a["id"] for a in listed["$items"]] == [made.get_json()["id"]]
    # more than the payment on account holds, or not adding up to nothing: 422 naming the field
    too_much = {
        **body["contact_allocation"],
        "allocated_artefacts": _artefacts((inv, "40.00"), (poa, "-40.00")),
    }
    r = client.post("/contact_allocations", json={"contact_allocation": too_much}, headers=h)
    assert r.status_code == 422 and r.get_json()[0]["$source"] == "allocated_artefacts[1].amount"
    lopsided = {**too_much, "allocated_artefacts": _artefacts((inv, "20.00"), (note, "-10.00"))}
    r = client.post("/contact_allocations", json={"contact_allocation": lopsided}, headers=h)
    assert r.status_code == 422 and r.get_json()[0]["$source"] == "allocated_artefacts"

    gone = client.delete(f"/contact_allocations/{made.get_json()['id']}", headers=h)
    assert gone.status_code == 204 and _outstanding(client, h, inv) == "100.00"
    assert client.delete(f"/contact_allocations/{made.get_json()['id']}", headers=h).status_code == 404
    [kept] = client.get("/__admin/documents/contact_allocations").get_json()["documents"]
    assert kept["deleted_at"] is not None
    assert (
        client.get(f"/contact_payments/{pay['id']}", headers=h).get_json()["payment_on_account"][
            "outstanding_amount"
        ]
        == "80.00"
    )


def test_a_put_replaces_a_receipts_allocations_and_a_refund_takes_credit_back(client, store):
    h, cid, inv, note = _money_setup(client, store)
    pay = _receipt(client, h, cid, "100.00", _artefacts((inv, "100.00"))).get_json()
    assert (
        pay["payment_on_account"]["outstanding_amount"] == "0.00" and _outstanding(client, h, inv) == "0.00"
    )
    put = client.put(
        f"/contact_payments/{pay['id']}", json={"contact_payment": {"allocated_artefacts": []}}, headers=h
    )
    assert put.status_code == 200 and put.get_json()["payment_on_account"]["outstanding_amount"] == "100.00"
    assert _outstanding(client, h, inv) == "100.00"
    # a refund is allocated to credit (the payment on account, a credit note) and adds up to its total
    poa = put.get_json()["payment_on_account"]["id"]
    short = _receipt(client, h, cid, "60.00", [{"artefact_id": poa, "amount": "50.00"}], "CUSTOMER_REFUND")
    assert short.status_code == 422 and short.get_json()[0]["$source"] == "allocated_artefacts"
    refund = _receipt(
        client,
        h,
        cid,
        "60.00",
        [{"artefact_id": poa, "amount": "30.00"}, {"artefact_id": note["id"], "amount": "30.00"}],
        "CUSTOMER_REFUND",
    )
    assert refund.status_code == 201
    after = client.get(f"/contact_payments/{pay['id']}", headers=h).get_json()
    assert after["payment_on_account"]["outstanding_amount"] == "70.00"
    assert (
        client.get(f"/sales_credit_notes/{note['id']}", headers=h).get_json()["outstanding_amount"] == "0.00"
    )
    # the receipt cannot go while a refund took from it; the refund can, giving the credit back
    assert client.delete(f"/contact_payments/{pay['id']}", headers=h).status_code == 422
    assert client.delete(f"/contact_payments/{refund.get_json()['id']}", headers=h).status_code == 204
    assert client.delete(f"/contact_payments/{pay['id']}", headers=h).status_code == 204
    assert (
        client.get(f"/sales_credit_notes/{note['id']}", headers=h).get_json()["outstanding_amount"] == "30.00"
    )
