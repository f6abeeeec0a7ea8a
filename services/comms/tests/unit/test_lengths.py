"""Values that would not fit their columns (500 characters for a subject on PostgreSQL)."""

from __future__ import annotations

from ..conftest import known_customer

LONG_NAME = "N" * 300
SUBJECT = "[customer_name] and again [customer_name]"


def test_a_direct_email_whose_subject_grows_past_500_is_422(api, bus):
    c = known_customer(bus, display_name=LONG_NAME)
    r = api.post("/v1/emails", {"customer_id": c["id"], "subject": SUBJECT, "body": "b"})
    assert r.status_code == 422
    assert "500" in r.get_json()["errors"]["subject"][0]
    t = api.post("/v1/email-templates", {"name": "T", "subject": SUBJECT, "body": "b"}).get_json()
    r = api.post("/v1/emails", {"customer_id": c["id"], "template_id": t["id"]})
    assert r.status_code == 422 and "subject" in r.get_json()["errors"]


def test_a_mass_email_subject_past_500_is_cut_with_an_ellipsis(api, bus, runner, sender, smtp):
    c = known_customer(bus, display_name=LONG_NAME)
    job = api.post("/v1/mass-emails", {"customer_ids": [c["id"]], "subject": SUBJECT, "body": "b"}).get_json()
    runner.step()
    [row] = api.get(f"/v1/mass-emails/{job['id']}/recipients").get_json()
    email = api.get(f"/v1/emails/{row['email_id']}").get_json()
    assert len(email["subject"]) == 500 and email["subject"].endswith("N…")
    sender.send_due()
    assert len(smtp.delivered) == 1


def test_to_longer_than_254_is_422(api):
    r = api.post(
        "/v1/emails",
        {
            "to": "a" * 60 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com",
            "subject": "s",
            "body": "b",
        },
    )
    assert r.status_code == 422 and "to" in r.get_json()["errors"]
