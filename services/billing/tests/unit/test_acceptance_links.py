"""A quote's acceptance link: the signed token, and the customer's answer through it (no API key)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing.domain import acceptance_links
from billing.settings import DEV_QUOTE_LINK_SECRET
from fieldbook_shared.problems import Forbidden, Gone

from ..conftest import customer_data, line, publish

SECRET = "test-secret"
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


def _tampered(token: str) -> str:
    """The same token with one character of its signed JSON changed."""
    i = 3
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


# --- the token -------------------------------------------------------------------------------------


def test_a_signed_link_verifies_with_its_tenant_quote_and_expiry():
    token = acceptance_links.sign(SECRET, "t-1", "q-1", LATER)
    link = acceptance_links.verify(SECRET, token, NOW)
    assert (link.tenant_id, link.quote_id, link.expires_at) == ("t-1", "q-1", LATER)


@pytest.mark.parametrize(
    "token_of",
    [
        lambda t: _tampered(t),
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature changed
        lambda t: acceptance_links.sign("another secret", "t-1", "q-1", LATER),
        lambda t: acceptance_links.sign(SECRET, "t-1", "q-1", LATER, purpose="password-reset"),
        lambda t: "not-a-token",
        lambda t: "",
    ],
    ids=["tampered-payload", "tampered-signature", "other-secret", "other-purpose", "garbage", "empty"],
)
def test_a_link_that_does_not_verify_is_403(token_of):
    token = token_of(acceptance_links.sign(SECRET, "t-1", "q-1", LATER))
    with pytest.raises(Forbidden):
        acceptance_links.verify(SECRET, token, NOW)


def test_an_expired_link_is_410():
    token = acceptance_links.sign(SECRET, "t-1", "q-1", NOW)
    with pytest.raises(Gone):
        acceptance_links.verify(SECRET, token, NOW)
    assert acceptance_links.verify(SECRET, token, NOW - timedelta(seconds=1)).quote_id == "q-1"


# --- through the API -------------------------------------------------------------------------------


def _quote(api, customer) -> str:
    return api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).get_json()["id"]


def _link(api, qid, **body) -> dict:
    r = api.post(f"/v1/quotes/{qid}/acceptance-link", body)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _public(api):
    """The customer's client: no tenant, role or actor header (the gateway sends none)."""
    return api.client


def test_the_customer_reads_the_quote_and_accepts_it_with_a_name(api, customer, outbox):
    qid = _quote(api, customer)
    api.post(f"/v1/quotes/{qid}/status", {"status": "sent"})
    link = _link(api, qid)
    assert link["url"].endswith(f"/v1/public/quotes/{link['token']}")
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)

    page = _public(api).get(f"/v1/public/quotes/{link['token']}")
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    assert (body["status"], body["total"], body["business_name"]) == ("sent", "120.00", "Fieldbook")
    assert [x["description"] for x in body["lines"]] == ["Labour"]
    assert body["vat_breakdown"][0]["vat"] == "20.00"
    assert body["pdf_url"].endswith(f"/v1/public/quotes/{link['token']}/pdf")
    assert "customer_id" not in body and "id" not in body

    before = len(outbox("quote.status_changed"))
    r = _public(api).post(
        f"/v1/public/quotes/{link['token']}",
        json={"decision": "accept", "name": " Ann Smith ", "comment": "ok"},
    )
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["decided_by"]) == ("accepted", "Ann Smith")
    events = outbox("quote.status_changed")[before:]
    assert [(e["data"]["id"], e["data"]["status"]) for e in events] == [(qid, "accepted")]

    staff = api.get(f"/v1/quotes/{qid}").get_json()
    assert (staff["status"], staff["decided_by"], staff["decision_comment"]) == (
        "accepted",
        "Ann Smith",
        "ok",
    )
    assert staff["decided_at"]
    # a second answer, either way, is refused; the quote converts as any accepted quote
    again = _public(api).post(
        f"/v1/public/quotes/{link['token']}", json={"decision": "reject", "name": "Ann"}
    )
    assert again.status_code == 409
    assert api.post(f"/v1/quotes/{qid}/convert", {}).status_code == 201
    assert api.post(f"/v1/quotes/{qid}/acceptance-link", {}).status_code == 409  # converted: no new link


def test_a_rejected_quote_cannot_then_be_accepted_through_the_link(api, customer):
    qid = _quote(api, customer)
    token = _link(api, qid, expires_in_days=1)["token"]
    r = _public(api).post(f"/v1/public/quotes/{token}", json={"decision": "reject", "name": "Ann"})
    assert r.get_json()["status"] == "rejected"
    r = _public(api).post(f"/v1/public/quotes/{token}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 409
    assert api.get(f"/v1/quotes/{qid}").get_json()["status"] == "rejected"


def test_a_tampered_or_expired_link_changes_nothing(api, customer, outbox, app):
    qid = _quote(api, customer)
    token = _link(api, qid)["token"]
    before = len(outbox())
    bad = _tampered(token)
    assert _public(api).get(f"/v1/public/quotes/{bad}").status_code == 403
    r = _public(api).post(f"/v1/public/quotes/{bad}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 403 and r.content_type == "application/problem+json"
    assert _public(api).post(f"/v1/public/quotes/{bad}", json={}).status_code == 403  # the link first

    secret = app.extensions["fieldbook"].settings.quote_link_secret
    assert secret == DEV_QUOTE_LINK_SECRET
    tenant = api.tenant
    expired = acceptance_links.sign(secret, tenant, qid, datetime.now(UTC) - timedelta(minutes=1))
    r = _public(api).post(f"/v1/public/quotes/{expired}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 410 and r.content_type == "application/problem+json"
    assert _public(api).get(f"/v1/public/quotes/{expired}/pdf").status_code == 410
    assert api.get(f"/v1/quotes/{qid}").get_json()["status"] == "draft"
    assert len(outbox()) == before


def test_the_link_speaks_for_its_own_tenant_only(api, customer):
    qid = _quote(api, customer)
    token = _link(api, qid)["token"]
    # a tenant header on a public request is not what decides: the token's tenant is
    r = _public(api).get(f"/v1/public/quotes/{token}", headers={"X-Tenant-Id": "someone-else"})
    assert r.status_code == 200
    secret = DEV_QUOTE_LINK_SECRET
    foreign = acceptance_links.sign(secret, "someone-else", qid, datetime.now(UTC) + timedelta(days=1))
    assert _public(api).get(f"/v1/public/quotes/{foreign}").status_code == 404


def test_a_blocked_customer_can_accept_but_the_quote_is_not_converted(api, bus, customer):
    qid = _quote(api, customer)
    token = _link(api, qid)["token"]
    publish(bus, "customer.blocked", customer_data(customer, version=2, blocked=True, block_reason="arrears"))
    bus.drain()
    r = _public(api).post(f"/v1/public/quotes/{token}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 200 and r.get_json()["status"] == "accepted"
    r = api.post(f"/v1/quotes/{qid}/convert", {})
    assert r.status_code == 409
    assert r.get_json()["detail"] == "Account blocked — please contact accounts"
    assert api.get(f"/v1/quotes/{qid}").get_json()["status"] == "accepted"


def test_the_answer_needs_a_decision_and_a_name(api, customer):
    token = _link(api, _quote(api, customer))["token"]
    for body in (
        {"decision": "accept"},
        {"decision": "maybe", "name": "Ann"},
        {"decision": "accept", "name": "  "},
    ):
        assert _public(api).post(f"/v1/public/quotes/{token}", json=body).status_code == 422
    qid = _quote(api, customer)
    for days in (0, 366):
        assert api.post(f"/v1/quotes/{qid}/acceptance-link", {"expires_in_days": days}).status_code == 422


def test_the_pdf_through_the_link(api, customer):
    token = _link(api, _quote(api, customer))["token"]
    r = _public(api).get(f"/v1/public/quotes/{token}/pdf")
    assert r.status_code == 200 and r.content_type == "application/pdf"
    assert r.data.startswith(b"%PDF")


# --- the link is for the quote as it was sent ------------------------------------------------------


def test_the_terms_are_the_lines_and_total_whatever_the_decimal_places():
    lines = [("Labour", Decimal("1.00"), Decimal("100.00"), Decimal("20.00"))]
    same = [("Labour", Decimal("1"), Decimal("100"), Decimal("20"))]
    cheaper = [("Labour", Decimal("1"), Decimal("90"), Decimal("20"))]
    terms = acceptance_links.quote_terms("Boiler", lines, Decimal("120.00"))
    assert terms == acceptance_links.quote_terms("Boiler", same, Decimal("120"))
    assert terms != acceptance_links.quote_terms("Boiler", cheaper, Decimal("108.00"))
    assert terms != acceptance_links.quote_terms("Another boiler", lines, Decimal("120.00"))
    token = acceptance_links.sign(SECRET, "t-1", "q-1", LATER, terms=terms)
    link = acceptance_links.verify(SECRET, token, NOW)
    assert link.terms == terms and acceptance_links.still_the_terms(link, terms)
    assert not acceptance_links.still_the_terms(link, "something else")


def test_a_quote_edited_after_its_link_was_sent_cannot_be_answered_through_it(api, customer, outbox):
    qid = _quote(api, customer)
    token = _link(api, qid)["token"]
    version = api.get(f"/v1/quotes/{qid}").headers["ETag"]
    dearer = {"lines": [line(unit_price="150.00")]}
    r = api.patch(f"/v1/quotes/{qid}", dearer, headers={"If-Match": version})
    assert r.status_code == 200, r.get_json()

    page = _public(api).get(f"/v1/public/quotes/{token}").get_json()
    assert page["changed_since_link"] is True and page["total"] == "180.00"
    before = len(outbox())
    r = _public(api).post(f"/v1/public/quotes/{token}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 409 and r.content_type == "application/problem+json"
    assert r.get_json()["reason"] == "quote_changed"
    assert api.get(f"/v1/quotes/{qid}").get_json()["status"] == "draft"
    assert len(outbox()) == before

    # the new link is for the quote as it is now
    fresh = _link(api, qid)["token"]
    assert _public(api).get(f"/v1/public/quotes/{fresh}").get_json()["changed_since_link"] is False
    r = _public(api).post(f"/v1/public/quotes/{fresh}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 200 and r.get_json()["status"] == "accepted"


def test_a_link_made_before_terms_were_signed_still_answers(api, customer):
    qid = _quote(api, customer)
    older = acceptance_links.sign(
        DEV_QUOTE_LINK_SECRET, api.tenant, qid, datetime.now(UTC) + timedelta(days=1)
    )
    r = _public(api).post(f"/v1/public/quotes/{older}", json={"decision": "accept", "name": "Ann"})
    assert r.status_code == 200 and r.get_json()["status"] == "accepted"
