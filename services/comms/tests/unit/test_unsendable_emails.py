"""Emails no message can be made of: refused at the door (422), or failed for good in the worker —
never left `sending` to be taken again at every lease expiry."""

from __future__ import annotations

import base64
import io
import json

import pytest
from sqlalchemy import update

from comms.api.mail_request import check_files
from comms.service.emails import NewAttachment
from comms.store.models import Email
from fieldbook_shared.problems import ValidationFailed

from ..conftest import contact_data, known_customer, publish, run_mass_emails


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_subject_with_a_line_break_is_422(api, bus):
    c = known_customer(bus)
    r = api.post("/v1/emails", {"customer_id": c["id"], "subject": "Hi\nBcc: x@y", "body": "b"})
    assert r.status_code == 422
    assert "subject" in r.get_json()["errors"]
    r = api.post("/v1/mass-emails", {"customer_ids": [c["id"]], "subject": "Hi\r\nBcc: x@y", "body": "b"})
    assert r.status_code == 422 and "subject" in r.get_json()["errors"]
    r = api.post("/v1/email-templates", {"name": "T", "subject": "Hi\nthere", "body": "b"})
    assert r.status_code == 422 and "subject" in r.get_json()["errors"]


def test_an_attachment_name_with_a_line_break_is_422(api, bus):
    c = known_customer(bus)
    attachment = {"filename": "a\r\nb.pdf", "content_base64": _b64(b"x")}
    r = api.post(
        "/v1/emails", {"customer_id": c["id"], "subject": "s", "body": "b", "attachments": [attachment]}
    )
    assert r.status_code == 422
    assert "attachments.0.filename" in r.get_json()["errors"]


def test_a_multipart_file_name_or_type_with_a_line_break_is_refused():
    for file in (
        NewAttachment("a\r\nb.pdf", "application/pdf", b"x"),
        NewAttachment("a.pdf", "application/pdf\nBcc: x@y", b"x"),
    ):
        with pytest.raises(ValidationFailed):
            check_files([file])


def test_a_multipart_file_name_or_type_too_long_for_its_column_is_422(api, bus):
    c = known_customer(bus)

    for filename, content_type in (
        ("x" * 256 + ".pdf", "application/pdf"),
        ("ok.pdf", "application/" + "x" * 260),
    ):
        r = api.post(
            "/v1/emails",
            data={
                "email": json.dumps({"customer_id": c["id"], "subject": "s", "body": "b"}),
                "attachments": (io.BytesIO(b"x"), filename, content_type),
            },
            content_type="multipart/form-data",
        )
        assert r.status_code == 422, (filename, r.get_json())
        assert any(k.startswith("attachments.0.") for k in r.get_json()["errors"])


def test_to_must_be_an_address_smtp_can_send(api):
    r = api.post("/v1/emails", {"to": "ü@exämple.com", "subject": "s", "body": "b"})
    assert r.status_code == 422 and "to" in r.get_json()["errors"]
    r = api.post("/v1/emails", {"to": "jane@exämple.com", "subject": "s", "body": "b"})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["to"] == "jane@xn--exmple-cua.com"
    r = api.post(
        "/v1/emails", {"to": "a" * 64 + "@" + "b" * 190 + ".example.com", "subject": "s", "body": "b"}
    )
    assert r.status_code == 422 and "to" in r.get_json()["errors"]


def test_a_name_with_a_line_break_goes_out_on_one_line(api, bus, sender, smtp):
    c = known_customer(bus, with_contact=False)
    publish(bus, "contact.created", contact_data(c["id"], first_name="Jane\r\nBcc: x@y", surname="Doe"))
    bus.drain()
    r = api.post("/v1/emails", {"customer_id": c["id"], "subject": "Hi [first_name]", "body": "b"})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["subject"] == "Hi Jane Bcc: x@y"
    sender.send_due()
    [message] = smtp.delivered
    assert message["Subject"] == "Hi Jane Bcc: x@y"
    assert message["Bcc"] is None and "\n" not in message["To"]
    assert api.get(f"/v1/emails/{r.get_json()['id']}").get_json()["status"] == "sent"


def test_an_email_the_worker_cannot_build_fails_for_good_with_its_log_and_event(
    api, bus, sender, smtp, sessions, outbox
):
    c = known_customer(bus)
    email = api.post("/v1/emails", {"customer_id": c["id"], "subject": "s", "body": "b"}).get_json()
    with sessions() as s:  # as written before the checks at the door (or by a future path)
        s.execute(update(Email).where(Email.id == email["id"]).values(to_address="ü@exämple.com"))
        s.commit()
    assert sender.send_due() == 1
    assert smtp.delivered == []
    done = api.get(f"/v1/emails/{email['id']}").get_json()
    assert done["status"] == "failed" and done["attempts"] == 1
    assert [a["outcome"] for a in done["send_log"]] == ["permanent"]
    assert "cannot be built" in done["send_log"][0]["detail"]
    [failed] = outbox("email.failed")
    assert failed["data"]["email_id"] == email["id"] and failed["data"]["permanent"] is True
    assert sender.send_due() == 0  # never taken again


def test_a_mass_email_with_an_unsendable_recipient_completes(api, bus, runner, sender, smtp):
    good = known_customer(bus)
    bad = known_customer(bus, with_contact=False)
    publish(bus, "contact.created", contact_data(bad["id"], email="ü@example.com"))
    bus.drain()
    r = api.post("/v1/mass-emails", {"customer_ids": [good["id"], bad["id"]], "subject": "s", "body": "b"})
    job = r.get_json()
    run_mass_emails(runner, sender)
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert done["status"] == "completed"
    assert (done["total"], done["sent"], done["skipped"], done["failed"], done["pending"]) == (2, 1, 0, 1, 0)
