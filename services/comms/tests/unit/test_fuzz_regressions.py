"""Server errors schemathesis found through the gateway (issue 7), kept as regressions: each is a 4xx now."""

from __future__ import annotations


def test_email_without_template_subject_or_body_is_422_naming_both(api):
    r = api.post("/v1/emails", {})
    assert r.status_code == 422, r.get_json()
    assert r.content_type.startswith("application/problem+json")
    assert set(r.get_json()["errors"]) >= {"subject", "body"}


def test_mass_email_without_template_subject_or_body_is_422(api):
    r = api.post("/v1/mass-emails", {})
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) >= {"subject", "body"}


def test_renaming_a_template_to_a_taken_name_is_409(api):
    api.post("/v1/email-templates", {"name": "Taken", "subject": "s", "body": "b"})
    other = api.post("/v1/email-templates", {"name": "Other", "subject": "s", "body": "b"}).get_json()
    r = api.patch(f"/v1/email-templates/{other['id']}", {"name": "Taken"})
    assert r.status_code == 409, r.get_json()
    assert api.get(f"/v1/email-templates/{other['id']}").get_json()["name"] == "Other"


def test_renaming_a_mailing_list_to_a_taken_name_is_409(api):
    api.post("/v1/mailing-lists", {"name": "Taken", "customer_ids": []})
    other = api.post("/v1/mailing-lists", {"name": "Other", "customer_ids": []}).get_json()
    r = api.patch(f"/v1/mailing-lists/{other['id']}", {"name": "Taken"}, headers={"If-Match": '"1"'})
    assert r.status_code == 409, r.get_json()
    assert api.get(f"/v1/mailing-lists/{other['id']}").get_json()["name"] == "Other"


def test_a_page_past_any_real_list_is_422_not_a_database_error(api):
    r = api.get("/v1/emails?status=failed&page=4174788406678066120416229733695488")
    assert r.status_code == 422, r.get_json()
    assert "page" in r.get_json()["errors"]


def test_a_nul_character_in_a_mailing_list_name_is_422_not_a_database_error(api):
    r = api.post("/v1/mailing-lists", {"name": "Boiler\x00owners", "customer_ids": []})
    assert r.status_code == 422, r.get_json()
    assert "name" in r.get_json()["errors"]
