"""The people pages' own rules, without a gateway: who must log in, the code step needs a login
first, the invitation page carries its token and labels its fields."""

from __future__ import annotations


def test_account_and_people_send_a_stranger_to_the_login(client):
    for path in ("/console/account", "/console/people"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/console/login"), path


def test_the_code_step_without_a_password_first_goes_back_to_the_login(client):
    r = client.get("/console/login/code")
    assert r.status_code == 302 and r.headers["Location"] == "/console/login"


def test_the_invitation_page_keeps_its_token_and_labels_its_fields(client):
    r = client.get("/console/invitation?token=fi_abc")
    assert r.status_code == 200
    assert 'name="token" value="fi_abc"' in r.text
    assert '<label for="password">' in r.text and '<label for="name">' in r.text
    assert 'autocomplete="new-password"' in r.text


def test_a_people_post_without_the_csrf_token_is_refused(client):
    r = client.post("/console/invitation", data={"token": "fi_abc", "password": "x" * 12})
    assert r.status_code == 400 and "could not be checked" in r.text


def test_after_a_login_a_person_sees_the_welcome_and_the_email_filled_in(client):
    r = client.get("/console/login?welcome=ann@acme.example")
    assert 'id="login-welcome"' in r.text and 'value="ann@acme.example"' in r.text


def test_every_template_compiles(client):
    env = client.application.jinja_env
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # a syntax error (a block defined twice …) raises here
