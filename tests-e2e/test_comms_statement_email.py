"""A statement "send" in billing ends as one email with the PDF attached at the SMTP server."""

from __future__ import annotations

import secrets

from harness.api import create_customer, expect, private_customer
from harness.polling import consistently, eventually


def test_statement_send_in_billing_ends_as_one_email_with_the_pdf_attached(tenant, smtp):
    client = tenant.admin
    domain = f"@{secrets.token_hex(4)}.e2e.example"
    customer = create_customer(
        client,
        private_customer(
            first_name="Stella",
            surname="Ment",
            email=None,
            primary_contact={"first_name": "Stella", "surname": "Ment", "email": f"stella{domain}"},
        ),
    )
    r = expect(client.post(f"/v1/customers/{customer['id']}/statement/send", json={}), 201)
    statement_id = r.json()["id"]

    [message] = eventually(
        lambda: smtp.messages_to(domain), timeout=60, message="the statement email arrives"
    )
    assert message["To"].addresses[0].addr_spec == f"stella{domain}"
    assert "Dear Stella Ment" in message.get_body(preferencelist=("plain",)).get_content()
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert pdf.get_filename() == f"statement-{statement_id}.pdf"

    # comms records `sent` only after the server has stored the message: wait for it
    def recorded_sent():
        emails = expect(client.get("/v1/emails", params={"customer_id": customer["id"]}), 200).json()
        assert [(e["statement_id"], e["status"]) for e in emails] == [(statement_id, "sent")], emails
        return emails

    eventually(recorded_sent, timeout=30, message="comms records the statement email as sent")
    consistently(lambda: len(smtp.messages_to(domain)) == 1, duration=2.0)  # emailed once, not again
