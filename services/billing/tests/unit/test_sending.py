"""Sending an invoice, a quote or a credit note: 202 with what was queued, `document.send_requested`
in the outbox for comms (which emails it with its PDF); a void or draft invoice is refused."""

from __future__ import annotations

import uuid

from ..conftest import line


def test_an_invoice_sent_is_one_request_for_comms(api, customer, outbox):
    inv = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    r = api.post(f"/v1/invoices/{inv['id']}/send", {})
    assert r.status_code == 202
    queued = r.get_json()
    assert queued["status"] == "queued" and queued["kind"] == "invoice"
    assert queued["number"] == inv["number"] and queued["to"] == []
    [event] = outbox("document.send_requested")
    assert event["id"] == queued["id"]
    assert event["data"] == {
        "kind": "invoice",
        "document_id": inv["id"],
        "number": inv["number"],
        "customer_id": customer,
        "to": [],
        "template_id": None,
        "message": None,
    }


def test_chosen_recipients_template_and_message_travel_with_it(api, customer, outbox):
    inv = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    contact, template = str(uuid.uuid4()), str(uuid.uuid4()).upper()
    body = {"to": [contact, "accounts@example.com"], "template_id": template, "message": "As agreed."}
    assert api.post(f"/v1/invoices/{inv['id']}/send", body).status_code == 202
    [event] = outbox("document.send_requested")
    assert event["data"]["to"] == [contact, "accounts@example.com"]
    assert event["data"]["template_id"] == template.lower() and event["data"]["message"] == "As agreed."


def test_a_recipient_is_a_contact_id_or_an_address(api, customer, outbox):
    inv = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    r = api.post(f"/v1/invoices/{inv['id']}/send", {"to": ["not an address"]})
    assert r.status_code == 422 and "to" in str(r.get_json())
    assert api.post(f"/v1/invoices/{inv['id']}/send", {"cc": ["a@example.com"]}).status_code == 422
    assert outbox("document.send_requested") == []


def test_a_void_or_draft_invoice_cannot_be_sent(api, customer, outbox):
    draft = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()], "draft": True}).get_json()
    r = api.post(f"/v1/invoices/{draft['id']}/send", {})
    assert r.status_code == 409 and r.headers["Content-Type"].startswith("application/problem+json")
    inv = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})
    voided = api.post(
        f"/v1/invoices/{inv.get_json()['id']}/void", {}, headers={"If-Match": inv.headers["ETag"]}
    )
    assert voided.status_code == 200
    r = api.post(f"/v1/invoices/{inv.get_json()['id']}/send", {})
    assert r.status_code == 409 and "void" in r.get_json()["detail"]
    assert outbox("document.send_requested") == []


def test_an_unknown_document_is_404(api, customer):
    assert api.post(f"/v1/invoices/{uuid.uuid4()}/send", {}).status_code == 404
    assert api.post(f"/v1/credit-notes/{uuid.uuid4()}/send", {}).status_code == 404


def test_a_draft_quote_sent_becomes_sent(api, customer, outbox):
    quote = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).get_json()
    assert quote["status"] == "draft"
    r = api.post(f"/v1/quotes/{quote['id']}/send")
    assert r.status_code == 202 and r.get_json()["kind"] == "quote"
    assert api.get(f"/v1/quotes/{quote['id']}").get_json()["status"] == "sent"
    [event] = outbox("document.send_requested")
    assert event["data"]["kind"] == "quote" and event["data"]["number"] == quote["number"]
    assert [e["data"]["status"] for e in outbox("quote.status_changed")] == ["sent"]
    # it carries the quote's acceptance link, which opens this quote with no key
    url = event["data"]["acceptance_url"]
    assert r.get_json()["acceptance_url"] == url and "/v1/public/quotes/" in url
    page = api.client.get(url[url.index("/v1/public/") :])  # no tenant, role or actor header
    assert page.status_code == 200 and page.get_json()["number"] == quote["number"]
    # sent again: still sent, a second request
    assert api.post(f"/v1/quotes/{quote['id']}/send", {}).status_code == 202
    assert len(outbox("document.send_requested")) == 2


def test_a_credit_note_can_be_sent(api, customer, outbox):
    note = api.post("/v1/credit-notes", {"customer_id": customer, "lines": [line()], "description": "x"})
    assert note.status_code == 201, note.get_json()
    r = api.post(f"/v1/credit-notes/{note.get_json()['id']}/send", {})
    assert r.status_code == 202 and r.get_json()["kind"] == "credit_note"
    [event] = outbox("document.send_requested")
    assert event["data"]["document_id"] == note.get_json()["id"]
    assert "acceptance_url" not in event["data"]  # only a quote is answered online
