"""The customer record through the customers service's HTTP API (as the gateway forwards it)."""

from __future__ import annotations

import json

from customers.store.models import Customer, WorkAddress
from fieldbook_shared.db import OutboxMessage

from ..conftest import BAXENDALE, count, private_customer, search, system_uow


def test_create_customer_answers_201_with_location_etag_and_publishes_customer_created(api, outbox):
    resp = api.post("/v1/customers", private_customer())
    assert resp.status_code == 201
    body = resp.get_json()
    assert resp.headers["Location"] == f"/v1/customers/{body['id']}"
    assert resp.headers["ETag"] == '"1"'
    assert body["display_name"] == "John Smith"
    assert body["address"]["postcode"] == "LS1 4AB"
    assert body["status"] == "active" and body["blocked"] is False
    [event] = outbox("customer.created")
    assert event["subject"] == body["id"]
    assert event["tenantid"] == "tenant-a"
    assert event["data"]["surname"] == "Smith"
    assert event["data"]["address"]["postcode"] == "LS1 4AB"


def test_postcode_is_normalised(api):
    body = api.post(
        "/v1/customers", private_customer(address={"line_1": "1 A St", "postcode": " ls14ab "})
    ).get_json()
    assert body["address"]["postcode"] == "LS1 4AB"


def test_bad_input_gives_field_errors_and_writes_nothing(api, sessions):
    cases = [
        (private_customer(surname=None), "surname"),
        (private_customer(address={"line_1": "1 High Street"}), "address.postcode"),
        (private_customer(email="not-an-email"), "email"),
        (private_customer(favourite_colour="blue"), "favourite_colour"),
        (private_customer(type="company", company_name=""), "company_name"),
        (private_customer(type="spaceship"), "type"),
    ]
    for body, field in cases:
        resp = api.post("/v1/customers", body)
        assert resp.status_code == 422, (field, resp.get_json())
        assert resp.mimetype == "application/problem+json"
        assert field in resp.get_json()["errors"], (field, resp.get_json())
    assert count(sessions, Customer) == 0
    assert count(sessions, OutboxMessage) == 0


def test_another_tenants_customer_is_not_found(api):
    customer_id = api.post("/v1/customers", private_customer()).get_json()["id"]
    other = api.as_(tenant="tenant-b")
    assert other.get(f"/v1/customers/{customer_id}").status_code == 404
    assert other.get("/v1/customers").get_json() == []
    assert (
        other.patch(f"/v1/customers/{customer_id}", {"surname": "X"}, headers={"If-Match": '"1"'}).status_code
        == 404
    )


def test_patch_needs_if_match_and_refuses_a_stale_one(api):
    created = api.post("/v1/customers", private_customer())
    path = created.headers["Location"]
    assert api.patch(path, {"surname": "Smyth"}).status_code == 428
    ok = api.patch(path, {"surname": "Smyth"}, headers={"If-Match": created.headers["ETag"]})
    assert ok.status_code == 200 and ok.get_json()["display_name"] == "John Smyth"
    assert ok.headers["ETag"] == '"2"'  # one edit, one version
    stale = api.patch(path, {"surname": "Smithers"}, headers={"If-Match": created.headers["ETag"]})
    assert stale.status_code == 412
    assert api.get(path).get_json()["surname"] == "Smyth"


def test_idempotency_key_replays_the_first_response(api, sessions):
    key = {"Idempotency-Key": "create-john-1"}
    first = api.post("/v1/customers", private_customer(), headers=key)
    second = api.post("/v1/customers", private_customer(), headers=key)
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(sessions, Customer) == 1
    reused = api.post("/v1/customers", private_customer(surname="Other"), headers=key)
    assert reused.status_code == 422 and "Idempotency-Key" in reused.get_json()["errors"]


def test_search_by_partial_postcode_contact_surname_phone_digits_and_email(api):
    john = api.post(
        "/v1/customers",
        private_customer(primary_contact=BAXENDALE),
    ).get_json()
    api.post(
        "/v1/customers",
        {
            "type": "company",
            "company_name": "Acme Heating Ltd",
            "address": {"line_1": "9 Mill Lane", "postcode": "M1 2AB"},
        },
    )

    # "baxen ls1": every word on its own, one in a contact's fields and one in the customer's
    for q in ("LS1", "ls1 4a", "baxen", "900123", "07700900123", "john.smith@", "high street", "baxen ls1"):
        assert search(api, q) == [john["id"]], q
    assert search(api, "baxen acme") == []
    # a postcode with its space is the postcode, not "L1" and "5AB" anywhere in the record
    works = api.post(
        "/v1/customers",
        {
            "type": "company",
            "company_name": "Unit 5AB Works",
            "address": {"line_1": "2 Dock Road", "postcode": "L1 9ZZ"},
        },
    ).get_json()
    assert search(api, "l1 9z") == [works["id"]]
    assert search(api, "L1 5AB") == []
    # a postcode's digits are not a phone number: "L17 7EU" is not everyone whose phone holds 177
    liverpool = api.post(
        "/v1/customers",
        private_customer(
            surname="Quayle", phone="0151 177 2000", address={"line_1": "3 Bold St", "postcode": "L1 4DS"}
        ),
    ).get_json()
    assert search(api, "0151 177") == [liverpool["id"]]
    assert search(api, "L17 7EU") == []
    assert len(search(api, "acme")) == 1 and john["id"] not in search(api, "acme")
    assert search(api, "nothing-like-this") == []


def test_search_finds_address_line_3_county_and_uk_phones_written_either_way(api):
    national = api.post(
        "/v1/customers",
        private_customer(
            surname="Ashworth",
            phone="07700 900123",
            address={
                "line_1": "1 Mill St",
                "line_3": "Kirkstall",
                "county": "Rutland",
                "postcode": "LS5 3AA",
            },
        ),
    ).get_json()
    international = api.post(
        "/v1/customers",
        private_customer(
            surname="Bell",
            phone=None,
            email=None,
            address={"line_1": "2 Dock Rd", "postcode": "LS6 1AB"},
            primary_contact={
                "surname": "Bell",
                "phones": [{"type": "work", "number": "+44 (0)113 496 0555"}],
            },
        ),
    ).get_json()

    for q in ("kirkstall", "rutland", "+44 7700 900123", "+447700900123", "0044 7700 900123", "07700 900123"):
        assert search(api, q) == [national["id"]], q
    for q in ("0113 496 0555", "+44 113 496 0555", "4960555"):
        assert search(api, q) == [international["id"]], q


def test_search_follows_every_change_of_a_searched_field_customers_and_contacts(api):
    """The search document is the database's (triggers): edits, contacts added, renamed, moved
    by a merge and deleted are found at once, and what they replaced no longer is."""
    john = api.post("/v1/customers", private_customer(primary_contact=BAXENDALE)).get_json()
    path = f"/v1/customers/{john['id']}"
    assert (
        api.patch(
            path,
            {"address": {"line_1": "7 Quarry Hill", "postcode": "LS2 7AB"}},
            headers={"If-Match": api.get(path).headers["ETag"]},
        ).status_code
        == 200
    )
    assert search(api, "quarry") == [john["id"]] and search(api, "high street") == []
    added = api.post(f"{path}/contacts", {"surname": "Thistlewood", "email": "t@example.org"}).get_json()
    assert search(api, "thistle") == [john["id"]]
    contact = f"{path}/contacts/{added['id']}"
    renamed = api.patch(
        contact, {"surname": "Wetherby"}, headers={"If-Match": api.get(contact).headers["ETag"]}
    )
    assert renamed.status_code == 200
    assert search(api, "thistle") == [] and search(api, "wetherby") == [john["id"]]
    other = api.post("/v1/customers", private_customer(surname="Other", primary_contact={"surname": "Moved"}))
    other = other.get_json()
    assert api.post(f"/v1/customers/{other['id']}/merge", {"survivor_id": john["id"]}).status_code == 200
    assert search(api, "moved") == [john["id"]]
    assert api.delete(contact, headers={"If-Match": api.get(contact).headers["ETag"]}).status_code == 204
    assert search(api, "wetherby") == []


def test_a_search_counts_and_lists_up_to_its_cap_and_says_when_more_matched(api, monkeypatch):
    from customers.store import queries

    monkeypatch.setattr(queries, "SEARCH_TOTAL_CAP", 3)
    for i in range(4):
        api.post("/v1/customers", private_customer(surname=f"Capped{i}"))
    first = api.get("/v1/customers", query_string={"q": "capped", "page_size": 2})
    assert (
        json.loads(first.headers["X-Pagination"])["total"] == 3 and first.headers["X-Total-Capped"] == "true"
    )
    second = api.get("/v1/customers", query_string={"q": "capped", "page_size": 2, "page": 2})
    assert [r["display_name"] for r in second.get_json()] == ["John Capped2"]  # the list ends at the cap
    assert api.get("/v1/customers", query_string={"q": "capped", "page": 3, "page_size": 2}).get_json() == []
    exact = api.get("/v1/customers", query_string={"q": "capped1"})
    assert json.loads(exact.headers["X-Pagination"])["total"] == 1 and "X-Total-Capped" not in exact.headers
    # without q the list is not a search: every customer counted
    assert json.loads(api.get("/v1/customers").headers["X-Pagination"])["total"] == 4


def test_list_shows_the_primary_contacts_phone_and_paginates_with_links(api):
    for i in range(3):
        api.post(
            "/v1/customers",
            private_customer(
                surname=f"Smith{i}", primary_contact={"surname": "P", "email": f"p{i}@example.com"}
            ),
        )
    resp = api.get("/v1/customers", query_string={"page_size": 2, "sort": "name"})
    assert resp.status_code == 200
    assert json.loads(resp.headers["X-Pagination"])["total"] == 3
    assert 'rel="next"' in resp.headers["Link"] and "page=2" in resp.headers["Link"]
    rows = resp.get_json()
    assert [r["display_name"] for r in rows] == ["John Smith0", "John Smith1"]
    assert rows[0]["email"] == "p0@example.com"


def test_block_only_by_accounts_or_admin_and_publishes(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    assert api.as_(role="sales").post(f"{path}/block", {"reason": "Unpaid invoices"}).status_code == 403
    resp = api.as_(role="accounts").post(f"{path}/block", {"reason": "Unpaid invoices"})
    assert resp.status_code == 200
    assert resp.get_json()["blocked"] is True and resp.get_json()["block_reason"] == "Unpaid invoices"
    assert api.as_(role="accounts").post(f"{path}/block", {"reason": "again"}).status_code == 409
    assert outbox("customer.blocked")[0]["data"]["blocked"] is True
    assert api.post(f"{path}/unblock").get_json()["blocked"] is False
    assert len(outbox("customer.unblocked")) == 1


def test_a_blank_block_reason_is_refused_and_a_reason_is_kept_trimmed(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    for reason in ("", "   ", "\t\n"):
        resp = api.post(f"{path}/block", {"reason": reason})
        assert resp.status_code == 422 and "reason" in resp.get_json()["errors"], reason
    assert api.get(path).get_json()["blocked"] is False and outbox("customer.blocked") == []
    blocked = api.post(f"{path}/block", {"reason": "  Unpaid invoices "})
    assert blocked.get_json()["block_reason"] == "Unpaid invoices"


def test_unblock_keeps_who_unblocked_and_why_and_refuses_unknown_fields(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    api.post(f"{path}/block", {"reason": "Unpaid invoices"})
    accounts = api.as_(role="accounts")
    unknown = accounts.post(f"{path}/unblock", {"reason": "Paid", "notify": True})
    assert unknown.status_code == 422 and "notify" in unknown.get_json()["errors"]
    too_long = accounts.post(f"{path}/unblock", {"reason": "x" * 501})
    assert too_long.status_code == 422 and "reason" in too_long.get_json()["errors"]
    assert api.get(path).get_json()["blocked"] is True
    resp = accounts.post(f"{path}/unblock", {"reason": " Paid in full "})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["blocked"] is False and body["block_reason"] is None
    assert body["unblock_reason"] == "Paid in full" and body["unblocked_by"] == "test:accounts"
    assert body["unblocked_at"] is not None
    assert api.get(path).get_json()["unblock_reason"] == "Paid in full"
    assert len(outbox("customer.unblocked")) == 1
    # the next block starts afresh; an unblock without a body or reason still works
    reblocked = api.post(f"{path}/block", {"reason": "Again"}).get_json()
    assert reblocked["unblock_reason"] is None and reblocked["unblocked_by"] is None
    again = accounts.post(f"{path}/unblock")
    assert again.status_code == 200 and again.get_json()["unblock_reason"] is None
    assert again.get_json()["unblocked_by"] == "test:accounts"


def test_only_accounts_may_set_a_credit_limit(api):
    assert (
        api.as_(role="sales").post("/v1/customers", private_customer(credit_limit="500.00")).status_code
        == 403
    )
    body = api.as_(role="accounts").post("/v1/customers", private_customer(credit_limit="500")).get_json()
    assert body["credit_limit"] == "500.00"


def test_a_credit_limit_beyond_its_column_is_a_422_naming_the_field(api, sessions):
    accounts = api.as_(role="accounts")
    for value in ("1e20", "10000000000.00", "9999999999.995", "1e40", "-1"):
        resp = accounts.post("/v1/customers", private_customer(credit_limit=value))
        assert resp.status_code == 422, (value, resp.get_json())
        assert "credit_limit" in resp.get_json()["errors"], value
    assert count(sessions, Customer) == 0
    created = accounts.post("/v1/customers", private_customer(credit_limit="9999999999.99"))
    assert created.status_code == 201 and created.get_json()["credit_limit"] == "9999999999.99"
    edit = accounts.patch(
        created.headers["Location"], {"credit_limit": "1e20"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert edit.status_code == 422 and "credit_limit" in edit.get_json()["errors"]


def test_dormant_customer_takes_its_work_addresses_with_it(api, sessions, outbox):
    created = api.post("/v1/customers", private_customer())
    path = created.headers["Location"]
    api.post(f"{path}/work-addresses", {"address": {"line_1": "2 Low Road", "postcode": "LS2 1AA"}})
    api.post(f"{path}/work-addresses", {"address": {"line_1": "3 Low Road", "postcode": "LS2 1AB"}})
    etag = api.get(path).headers["ETag"]
    resp = api.patch(path, {"status": "dormant"}, headers={"If-Match": etag})
    assert resp.status_code == 200
    statuses = [wa["status"] for wa in api.get(f"{path}/work-addresses").get_json()]
    assert statuses == ["dormant", "dormant"]
    assert len(outbox("work_address.status_changed")) == 2
    assert outbox("customer.status_changed")[0]["data"]["previous_status"] == "active"


def test_a_dormant_customers_work_addresses_cannot_be_made_active(api, outbox):
    created = api.post("/v1/customers", private_customer(status="dormant"))
    path = created.headers["Location"]
    address = {"line_1": "2 Low Road", "postcode": "LS2 1AA"}
    refused = api.post(f"{path}/work-addresses", {"address": address, "status": "active"})
    assert refused.status_code == 422
    assert "dormant" in refused.get_json()["errors"]["status"][0]
    assert api.get(f"{path}/work-addresses").get_json() == []
    site = api.post(f"{path}/work-addresses", {"address": address})
    assert site.status_code == 201 and site.get_json()["status"] == "dormant"
    events_before = outbox.count()
    reactivate = api.patch(site.headers["Location"], {"status": "active"}, headers={"If-Match": '"1"'})
    assert reactivate.status_code == 422 and "status" in reactivate.get_json()["errors"]
    assert api.get(site.headers["Location"]).get_json()["status"] == "dormant"
    assert outbox.count() == events_before
    # once the customer is active again, so may its work addresses be
    api.patch(path, {"status": "active"}, headers={"If-Match": created.headers["ETag"]})
    again = api.patch(site.headers["Location"], {"status": "active"}, headers={"If-Match": '"1"'})
    assert again.status_code == 200 and again.get_json()["status"] == "active"


def test_custom_fields_are_validated_against_the_tenants_definitions(api):
    assert (
        api.post(
            "/v1/custom-fields", {"key": "boiler_age", "label": "Boiler age", "field_type": "number"}
        ).status_code
        == 201
    )
    api.post(
        "/v1/custom-fields",
        {"key": "tier", "label": "Tier", "field_type": "choice", "choices": ["gold", "silver"]},
    )
    ok = api.post("/v1/customers", private_customer(custom_fields={"boiler_age": 12, "tier": "gold"}))
    assert ok.status_code == 201
    bad = api.post(
        "/v1/customers", private_customer(custom_fields={"boiler_age": "old", "tier": "bronze", "x": 1})
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {
        "custom_fields.boiler_age",
        "custom_fields.tier",
        "custom_fields.x",
    }


def test_tenant_defined_customer_type_requires_its_fields(api):
    resp = api.post(
        "/v1/customer-types",
        {
            "name": "housing_association",
            "label": "Housing association",
            "required_fields": ["company_name", "email"],
        },
    )
    assert resp.status_code == 201
    names = [t["name"] for t in api.get("/v1/customer-types").get_json()]
    assert names == ["private", "company", "landlord", "housing_association"]
    bad = api.post(
        "/v1/customers", {"type": "housing_association", "address": {"line_1": "1 A", "postcode": "B1 1AA"}}
    )
    assert set(bad.get_json()["errors"]) == {"company_name", "email"}
    good = api.post(
        "/v1/customers",
        {
            "type": "housing_association",
            "company_name": "Leeds Homes",
            "email": "a@b.com",
            "address": {"line_1": "1 A", "postcode": "B1 1AA"},
        },
    )
    assert good.status_code == 201


def test_work_address_occupier_defaults_to_occupier(api, sessions):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    resp = api.post(
        f"{path}/work-addresses",
        {
            "address": {"line_1": "Flat 2, 5 Park Row", "postcode": "LS1 5HD"},
            "landlord": {"surname": "Khan", "company_name": "Khan Lettings"},
        },
    )
    assert resp.status_code == 201
    assert resp.get_json()["occupier"] == {"surname": "Occupier"}
    assert resp.get_json()["landlord"]["company_name"] == "Khan Lettings"
    assert api.post(f"{path}/work-addresses", {"address": {"postcode": "LS1"}}).status_code == 422
    assert count(sessions, WorkAddress) == 1


def test_a_work_address_by_its_id_alone_for_another_service(api):
    """files' path names only the work address: the internal route answers it with its customer."""
    customer = api.post("/v1/customers", private_customer()).get_json()["id"]
    wa = api.post(
        f"/v1/customers/{customer}/work-addresses",
        {"address": {"line_1": "5 Park Row", "postcode": "LS1 5HD"}},
    ).get_json()
    found = api.get(f"/internal/work-addresses/{wa['id']}")
    assert found.status_code == 200
    assert (found.get_json()["id"], found.get_json()["customer_id"]) == (wa["id"], customer)
    assert api.as_(tenant="tenant-b").get(f"/internal/work-addresses/{wa['id']}").status_code == 404
    assert api.get("/internal/work-addresses/6f1c1d1e-0000-4000-8000-000000000000").status_code == 404


def test_body_over_the_limit_is_413(api):
    resp = api.post("/v1/customers", private_customer(business_type="x" * 2_000_000))
    assert resp.status_code == 413
    assert resp.mimetype == "application/problem+json"


def test_requests_without_the_internal_token_are_refused_outside_test_mode(settings):
    from customers.app import create_app

    app = create_app(settings.with_(testing=False, internal_token="s3cret"))
    client = app.test_client()
    h = {"X-Tenant-Id": "tenant-a", "X-Role": "admin"}
    assert client.get("/v1/customers", headers=h).status_code == 401
    assert client.get("/v1/customers", headers={**h, "X-Internal-Token": "wrong"}).status_code == 401
    assert client.get("/v1/customers", headers={**h, "X-Internal-Token": "s3cret"}).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_unexpected_errors_answer_500_without_a_traceback(app, api, monkeypatch):
    from customers.service import customers as customer_use_cases

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(customer_use_cases, "list_customers", boom)
    resp = api.get("/v1/customers")
    assert resp.status_code == 500
    assert "secret internals" not in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True)


def test_list_sorts_by_accounts_ref_both_ways_and_refuses_an_unknown_sort(api, sessions):
    ids = {}
    for ref, surname in (("SMI002", "Adams"), ("ADA001", "Brown"), ("BRO003", "Clark")):
        ids[ref] = api.post("/v1/customers", private_customer(surname=surname)).get_json()["id"]
        uow = system_uow(sessions)
        with uow:
            uow.customers.record_facts(ids[ref], accounts_ref=ref)
            uow.commit()

    def refs(sort):
        resp = api.get("/v1/customers", query_string={"sort": sort})
        assert resp.status_code == 200, resp.get_json()
        return [row["accounts_ref"] for row in resp.get_json()]

    assert refs("accounts_ref") == ["ADA001", "BRO003", "SMI002"]
    assert refs("-accounts_ref") == ["SMI002", "BRO003", "ADA001"]
    assert api.get("/v1/customers", query_string={"sort": "-colour"}).status_code == 422


def test_the_unblocked_event_carries_the_reason_and_who_unblocked(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    accounts = api.as_(role="accounts")
    accounts.post(f"{path}/block", {"reason": "Unpaid invoices"})
    accounts.post(f"{path}/unblock", {"reason": " Paid in full "})
    accounts.post(f"{path}/block", {"reason": "Again"})
    accounts.post(f"{path}/unblock")
    first, second = (e["data"] for e in outbox("customer.unblocked"))
    assert first["reason"] == "Paid in full" and first["unblocked_by"] == "test:accounts"
    assert first["blocked"] is False and first["display_name"] == "John Smith"
    assert second["reason"] is None and second["unblocked_by"] == "test:accounts"
