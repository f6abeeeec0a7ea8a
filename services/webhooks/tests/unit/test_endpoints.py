"""Registering endpoints: the secret shown once, the event types checked, SSRF refused."""

from __future__ import annotations

import pytest

from webhooks.domain.addresses import RefusedUrl, check_url


def register(api, url: str, types=("customer.created",), **extra):
    return api.post("/v1/webhooks", json={"url": url, "event_types": list(types), **extra})


def test_create_shows_the_secret_once(api, partner):
    r = register(api, partner.url, description="CRM sync")
    assert r.status_code == 201, r.json
    assert r.json["secret"].startswith("whsec_")
    assert r.headers["Location"] == f"/v1/webhooks/{r.json['id']}"
    again = api.get(f"/v1/webhooks/{r.json['id']}")
    assert again.status_code == 200 and "secret" not in again.json
    assert again.json["event_types"] == ["customer.created"] and again.json["status"] == "enabled"
    listed = api.get("/v1/webhooks").json
    assert [e["id"] for e in listed] == [r.json["id"]] and "secret" not in listed[0]


def test_unknown_or_internal_event_types_are_refused(api, partner):
    r = register(api, partner.url, types=("customer.created", "ledger.balance_changed"))
    assert r.status_code == 422
    assert "event_types.1" in r.json["errors"]  # the internal one, named by its place
    assert register(api, partner.url, types=()).status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_link_local_urls_are_refused(url):
    with pytest.raises(RefusedUrl):
        check_url(url, allow_private=False)


def test_a_refused_url_is_a_422_naming_the_url(app, api):
    app.extensions["fieldbook"].settings = app.extensions["fieldbook"].settings.with_(
        webhook_allow_private_urls=False
    )
    r = register(api, "http://169.254.169.254/latest")
    assert r.status_code == 422
    assert "link-local" in r.json["errors"]["url"][0]
    assert api.get("/v1/webhooks").json == []


def test_other_schemes_and_credentials_are_refused():
    with pytest.raises(RefusedUrl):
        check_url("ftp://example.com/x", allow_private=True)
    with pytest.raises(RefusedUrl):
        check_url("https://user:pw@example.com/x", allow_private=True)


def test_patch_needs_if_match_and_changes_the_types(api, partner):
    made = register(api, partner.url).json
    path = f"/v1/webhooks/{made['id']}"
    assert api.patch(path, json={"event_types": ["invoice.paid"]}).status_code == 428
    r = api.patch(path, json={"event_types": ["invoice.paid"]}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json["event_types"] == ["invoice.paid"]
    assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 412
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_another_tenants_endpoint_is_not_found(api, partner):
    made = register(api, partner.url).json
    assert api.as_(tenant="other-tenant").get(f"/v1/webhooks/{made['id']}").status_code == 404
