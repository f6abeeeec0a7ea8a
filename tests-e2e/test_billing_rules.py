"""Billing through the gateway: convert refused while blocked or over the credit limit; numbers
stay gap-free and allocations never over-allocate under concurrent requests; card secrets refused."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from fieldbook_shared.testing import card_details
from harness.api import create_customer, expect, line, private_customer
from harness.polling import eventually


def alone(digits: str, text: str) -> bool:
    """`digits` as a value of its own, not inside an id (request ids and UUIDs are hex)."""
    return re.search(rf"(?<![0-9a-fA-F-]){digits}(?![0-9a-fA-F-])", text) is not None


def billing_knows(client, customer_id: str, **expected) -> dict:
    """Wait until billing's read model shows the customer as expected (fed by customers' events)."""

    def check():
        r = expect(client.get(f"/v1/customers/{customer_id}/account"), 200).json()
        for key, value in expected.items():
            assert r[key] == value, f"{key}: {r[key]!r} != {value!r}"
        return r

    return eventually(check, timeout=60, message="billing's read model")


def test_blocked_customer_can_be_quoted_but_not_converted_until_unblocked(tenant):
    client = tenant.admin
    customer = create_customer(client)
    billing_knows(client, customer["id"], blocked=False)
    expect(client.post(f"/v1/customers/{customer['id']}/block", json={"reason": "Unpaid since March"}), 200)
    billing_knows(client, customer["id"], blocked=True)

    quote = expect(
        client.post(f"/v1/customers/{customer['id']}/quotes", json={"lines": [line("250.00")]}), 201
    ).json()
    refused = client.post(f"/v1/quotes/{quote['id']}/convert", json={})
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["detail"] == "Account blocked — please contact accounts"

    expect(client.post(f"/v1/customers/{customer['id']}/unblock"), 200)
    billing_knows(client, customer["id"], blocked=False)
    converted = expect(client.post(f"/v1/quotes/{quote['id']}/convert", json={"engineer": "Sam"}), 201).json()
    assert converted["quote"]["status"] == "converted" and converted["job"]["status"] == "open"
    assert expect(client.get(f"/v1/jobs/{converted['job']['id']}"), 200).json()["quote_id"] == quote["id"]


def test_convert_refused_over_the_credit_limit(tenant):
    client = tenant.admin
    customer = create_customer(client, private_customer(credit_limit="1000.00", payment_terms_days=30))
    billing_knows(client, customer["id"], credit_limit="1000.00")
    invoice = expect(
        client.post(f"/v1/customers/{customer['id']}/invoices", json={"lines": [line("750.00")]}), 201
    ).json()
    assert invoice["total"] == "900.00"
    quote = expect(
        client.post(f"/v1/customers/{customer['id']}/quotes", json={"lines": [line("200.00", vat_rate="0")]}),
        201,
    ).json()
    refused = client.post(f"/v1/quotes/{quote['id']}/convert", json={})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert (body["credit_limit"], body["owed"], body["quote_total"]) == ("1000.00", "900.00", "200.00")
    assert "1100.00" in body["detail"] and "1000.00" in body["detail"]
    assert expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()["status"] == "draft"


def test_twenty_concurrent_invoices_get_twenty_consecutive_numbers(tenant):
    client = tenant.admin
    customer = create_customer(client)
    billing_knows(client, customer["id"])

    def create(i):
        return client.post(f"/v1/customers/{customer['id']}/invoices", json={"lines": [line(f"{10 + i}.00")]})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(create, range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [
        r.text for r in responses if r.status_code != 201
    ]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(numbers[0], numbers[0] + 20))
    assert numbers[0] == 1  # the tenant's first invoice


def test_ten_concurrent_allocations_never_over_allocate_an_invoice(tenant):
    client = tenant.client("accounts")
    customer = create_customer(tenant.admin)
    billing_knows(client, customer["id"])
    invoice = expect(
        client.post(f"/v1/customers/{customer['id']}/invoices", json={"lines": [line("100.00")]}), 201
    ).json()
    assert invoice["total"] == "120.00"
    payments = [
        expect(
            client.post(
                "/v1/payments", json={"customer_id": customer["id"], "method": "cash", "amount": "30.00"}
            ),
            201,
        ).json()
        for _ in range(10)
    ]

    def allocate(payment):
        return client.post(
            f"/v1/payments/{payment['id']}/allocations",
            json={"allocations": [{"invoice_id": invoice["id"], "amount": "30.00"}]},
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(allocate, payments))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 4 + [409] * 6, [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert "over-allocate" in r.json()["detail"]
    after = expect(client.get(f"/v1/invoices/{invoice['id']}"), 200).json()
    assert (after["outstanding"], after["status"]) == ("0.00", "paid")
    account = expect(client.get(f"/v1/customers/{customer['id']}/account"), 200).json()
    assert (account["balance"], account["total_due"], account["unallocated_credit"]) == (
        "-180.00",
        "0.00",
        "180.00",
    )
    report = expect(tenant.admin.get("/v1/reconciliation"), 200).json()
    assert report["mismatches"] == [] and report["ok"] is True


def test_card_number_or_cvc_is_refused_and_kept_nowhere(tenant, system):
    client = tenant.client("accounts")
    customer = create_customer(tenant.admin)
    billing_knows(client, customer["id"])
    pan, cvc = "4111111111111111", "9317"
    card = card_details("tok_e2e_visa", "1111", 9, 2031)
    for extra in ({"number": pan}, {"cvc": cvc}, {"card_number": pan, "cvv": cvc}):
        r = client.post(f"/v1/customers/{customer['id']}/cards", json={**card, **extra})
        assert r.status_code == 422, r.text
        assert pan not in r.text and cvc not in r.text
    stored = expect(
        client.post(f"/v1/customers/{customer['id']}/cards", json={**card, "name_on_card": "J SMITH"}), 201
    ).json()
    assert stored["last4"] == "1111" and "provider_token" not in stored

    url = system.database_urls["billing"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            dump = json.dumps([str(r) for r in conn.execute(f'SELECT t::text FROM "{table}" t')])
            assert pan not in dump and not alone(cvc, dump), f"found card data in {table}"
    for log in Path(system.log_dir).glob("*.log"):
        text = log.read_text(errors="replace")
        assert pan not in text and not alone(cvc, text), f"found card data in {log.name}"
