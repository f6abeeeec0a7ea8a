"""Templates with placeholders, emails queued by the API and sent by the worker, retries, failures."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from comms.domain.smtp import PERMANENT, SENT, TEMPORARY, SendOutcome, classify_code
from comms.domain.templates import render

from ..conftest import contact_data, customer_data, known_customer, publish


def test_placeholders_in_both_forms_render_the_primary_contact():
    values = {"first_name": "Jane", "last_name": "Doe", "customer_name": "Mr John Smith"}
    text = (
        'Dear [first_name] [last_name], ("First Name" “Last Name”) re [customer_name]; "quoted words" stay.'
    )
    assert render(text, values) == 'Dear Jane Doe, (Jane Doe) re Mr John Smith; "quoted words" stay.'


def test_placeholders_match_whatever_the_case_and_spacing():
    values = {"first_name": "Jane", "last_name": "Doe"}
    assert render("[First_Name] [FIRST_NAME] [First Name] [last_NAME]", values) == "Jane Jane Jane Doe"


def test_only_first_name_and_last_name_have_a_quoted_alias():
    values = {"title": "Mr", "first_name": "Jane", "customer_name": "ACME", "email": "j@example.com"}
    text = 'Check the "Title" field, the "Email" and "Customer Name"; dear "first name".'
    assert render(text, values) == 'Check the "Title" field, the "Email" and "Customer Name"; dear Jane.'


def test_a_substituted_value_is_not_scanned_again():
    values = {"first_name": 'Ann "Last Name" [last_name]', "last_name": "Doe", "title": "[balance]"}
    assert render('[title] [first_name] "Last Name"', values) == '[balance] Ann "Last Name" [last_name] Doe'


def test_placeholders_not_in_lower_case_are_checked_and_rendered(api, bus, sender, smtp):
    r = api.post(
        "/v1/email-templates",
        {"name": "Shouting", "subject": "Hi [FIRST_NAME]", "body": "Dear [First_Name] [Last Name]"},
    )
    assert r.status_code == 201, r.get_json()
    c = known_customer(bus)
    r = api.post("/v1/emails", {"customer_id": c["id"], "template_id": r.get_json()["id"]})
    assert r.status_code == 202, r.get_json()
    sender.send_due()
    [message] = smtp.delivered
    assert message["Subject"] == "Hi Jane"
    assert message.get_content().strip() == "Dear Jane Doe"


def test_unknown_bracketed_names_in_any_case_or_with_spaces_are_refused_naming_them(api):
    body = {"name": "Bad", "subject": "Hi [First_Nme]", "body": "Please [see attached]. Ref [1] [#2]"}
    r = api.post("/v1/email-templates", body)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert errors["subject"][0].startswith("Unknown placeholder [First_Nme].")
    assert errors["body"][0].startswith("Unknown placeholder [see attached].")  # [1], [#2] are text


def test_unknown_placeholder_is_refused_at_save_naming_it(api):
    r = api.post(
        "/v1/email-templates",
        {
            "name": "Reminder",
            "subject": "Hi [first_name]",
            "body": "Your [favourite_colour] boiler [balance]",
        },
    )
    assert r.status_code == 422
    assert "[favourite_colour]" in r.get_json()["errors"]["body"][0]
    assert api.get("/v1/email-templates").get_json() == []


def test_template_saved_and_names_unique(api):
    body = {"name": "Service due", "subject": "Service due, [first_name]", "body": 'Hello "First Name"'}
    r = api.post("/v1/email-templates", body)
    assert r.status_code == 201
    assert api.post("/v1/email-templates", body).status_code == 409
    r2 = api.patch(f"/v1/email-templates/{r.get_json()['id']}", {"body": "Hi [nope]"})
    assert r2.status_code == 422


def test_email_to_a_customer_is_queued_then_sent_with_the_primary_contacts_names(
    api, bus, sender, smtp, outbox
):
    c = known_customer(bus)
    t = api.post(
        "/v1/email-templates",
        {
            "name": "T",
            "subject": "For [customer_name]",
            "body": 'Dear "First Name" [last_name], balance [balance]',
        },
    ).get_json()
    attachment = base64.b64encode(b"%PDF-1.4 quote").decode()
    r = api.post(
        "/v1/emails",
        {
            "customer_id": c["id"],
            "template_id": t["id"],
            "attachments": [
                {"filename": "quote.pdf", "content_type": "application/pdf", "content_base64": attachment}
            ],
        },
    )
    assert r.status_code == 202, r.get_json()
    email = r.get_json()
    assert email["status"] == "queued" and email["to"] == "jane.doe@example.com"
    assert email["body"] == "Dear Jane Doe, balance 0.00"
    assert smtp.delivered == []

    assert sender.send_due() == 1
    [message] = smtp.delivered
    assert message["To"] == "Jane Doe <jane.doe@example.com>"
    assert message["Subject"] == "For Mr John Smith"
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "quote.pdf" and part.get_content() == b"%PDF-1.4 quote"
    done = api.get(f"/v1/emails/{email['id']}").get_json()
    assert done["status"] == "sent" and done["attempts"] == 1
    assert [a["outcome"] for a in done["send_log"]] == ["sent"]
    assert outbox("email.sent")[0]["data"]["email_id"] == email["id"]
    assert api.get(f"/v1/customers/{c['id']}/communications").get_json()[0]["status"] == "sent"


def test_temporary_failure_is_retried_permanent_is_failed(api, bus, sender, smtp, outbox):
    c = known_customer(bus)
    temp = api.post("/v1/emails", {"customer_id": c["id"], "subject": "a", "body": "b"}).get_json()
    smtp.script = [SendOutcome(TEMPORARY, 451, "4.3.0 try later"), SendOutcome(TEMPORARY, None, "refused")]
    sender.send_due()
    assert api.get(f"/v1/emails/{temp['id']}").get_json()["status"] == "queued"
    sender.send_due()
    sender.send_due()
    done = api.get(f"/v1/emails/{temp['id']}").get_json()
    assert done["status"] == "sent" and done["attempts"] == 3
    assert [a["outcome"] for a in done["send_log"]] == ["temporary", "temporary", "sent"]
    assert len(smtp.delivered) == 1

    perm = api.post("/v1/emails", {"to": "nobody@example.com", "subject": "a", "body": "b"}).get_json()
    smtp.script = [SendOutcome(PERMANENT, 550, "5.1.1 no such user")]
    sender.send_due()
    failed = api.get(f"/v1/emails/{perm['id']}").get_json()
    assert failed["status"] == "failed" and failed["smtp_code"] == 550
    [event] = outbox("email.failed")
    assert event["data"]["permanent"] is True and "no such user" in event["data"]["reason"]


def test_temporary_failures_give_up_after_the_last_attempt(api, bus, sender, smtp, outbox):
    email = api.post("/v1/emails", {"to": "x@example.com", "subject": "a", "body": "b"}).get_json()
    smtp.script = [SendOutcome(TEMPORARY, 421, "busy")] * 3
    for _ in range(3):
        sender.send_due()
    assert api.get(f"/v1/emails/{email['id']}").get_json()["status"] == "failed"
    assert outbox("email.failed")[0]["data"]["permanent"] is False


def test_attachments_over_16_mb_are_413_and_nothing_is_written(api, bus, settings):
    c = known_customer(bus)
    big = base64.b64encode(b"x" * (16 * 1024 * 1024 + 1)).decode()
    r = api.post(
        "/v1/emails",
        {
            "customer_id": c["id"],
            "subject": "a",
            "body": "b",
            "attachments": [{"filename": "f", "content_base64": big}],
        },
    )
    assert r.status_code == 413, r.get_json()
    assert api.get("/v1/emails").get_json() == []


def test_multipart_email_with_a_file(api, bus, sender, smtp):
    import io
    import json

    c = known_customer(bus)
    r = api.client.post(
        "/v1/emails",
        data={
            "email": json.dumps({"customer_id": c["id"], "subject": "Photo", "body": "See attached"}),
            "attachments": (io.BytesIO(b"\x89PNG..."), "boiler.png", "image/png"),
        },
        content_type="multipart/form-data",
        headers={"X-Tenant-Id": "tenant-a", "X-Role": "admin", "X-Actor": "t"},
    )
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["attachments"][0]["filename"] == "boiler.png"
    sender.send_due()
    [part] = list(smtp.delivered[0].iter_attachments())
    assert part.get_content_type() == "image/png"


@pytest.mark.parametrize(
    "part, field",
    [
        ("[" * 5000 + "]" * 5000, "email"),  # nesting past the parser: not a 500
        ('{"subject": 1' + "0" * 5000 + "}", "email"),  # a number Python will not read
        ('{"to": "a@example.com", "subject": "\\udfff", "body": "b"}', "email.subject"),  # lone surrogate
    ],
)
def test_a_multipart_email_part_that_cannot_be_read_is_a_422_naming_it(api, part, field):
    import io

    r = api.client.post(
        "/v1/emails",
        data={"email": part, "attachments": (io.BytesIO(b"x"), "a.txt", "text/plain")},
        content_type="multipart/form-data",
        headers={"X-Tenant-Id": "tenant-a", "X-Role": "admin", "X-Actor": "t"},
    )
    assert r.status_code == 422, r.get_data(as_text=True)
    assert field in r.get_json()["errors"]
    assert api.get("/v1/emails").get_json() == []


def test_customer_without_email_is_422_for_a_single_email(api, bus):
    c = known_customer(bus, with_contact=False)
    r = api.post("/v1/emails", {"customer_id": c["id"], "subject": "a", "body": "b"})
    assert r.status_code == 422 and "customer_id" in r.get_json()["errors"]


def test_older_snapshot_is_ignored(api, bus, sender, smtp):
    c = customer_data(version=2, first_name="New")
    publish(bus, "customer.updated", c)
    publish(bus, "customer.created", {**c, "version": 1, "first_name": "Old", "email": "old@example.com"})
    publish(bus, "contact.updated", contact_data(c["id"], contact_id="k1", version=3, first_name="Jo"))
    publish(bus, "contact.created", contact_data(c["id"], contact_id="k1", version=1, first_name="Stale"))
    bus.drain()
    email = api.post(
        "/v1/emails", {"customer_id": c["id"], "subject": "s", "body": "Hi [first_name]"}
    ).get_json()
    assert email["body"] == "Hi Jo"


def test_statement_generated_sends_the_pdf_to_the_primary_contact(bus, sender, smtp, outbox):
    c = known_customer(bus)
    sender.billing.pdfs["st-1"] = b"%PDF-1.4 statement"
    publish(
        bus,
        "statement.generated",
        {
            "customer_id": c["id"],
            "statement_id": "st-1",
            "as_at": date(2026, 11, 30),
            "send": True,
            "balance": Decimal("120.5"),
        },
        source="billing",
    )
    publish(
        bus,
        "statement.generated",
        {"customer_id": c["id"], "statement_id": "st-2", "as_at": date(2026, 11, 30), "send": False},
        source="billing",
    )
    bus.drain()
    assert sender.send_due() == 1
    [message] = smtp.delivered
    assert message["To"] == "Jane Doe <jane.doe@example.com>"
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf" and part.get_content() == b"%PDF-1.4 statement"
    assert "Your balance is 120.50." in message.get_body().get_content()
    assert outbox("email.sent")[0]["data"]["statement_id"] == "st-1"


def test_a_contact_not_heard_of_yet_is_read_from_customers_before_refusing(api, bus, customers):
    c = known_customer(bus, with_contact=False)
    customers.records[("tenant-a", c["id"])] = {
        **c,
        "version": 2,
        "primary_contact": contact_data(c["id"], email="fresh@example.com", first_name="Fresh"),
    }
    r = api.post("/v1/emails", {"customer_id": c["id"], "subject": "s", "body": "Hi [first_name]"})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["to"] == "fresh@example.com" and r.get_json()["body"] == "Hi Fresh"


def test_reply_codes_about_our_configuration_are_retried_not_failed_for_good():
    """A 5xx about the recipient or the message fails the email for good; one that says our login
    or TLS settings are wrong (auth required, too weak, refused, encryption required) is retried:
    fixing the settings in time loses nothing."""
    assert classify_code(250) == SENT
    assert classify_code(451) == TEMPORARY
    assert classify_code(None) == TEMPORARY
    for code in (550, 552, 553, 554):
        assert classify_code(code) == PERMANENT, code
    for code in (530, 534, 535, 538):
        assert classify_code(code) == TEMPORARY, code
