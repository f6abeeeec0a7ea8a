"""A statement "send" in billing ends as one email with the PDF attached at the SMTP server."""

from __future__ import annotations

import secrets

from harness.api import create_customer, expect, private_customer
from harness.polling import eventually


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

    emails = expect(client.get("/v1/emails", params={"customer_id": customer["id"]}), 200).json()
    assert [(e["statement_id"], e["status"]) for e in emails] == [(statement_id, "sent")]
    smtp_count = len(smtp.messages_to(domain))
    assert smtp_count == 1, "the statement was emailed more than once"
