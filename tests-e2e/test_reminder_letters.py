"""Service reminders by post, through the gateway (servicing's chain, comms' letters, billing's
letterhead, the clock the suite moves): a customer who said no to email but not to post gets each
stage of the reminder chain as exactly one letter to print — a PDF on the tenant's letterhead with
the template's placeholders filled in and the customer's name and postal address — and no email;
the letters are in the customer's communications log, in one print run, and marked printed."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime

import pypdf

from harness.api import create_customer, expect, private_customer, unique
from harness.polling import eventually

DUE = date(2027, 4, 12)
FIRST_DAY = datetime(2027, 3, 15, 9, tzinfo=UTC)  # 28 days before: the first reminder's day
SECOND_DAY = datetime(2027, 4, 5, 9, tzinfo=UTC)  # 7 days before: the second's


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _letters(client, customer: str, **params) -> list[dict]:
    r = client.get("/v1/letters", params={"customer_id": customer, "page_size": 100, **params})
    return expect(r, 200).json()


def test_a_customer_who_takes_post_gets_one_letter_per_stage_and_no_email(tenant, other_tenant, clock, smtp):
    client = tenant.admin
    clock(FIRST_DAY.replace(day=14))  # the day before the first reminder's: nothing to do yet
    business = unique("Dales Heating ")
    expect(
        client.put(
            "/v1/settings/documents",
            json={"business_name": business, "address_lines": ["4 Station Road", "Skipton BD23 1AA"]},
            headers={"If-Match": expect(client.get("/v1/settings/documents"), 200).headers["ETag"]},
        ),
        200,
    )
    expect(
        client.post(
            "/v1/email-templates",
            json={
                "name": "Service reminder: first",
                "subject": "[asset] service due [service_due_date]",
                "body": "Dear [first_name],\n\nYour [asset] at [work_address] is due its service on "
                "[service_due_date].\n\nPlease ring us to book.",
            },
        ),
        201,
    )
    email = f"{unique('post')}@e2e.example"
    customer = create_customer(
        client,
        private_customer(
            email=email,
            address={"line_1": unique("12 Hill Top "), "town": "Otley", "postcode": "LS21 1AB"},
            communication_preferences={"email": False, "letter": True, "sms": True, "phone": True},
        ),
    )
    customer_id, street = customer["id"], customer["address"]["line_1"]
    site = expect(
        client.post(
            f"/v1/customers/{customer_id}/work-addresses",
            json={"name": "Flat 1", "address": {"line_1": unique("1 Mill Lane "), "postcode": "LS29 8AB"}},
        ),
        201,
    ).json()
    group = expect(
        client.post("/v1/asset-catalogue/groups", json={"name": unique("Gas boiler ")}), 201
    ).json()["id"]
    expect(client.put(f"/v1/service-intervals/asset-groups/{group}", json={"months": 12}), 201)
    serial = unique("GB-")
    asset = expect(
        client.post(
            f"/v1/customers/{customer_id}/assets",
            json={
                "serial_number": serial,
                "brand": "Worcester",
                "description": "Greenstar 30i",
                "asset_group_id": group,
                "work_address_id": site["id"],
                "install_date": DUE.replace(year=2026).isoformat(),
            },
        ),
        201,
    ).json()["id"]

    def reminder():
        rows = expect(client.get("/v1/service-reminders", params={"asset_id": asset}), 200).json()
        assert len(rows) == 1 and rows[0]["due_date"] == DUE.isoformat(), rows
        return rows[0]

    reminder_id = eventually(reminder, timeout=60, message="servicing has the boiler's reminder")["id"]

    # each stage's day, and the day again (passes of the chain, a restart's second look): one letter a stage
    for day, count in ((FIRST_DAY, 1), (SECOND_DAY, 2)):
        clock(day)

        def letters_made(count=count):
            rows = _letters(client, customer_id)
            assert len(rows) == count, rows
            return rows

        eventually(letters_made, timeout=60, message=f"comms makes {count} letter(s)")
        time.sleep(2)  # several passes of the chain (REMINDER_POLL_SECONDS 0.5 in the suite)
        clock(day)
        time.sleep(1.5)
    letters = _letters(client, customer_id, status="to_print")
    assert len(letters) == 2, letters
    sends = expect(client.get(f"/v1/service-reminders/{reminder_id}"), 200).json()["sends"]
    assert [(s["stage"], s["status"], s["channel"]) for s in sends] == [
        ("first", "requested", "letter"),
        ("second", "requested", "letter"),
    ]
    assert smtp.messages_to(email) == []  # no email, whatever the stage

    when = f"{DUE.day} {DUE:%B %Y}"
    first, second = letters
    assert first["subject"] == f"Worcester Greenstar 30i (serial {serial}) service due {when}"
    assert second["subject"] == f"Reminder: your service is due on {when}"  # no template: the default
    for letter in letters:
        assert letter["address_lines"] == [street, "Otley", "LS21 1AB"]
        assert letter["to_name"] == "Mr John Smith"
        pdf = client.get(f"/v1/letters/{letter['id']}.pdf")
        assert expect(pdf, 200).headers["Content-Type"] == "application/pdf"
        text = _text(pdf.content)
        for expected in (business, "Mr John Smith", street, "Otley", "LS21 1AB", when, serial):
            assert expected in text, (expected, text)
        assert "[" not in text and "]" not in text, text  # every placeholder filled
    text = _text(client.get(f"/v1/letters/{first['id']}.pdf").content)
    assert "Dear John" in text and site["address"]["line_1"] in text

    # the customer's communications log says so
    log = expect(
        client.get(f"/v1/customers/{customer_id}/communications", params={"kind": "letter"}), 200
    ).json()
    assert sorted((e["letter_id"], e["status"]) for e in log) == sorted(
        (x["id"], "to_print") for x in letters
    )

    # the print run holds them (a letter a page here); once printed they leave the list
    run = client.get("/v1/letters/to-print.pdf")
    run_text = _text(expect(run, 200).content)
    assert all(x["subject"] in run_text for x in letters)
    printed = expect(
        client.post("/v1/letters/printed", json={"letter_ids": [x["id"] for x in letters]}), 200
    ).json()
    assert {p["status"] for p in printed} == {"printed"}
    assert _letters(client, customer_id, status="to_print") == []
    log = expect(
        client.get(f"/v1/customers/{customer_id}/communications", params={"kind": "letter"}), 200
    ).json()
    assert {e["status"] for e in log} == {"printed"}
    # another tenant sees none of it
    assert other_tenant.admin.get(f"/v1/letters/{first['id']}").status_code == 404
    assert other_tenant.admin.get(f"/v1/letters/{first['id']}.pdf").status_code == 404
    assert expect(other_tenant.admin.get("/v1/letters"), 200).json() == []
