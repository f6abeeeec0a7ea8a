"""A quote's acceptance link through the gateway: the customer opens it with no API key, reads the
quote and accepts it with a name; a tampered or expired link is refused and changes nothing; a
blocked customer's acceptance is recorded but converting the quote stays refused."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from billing.domain import acceptance_links
from billing.settings import DEV_QUOTE_LINK_SECRET
from harness.api import create_customer, expect
from test_billing_rules import billing_knows, line

PROBLEM = "application/problem+json"


def _quote_and_link(client, customer_id: str) -> tuple[dict, dict]:
    quote = expect(
        client.post(f"/v1/customers/{customer_id}/quotes", json={"lines": [line("250.00")]}), 201
    ).json()
    expect(client.post(f"/v1/quotes/{quote['id']}/status", json={"status": "sent"}), 200)
    link = expect(client.post(f"/v1/quotes/{quote['id']}/acceptance-link", json={}), 200).json()
    return quote, link


def _tampered(token: str) -> str:
    i = 3  # inside the signed JSON
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def test_the_customer_opens_the_link_without_a_key_and_accepts(tenant, system):
    client = tenant.admin
    customer = create_customer(client)
    billing_knows(client, customer["id"], blocked=False)
    quote, link = _quote_and_link(client, customer["id"])
    assert link["url"].startswith(system.gateway_url + "/v1/public/quotes/")

    public = system.client()  # no Authorization header at all
    assert "Authorization" not in public.headers and "X-API-Key" not in public.headers
    page = expect(public.get(link["url"]), 200).json()
    assert (page["number"], page["status"], page["total"]) == (quote["number"], "sent", "300.00")
    assert [x["unit_price"] for x in page["lines"]] == ["250.00"]
    assert page["business_name"]
    pdf = expect(public.get(page["pdf_url"]), 200)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # a tampered link: refused, nothing changed
    bad = link["url"].replace(link["token"], _tampered(link["token"]))
    refused = public.post(bad, json={"decision": "accept", "name": "Ann Smith"})
    assert refused.status_code == 403 and refused.headers["Content-Type"] == PROBLEM
    assert expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()["status"] == "sent"
    # the staff routes still need a key
    assert public.get(f"/v1/quotes/{quote['id']}").status_code == 401

    accepted = expect(public.post(link["url"], json={"decision": "accept", "name": "Ann Smith"}), 200).json()
    assert (accepted["status"], accepted["decided_by"]) == ("accepted", "Ann Smith")
    staff = expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()
    assert (staff["status"], staff["decided_by"]) == ("accepted", "Ann Smith") and staff["decided_at"]
    again = public.post(link["url"], json={"decision": "reject", "name": "Ann Smith"})
    assert again.status_code == 409

    converted = expect(client.post(f"/v1/quotes/{quote['id']}/convert", json={}), 201).json()
    assert converted["quote"]["status"] == "converted" and converted["job"]["quote_id"] == quote["id"]


def test_an_expired_link_is_refused_and_changes_nothing(tenant, system):
    client = tenant.admin
    customer = create_customer(client)
    billing_knows(client, customer["id"], blocked=False)
    quote, _ = _quote_and_link(client, customer["id"])
    # signed as billing signs, with billing's secret, but already past its expiry
    secret = os.environ.get("QUOTE_LINK_SECRET") or DEV_QUOTE_LINK_SECRET
    token = acceptance_links.sign(secret, tenant.id, quote["id"], datetime.now(UTC) - timedelta(minutes=1))
    public = system.client()
    for r in (
        public.get(f"/v1/public/quotes/{token}"),
        public.post(f"/v1/public/quotes/{token}", json={"decision": "accept", "name": "Ann"}),
    ):
        assert r.status_code == 410 and r.headers["Content-Type"] == PROBLEM, r.text
    assert expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()["status"] == "sent"


def test_a_blocked_customers_acceptance_is_recorded_but_conversion_refused(tenant, system):
    client = tenant.admin
    customer = create_customer(client)
    billing_knows(client, customer["id"], blocked=False)
    quote, link = _quote_and_link(client, customer["id"])
    expect(client.post(f"/v1/customers/{customer['id']}/block", json={"reason": "Unpaid since March"}), 200)
    billing_knows(client, customer["id"], blocked=True)

    public = system.client()
    accepted = expect(public.post(link["url"], json={"decision": "accept", "name": "Bob"}), 200).json()
    assert accepted["status"] == "accepted"
    refused = client.post(f"/v1/quotes/{quote['id']}/convert", json={})
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == "Account blocked — please contact accounts"
    assert expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()["status"] == "accepted"
