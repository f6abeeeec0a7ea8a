"""billing's document.send_requested: one email per recipient with the document's PDF attached
(fetched from billing by the sender), one line in the log each; a redelivery sends nothing twice."""

from __future__ import annotations

import uuid

from ..conftest import contact_data, known_customer, publish

INVOICE_ID = str(uuid.uuid4())


def _request(bus, customer_id, *, event_id=None, **overrides):
    data = {
        "kind": "invoice",
        "document_id": INVOICE_ID,
        "number": 42,
        "customer_id": customer_id,
        "to": [],
        "template_id": None,
        "message": None,
        **overrides,
    }
    publish(bus, "document.send_requested", data, source="billing", subject=customer_id, event_id=event_id)


def test_an_invoice_goes_to_the_primary_contact_with_its_pdf(api, bus, sender, smtp, outbox):
    c = known_customer(bus)
    sender.billing.pdfs[("invoice", INVOICE_ID)] = b"%PDF-1.4 invoice 42"
    _request(bus, c["id"])
    bus.drain()
    assert sender.send_due() == 1
    [message] = smtp.delivered
    assert message["To"] == "Jane Doe <jane.doe@example.com>"
    assert message["Subject"] == "Your invoice 42 — Mr John Smith"
    assert "Dear Jane Doe,\n\nPlease find attached your invoice 42." in message.get_body().get_content()
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "invoice-42.pdf" and part.get_content() == b"%PDF-1.4 invoice 42"
    [entry] = api.get(f"/v1/customers/{c['id']}/communications").get_json()
    assert entry["kind"] == "email" and entry["subject"] == "Your invoice 42 — Mr John Smith"
    [sent] = outbox("email.sent")
    assert (sent["data"]["document_kind"], sent["data"]["document_id"]) == ("invoice", INVOICE_ID)
    assert sent["data"]["document_number"] == 42


def test_a_redelivered_request_is_not_sent_twice(api, bus, sender, smtp):
    c = known_customer(bus)
    sender.billing.pdfs[("invoice", INVOICE_ID)] = b"%PDF-1.4 invoice 42"
    _request(bus, c["id"], event_id=str(uuid.uuid4()))
    bus.drain()
    bus.redeliver_last()
    assert sender.send_due() == 1
    assert sender.send_due() == 0
    assert len(smtp.delivered) == 1
    assert len(api.get(f"/v1/customers/{c['id']}/communications").get_json()) == 1


def test_chosen_contacts_and_addresses_a_template_and_a_message(api, bus, sender, smtp):
    c = known_customer(bus)
    other = contact_data(c["id"], first_name="Ann", surname="Other", email="ann@example.com", primary=False)
    publish(bus, "contact.created", other)
    bus.drain()
    template = api.post(
        "/v1/email-templates",
        {"name": "Quote", "subject": "Quote for [customer_name]", "body": "Hi [first_name]"},
    ).get_json()
    sender.billing.pdfs[("quote", INVOICE_ID)] = b"%PDF-1.4 quote"
    _request(
        bus,
        c["id"],
        kind="quote",
        to=[other["id"].upper(), "office@example.com"],
        template_id=template["id"],
        message="As discussed [on site].",
    )
    bus.drain()
    assert sender.send_due() == 2
    by_to = {m["To"]: m for m in smtp.delivered}
    ann = by_to["Ann Other <ann@example.com>"]
    assert ann["Subject"] == "Quote for Mr John Smith"
    assert ann.get_body().get_content().strip() == "As discussed [on site].\n\nHi Ann"
    office = by_to["office@example.com"]
    assert office.get_body().get_content().strip() == "As discussed [on site].\n\nHi Jane"
    assert [p.get_filename() for p in office.iter_attachments()] == ["quote-42.pdf"]
    assert len(api.get(f"/v1/customers/{c['id']}/communications").get_json()) == 2


def test_a_message_without_a_template_follows_the_line_naming_the_document(bus, sender, smtp):
    c = known_customer(bus)
    sender.billing.pdfs[("credit_note", INVOICE_ID)] = b"%PDF-1.4 credit"
    _request(bus, c["id"], kind="credit_note", number=7, message="Sorry for the trouble.")
    bus.drain()
    assert sender.send_due() == 1
    [message] = smtp.delivered
    assert message.get_body().get_content().strip() == (
        "Dear Jane Doe,\n\nPlease find attached your credit note 7.\n\nSorry for the trouble.\n\nKind regards"
    )
    assert [p.get_filename() for p in message.iter_attachments()] == ["credit-note-7.pdf"]


def test_no_address_or_an_unknown_contact_is_recorded_failed(api, bus, sender, smtp, outbox):
    c = known_customer(bus, with_contact=False)
    _request(bus, c["id"])
    _request(bus, c["id"], to=[str(uuid.uuid4())])
    bus.drain()
    assert sender.send_due() == 0 and smtp.delivered == []
    failures = sorted(e["data"]["reason"] for e in outbox("email.failed"))
    assert failures == ["no email address", "no such contact of the customer"]
    log = api.get(f"/v1/customers/{c['id']}/communications").get_json()
    assert [e["status"] for e in log] == ["failed", "failed"]


def test_a_document_billing_no_longer_has_fails_the_email(bus, sender, smtp, outbox):
    c = known_customer(bus)
    _request(bus, c["id"])
    bus.drain()
    sender.send_due()
    assert smtp.delivered == []
    [failed] = outbox("email.failed")
    assert "billing has no such invoice" in failed["data"]["reason"]


def test_a_quote_carries_its_acceptance_link_before_the_sign_off(bus, sender, smtp):
    c = known_customer(bus)
    sender.billing.pdfs[("quote", INVOICE_ID)] = b"%PDF-1.4 quote"
    url = "https://api.example/v1/public/quotes/abc.def"
    _request(bus, c["id"], kind="quote", number=9, acceptance_url=url)
    bus.drain()
    assert sender.send_due() == 1
    [message] = smtp.delivered
    assert message.get_body().get_content().strip() == (
        "Dear Jane Doe,\n\nPlease find attached your quote 9.\n\n"
        f"You can read the quote and accept or decline it online: {url}\n\nKind regards"
    )
