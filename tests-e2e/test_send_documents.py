"""Sending an invoice or a quote in billing ends as exactly one email at the SMTP server with the
document's PDF attached (parsed back with pypdf: its number and total equal to the JSON) and one
entry in the customer's communications log (issue 15: "Send them")."""

from __future__ import annotations

import io
import re
import secrets

import pypdf

from harness.api import create_customer, expect, private_customer
from harness.polling import consistently, eventually
from test_billing_rules import billing_knows, line


def _customer(client, name: str) -> tuple[dict, str]:
    """A customer whose primary contact has an address of a domain of its own; (customer, domain)."""
    domain = f"@{secrets.token_hex(4)}.e2e.example"
    customer = create_customer(
        client,
        private_customer(
            first_name=name,
            surname="Send",
            email=None,
            primary_contact={"first_name": name, "surname": "Send", "email": f"{name.lower()}{domain}"},
        ),
    )
    billing_knows(client, customer["id"])
    return customer, domain


def _pdf_text(message) -> tuple[str, str]:
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    content = part.get_content()
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    return part.get_filename(), text


def _sent_once(client, smtp, customer: dict, domain: str, kind: str, document: dict):
    """The one message at the server, comms' one email recorded sent, and one entry in the log."""
    [message] = eventually(lambda: smtp.messages_to(domain), timeout=60, message=f"the {kind} email arrives")

    def recorded_sent():
        emails = expect(client.get("/v1/emails", params={"customer_id": customer["id"]}), 200).json()
        assert [(e["document_kind"], e["document_id"], e["status"]) for e in emails] == [
            (kind, document["id"], "sent")
        ], emails
        return emails

    [email] = eventually(recorded_sent, timeout=30, message=f"comms records the {kind} email as sent")
    log = expect(client.get(f"/v1/customers/{customer['id']}/communications"), 200).json()
    assert [(e["kind"], e["direction"], e["subject"]) for e in log] == [("email", "out", email["subject"])]
    consistently(lambda: len(smtp.messages_to(domain)) == 1, duration=2.0)  # emailed once, not again
    return message


def test_an_invoice_sent_is_one_email_with_its_pdf_and_one_log_entry(tenant, smtp):
    client = tenant.admin
    customer, domain = _customer(client, "Ivy")
    invoice = expect(
        client.post(
            f"/v1/customers/{customer['id']}/invoices",
            json={"lines": [line("100.00"), line("40.00", vat_rate="5", category="parts")]},
        ),
        201,
    ).json()
    r = expect(client.post(f"/v1/invoices/{invoice['id']}/send", json={}), 202).json()
    assert (r["status"], r["kind"], r["number"]) == ("queued", "invoice", invoice["number"])

    message = _sent_once(client, smtp, customer, domain, "invoice", invoice)
    assert message["To"].addresses[0].addr_spec == f"ivy{domain}"
    assert str(invoice["number"]) in message["Subject"]
    assert "Dear Ivy Send" in message.get_body(preferencelist=("plain",)).get_content()
    filename, text = _pdf_text(message)
    assert filename == f"invoice-{invoice['number']}.pdf"
    assert str(invoice["number"]) in text
    assert invoice["total"] == "162.00" and invoice["total"] in text


def test_a_void_invoice_is_not_sent(tenant, smtp):
    client = tenant.admin
    customer, domain = _customer(client, "Vera")
    created = expect(
        client.post(f"/v1/customers/{customer['id']}/invoices", json={"lines": [line("10.00")]}), 201
    )
    expect(
        client.post(
            f"/v1/invoices/{created.json()['id']}/void", headers={"If-Match": created.headers["ETag"]}
        ),
        200,
    )
    r = expect(client.post(f"/v1/invoices/{created.json()['id']}/send", json={}), 409)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    consistently(lambda: smtp.messages_to(domain) == [], duration=2.0)


def test_a_quote_sent_is_one_email_with_its_pdf_and_the_quote_is_sent(tenant, smtp, system):
    client = tenant.admin
    customer, domain = _customer(client, "Quinn")
    quote = expect(
        client.post(f"/v1/customers/{customer['id']}/quotes", json={"lines": [line("250.00")]}), 201
    ).json()
    expect(client.post(f"/v1/quotes/{quote['id']}/send", json={"message": "As discussed on site."}), 202)
    assert expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()["status"] == "sent"

    message = _sent_once(client, smtp, customer, domain, "quote", quote)
    assert "As discussed on site." in message.get_body(preferencelist=("plain",)).get_content()
    filename, text = _pdf_text(message)
    assert filename == f"quote-{quote['number']}.pdf"
    assert quote["total"] == "300.00" and quote["total"] in text

    # the email carries the quote's acceptance link: opened with no API key, the customer accepts
    body = message.get_body(preferencelist=("plain",)).get_content()
    [url] = re.findall(r"https?://\S+/v1/public/quotes/\S+", body)
    assert url.startswith(system.gateway_url)
    public = system.client()  # no Authorization header at all
    assert expect(public.get(url), 200).json()["number"] == quote["number"]
    expect(public.post(url, json={"decision": "accept", "name": "Quinn Send"}), 200)
    assert expect(client.get(f"/v1/quotes/{quote['id']}"), 200).json()["status"] == "accepted"
