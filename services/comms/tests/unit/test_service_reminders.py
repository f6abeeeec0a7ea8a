"""servicing's reminder chain: one email per message key, in the stage's template or the default,
with the service placeholders; automated-mail rules (no address, opted out, dormant) apply."""

from __future__ import annotations

import uuid
from datetime import date

from ..conftest import known_customer, publish


def _request(bus, customer_id, stage="first", key=None, **overrides):
    data = {
        "id": str(uuid.uuid4()),
        "customer_id": customer_id,
        "work_address_id": None,
        "asset_id": str(uuid.uuid4()),
        "stage": stage,
        "message_key": key or f"service-reminder:{uuid.uuid4()}:2027-03-30:{stage}",
        "service_due_date": date(2027, 3, 30),
        "asset": "Worcester Greenstar 30i (serial SN-1)",
        "work_address": "Flat 1, 1 Mill Lane, Ilkley, LS29 8AB",
        **overrides,
    }
    publish(bus, "service_reminder.send_requested", data, source="servicing", subject=data["id"])
    bus.drain()
    return data


def test_a_stage_is_emailed_once_per_key_with_the_service_placeholders(api, bus, sender, smtp):
    c = known_customer(bus)
    key = "service-reminder:r1:2027-03-30:first"
    _request(bus, c["id"], key=key)
    _request(bus, c["id"], key=key)  # asked again (another event): the same key, no second email
    assert sender.send_due() == 1
    assert sender.send_due() == 0
    [message] = smtp.delivered
    assert message["To"] == "Jane Doe <jane.doe@example.com>"
    assert message["Subject"] == "Your service is due on 30 March 2027"
    body = message.get_body().get_content()
    assert "Your Worcester Greenstar 30i (serial SN-1) at Flat 1, 1 Mill Lane, Ilkley, LS29 8AB" in body
    assert len(api.get(f"/v1/customers/{c['id']}/communications").get_json()) == 1


def test_the_tenants_template_for_the_stage_is_used(api, bus, sender, smtp):
    r = api.post(
        "/v1/email-templates",
        {
            "name": "Service reminder: second",
            "subject": "[asset] service on [service_due_date]",
            "body": "Hello [first_name], see you at [work_address].",
        },
    )
    assert r.status_code == 201, r.get_json()
    c = known_customer(bus)
    _request(bus, c["id"], stage="second")
    sender.send_due()
    [message] = smtp.delivered
    assert message["Subject"] == "Worcester Greenstar 30i (serial SN-1) service on 30 March 2027"
    assert "Hello Jane, see you at Flat 1, 1 Mill Lane" in message.get_body().get_content()


def test_an_opted_out_or_dormant_customer_gets_no_reminder(api, bus, sender, smtp, outbox):
    opted_out = known_customer(bus, communication_preferences={"email": False})
    dormant = known_customer(bus, status="dormant")
    _request(bus, opted_out["id"])
    _request(bus, dormant["id"])
    assert sender.send_due() == 0
    assert smtp.delivered == []
    reasons = sorted(e["data"]["reason"] for e in outbox("email.failed"))
    assert reasons == [
        "dormant customer (automated sends are not made to dormant customers)",
        "opted out of email",
    ]


# --- letters: a customer who takes post, not email ---------------------------------------------------


def _pdf_text(data: bytes) -> str:
    import io

    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_a_stage_asked_as_a_letter_makes_one_letter_to_print_and_no_email(api, bus, sender, smtp):
    c = known_customer(
        bus,
        communication_preferences={"email": False, "letter": True},
        address={"line_1": "12 Hill Top", "line_2": None, "town": "Otley", "postcode": "LS21 1AB"},
    )
    key = "service-reminder:r2:2027-03-30:first"
    _request(bus, c["id"], key=key, channel="letter")
    _request(bus, c["id"], key=key, channel="letter")  # asked again: still one letter
    assert sender.send_due() == 0 and smtp.delivered == []
    letters = api.get("/v1/letters", query_string={"status": "to_print"}).get_json()
    assert len(letters) == 1
    letter = letters[0]
    assert (letter["customer_id"], letter["status"], letter["message_key"]) == (c["id"], "to_print", key)
    assert letter["subject"] == "Your service is due on 30 March 2027"
    assert letter["address_lines"] == ["12 Hill Top", "Otley", "LS21 1AB"]
    assert "Worcester Greenstar 30i (serial SN-1) at Flat 1, 1 Mill Lane" in letter["body"]
    # in the customer's log as a letter
    log = api.get(f"/v1/customers/{c['id']}/communications", query_string={"kind": "letter"}).get_json()
    assert [(e["kind"], e["letter_id"], e["status"]) for e in log] == [("letter", letter["id"], "to_print")]
    # its PDF: the letterhead, the addressee, the filled-in template
    pdf = api.get(f"/v1/letters/{letter['id']}.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.data)
    for expected in (
        "Dales Heating Ltd",
        "Jane Doe",
        "12 Hill Top",
        "LS21 1AB",
        "Your service is due on 30 March 2027",
        "Worcester Greenstar 30i (serial SN-1)",
        "Registered in England 01234567",
    ):
        assert expected in text, (expected, text)
    assert "[" not in text  # every placeholder filled


def test_the_print_run_holds_every_letter_to_print_and_printed_ones_leave_it(api, bus):
    ids = []
    for n in range(2):
        c = known_customer(bus, communication_preferences={"email": False}, surname=f"Doe{n}")
        _request(bus, c["id"], channel="letter")
        ids.append(c["id"])
    run = api.get("/v1/letters/to-print.pdf")
    assert run.status_code == 200
    import io

    import pypdf

    assert len(pypdf.PdfReader(io.BytesIO(run.data)).pages) == 2  # a letter a page
    letters = api.get("/v1/letters", query_string={"status": "to_print"}).get_json()
    assert len(letters) == 2
    first = letters[0]["id"]
    printed = api.post("/v1/letters/printed", {"letter_ids": [first]})
    assert printed.status_code == 200, printed.get_json()
    assert printed.get_json()[0]["status"] == "printed" and printed.get_json()[0]["printed_by"]
    assert [x["id"] for x in api.get("/v1/letters", query_string={"status": "to_print"}).get_json()] == [
        letters[1]["id"]
    ]
    log = api.get(f"/v1/customers/{letters[0]['customer_id']}/communications").get_json()
    assert [e["status"] for e in log if e["kind"] == "letter"] == ["printed"]
    unknown = api.post("/v1/letters/printed", {"letter_ids": [first, "00000000-0000-4000-8000-000000000000"]})
    assert unknown.status_code == 422 and "letter_ids" in unknown.get_json()["errors"]


def test_an_email_to_a_customer_without_an_email_address_who_takes_post_becomes_a_letter(api, bus, sender):
    c = known_customer(bus, with_contact=False, email=None)
    _request(bus, c["id"])  # servicing asked for email (it does not know addresses)
    assert sender.send_due() == 0
    (letter,) = api.get("/v1/letters").get_json()
    assert letter["reason"] == "no email address; the customer takes post"
    no_post = known_customer(bus, with_contact=False, email=None, communication_preferences={"letter": False})
    _request(bus, no_post["id"])
    assert len(api.get("/v1/letters").get_json()) == 1  # no letter: the email is recorded failed


def test_an_erased_customers_letters_go(api, bus):
    c = known_customer(bus, communication_preferences={"email": False})
    _request(bus, c["id"], channel="letter")
    publish(bus, "customer.erased", {"customer_id": c["id"]})
    bus.drain()
    assert api.get("/v1/letters").get_json() == []
