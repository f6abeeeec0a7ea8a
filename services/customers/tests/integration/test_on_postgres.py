"""The customers service on PostgreSQL, migrated by its own scripts: trigram search, the version
column under a race, and outbox rows written in the change's own transaction."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from customers.service import customers as customer_use_cases
from customers.service import sites
from customers.store.models import Branch, Contact, Customer
from customers.store.queries import CustomerFilters, customers_query
from fieldbook_shared.db import OutboxMessage

from ..conftest import BAXENDALE, TENANT, Api, private_customer, search

pytestmark = pytest.mark.integration


def _patch(api, path: str, body: dict):
    return api.patch(path, body, headers={"If-Match": api.get(path).headers["ETag"]})


def _xmin(sessions, table: str, **where) -> set[str]:
    """The ids of the transactions that last wrote the matching rows (PostgreSQL's `xmin`)."""
    condition = " AND ".join(f"{column} = :{column}" for column in where)
    with sessions() as s:
        return set(s.scalars(text(f"SELECT xmin::text FROM {table} WHERE {condition}"), where))


def _insert_customers(session, count: int) -> None:
    """Private customers c-1 ... c-<count> of TENANT in one multi-row INSERT, past the ORM."""
    session.execute(
        text(
            """
            INSERT INTO customers (id, tenant_id, version, type, surname, display_name, sort_name,
                address_line_1, postcode, postcode_compact, status, blocked, custom_fields,
                communication_preferences, has_transactions, created_at, updated_at)
            SELECT 'c-' || n, :tenant, 1, 'private', 'Surname' || n, 'Person ' || n, 'person ' || n,
                n || ' High Street', 'LS1 4AB', 'LS14AB', 'active', false, '{}', '{}', false, now(), now()
            FROM generate_series(1, :count) AS n
            """
        ),
        {"tenant": TENANT, "count": count},
    )


# --- search ------------------------------------------------------------------------------------


def test_the_search_document_has_one_trigram_index_and_the_old_per_column_ones_are_gone(sessions):
    with sessions() as s:
        assert s.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")) == 1
        rows = s.execute(text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")).all()
    assert [name for (name,) in rows] == ["ix_customers_search_text_trgm"]


def test_the_triggers_keep_the_document_of_bulk_and_moved_and_deleted_contacts(sessions):
    """Writes that bypass the ORM (a multi-row INSERT, an UPDATE moving contacts, a DELETE, the
    accounts ref's UPDATE) rebuild the documents they touch, in their own transaction."""
    with sessions() as s:
        _insert_customers(s, 3)
        s.execute(
            text(
                """
                INSERT INTO contacts (id, tenant_id, customer_id, version, surname, phones, phone_digits, urls,
                    is_primary, archived, communication_preferences, created_at, updated_at)
                SELECT 'k-' || n, :tenant, 'c-' || n, 1, 'Contact' || n, '[]', '0770090012' || n, '[]', true,
                    false, '{}', now(), now()
                FROM generate_series(1, 3) AS n
                """
            ),
            {"tenant": TENANT},
        )
        s.commit()

        def document(customer_id: str) -> str:
            return s.scalar(text("SELECT search_text FROM customers WHERE id = :id"), {"id": customer_id})

        assert document("c-1").split("\n") == [
            "Person 1",
            "1 High Street",
            "LS14AB",
            "Contact1",
            "07700900121",
        ]
        s.execute(text("UPDATE contacts SET customer_id = 'c-2', is_primary = false WHERE id = 'k-1'"))
        s.execute(text("UPDATE contacts SET archived = true WHERE id = 'k-2'"))  # not searched: same text
        s.execute(text("DELETE FROM contacts WHERE id = 'k-3'"))
        s.execute(text("UPDATE customers SET accounts_ref = 'PER001' WHERE id = 'c-3'"))
        s.commit()
        assert "Contact1" not in document("c-1")
        assert "Contact1" in document("c-2") and "Contact2" in document("c-2")
        assert "Contact3" not in document("c-3") and "PER001" in document("c-3")
        # the backfill's set-based rebuild gives every document what the triggers gave it
        before = dict(s.execute(text("SELECT id, search_text FROM customers")).all())
        s.execute(text("UPDATE customers SET search_text = NULL"))
        s.execute(text("SELECT customers_search_text_refresh()"))
        assert dict(s.execute(text("SELECT id, search_text FROM customers")).all()) == before


def test_search_finds_by_partial_postcode_contact_surname_and_phone_digits(api):
    john = api.post(
        "/v1/customers",
        private_customer(primary_contact=BAXENDALE),
    ).get_json()
    acme = api.post(
        "/v1/customers",
        {
            "type": "company",
            "company_name": "Acme Heating Ltd",
            "address": {
                "line_1": "9 Mill Lane",
                "line_2": "Holbeck",
                "line_3": "Kirkstall",
                "county": "Rutland",
                "postcode": "M1 2AB",
            },
        },
    ).get_json()

    # "+44 7700 900123": the national form's digits, as stored
    for q in ("LS1", "ls1 4a", "BAXEN", "900123", "baxen ls1", "+44 7700 900123"):
        assert search(api, q) == [john["id"]], q
    assert search(api, "holbeck") == [acme["id"]]
    assert search(api, "kirkstall") == search(api, "rutland") == [acme["id"]]
    assert search(api, "100%_") == []  # LIKE's wildcards are searched as text
    assert api.as_(tenant="tenant-b").get("/v1/customers", query_string={"q": "baxen"}).get_json() == []


def test_the_search_query_is_served_by_the_trigram_indexes(sessions):
    """With a tenant of 20,000 customers and contacts, a search is a scan of the search document's
    trigram index: no scan of the tenant's rows (which took seconds at a million customers)."""
    with sessions() as s:
        _insert_customers(s, 20000)
        s.execute(
            text(
                """
                INSERT INTO contacts (id, tenant_id, customer_id, version, surname, phones, urls, is_primary,
                    archived, communication_preferences, created_at, updated_at)
                SELECT 'k-' || n, :tenant, 'c-' || n, 1, 'Contact' || n, '[]', '[]', true, false, '{}',
                    now(), now()
                FROM generate_series(1, 20000) AS n
                """
            ),
            {"tenant": TENANT},
        )
        s.commit()
    # flush the GIN indexes' pending lists and gather statistics, as autovacuum would
    with sessions.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE customers")
        conn.exec_driver_sql("VACUUM ANALYZE contacts")
    with sessions() as s:
        compiled = customers_query(TENANT, CustomerFilters(q="baxen")).compile(dialect=s.bind.dialect)
        plan = "\n".join(
            row[0] for row in s.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        )
    assert "Seq Scan" not in plan, plan
    assert "ix_customers_search_text_trgm" in plan, plan


# --- the version column ------------------------------------------------------------------------


def test_two_writers_with_the_same_if_match_one_saves_and_the_other_gets_412(api, app, monkeypatch, outbox):
    """Both pass the If-Match check before either writes: the version column settles it."""
    created = api.post("/v1/customers", private_customer())
    path, etag = created.headers["Location"], created.headers["ETag"]
    checked, go = threading.Event(), threading.Event()
    real_check = customer_use_cases.check_version

    def check_then_wait(current, expected):
        real_check(current, expected)
        if threading.current_thread().name == "slow-writer":
            checked.set()
            assert go.wait(10)

    monkeypatch.setattr(customer_use_cases, "check_version", check_then_wait)
    answers = {}

    def slow_patch():
        answers["slow"] = Api(app.test_client()).patch(path, {"surname": "Slow"}, headers={"If-Match": etag})

    slow = threading.Thread(target=slow_patch, name="slow-writer")
    slow.start()
    assert checked.wait(10), "the slow writer never reached its If-Match check"
    fast = Api(app.test_client()).patch(path, {"surname": "Fast"}, headers={"If-Match": etag})
    go.set()
    slow.join(10)

    assert fast.status_code == 200 and fast.headers["ETag"] == '"2"'
    assert answers["slow"].status_code == 412, answers["slow"].get_json()
    assert answers["slow"].mimetype == "application/problem+json"
    now = api.get(path)
    assert now.get_json()["surname"] == "Fast" and now.headers["ETag"] == '"2"'
    assert [e["data"]["surname"] for e in outbox("customer.updated")] == ["Fast"]


def test_simultaneous_patches_with_one_if_match_give_one_200_and_one_412_every_round(api, app):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    for round_ in range(10):
        etag = api.get(path).headers["ETag"]
        barrier = threading.Barrier(2)
        codes = []

        def patch(surname, etag=etag, barrier=barrier, codes=codes):
            client = Api(app.test_client())
            barrier.wait(10)
            codes.append(client.patch(path, {"surname": surname}, headers={"If-Match": etag}).status_code)

        threads = [threading.Thread(target=patch, args=(f"S{round_}{n}",)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert sorted(codes) == [200, 412], (round_, codes)
    assert api.get(path).headers["ETag"] == '"11"'


# --- the outbox --------------------------------------------------------------------------------


def test_a_change_and_its_events_are_written_by_one_transaction(api, sessions):
    created = api.post("/v1/customers", private_customer(primary_contact={"surname": "Baxendale"})).get_json()
    contact_id = created["primary_contact"]["id"]
    writer = _xmin(sessions, "customers", id=created["id"])
    assert len(writer) == 1
    assert _xmin(sessions, "contacts", id=contact_id) == writer
    assert _xmin(sessions, "outbox", subject=created["id"]) == writer
    assert _xmin(sessions, "outbox", subject=contact_id) == writer

    # deleting a branch's default contact: the branch's new version and both events, one transaction
    path = f"/v1/customers/{created['id']}"
    branch = api.post(
        f"{path}/branches",
        {
            "name": "Depot",
            "address": {"line_1": "Unit 4", "postcode": "LS10 1AB"},
            "default_contact_id": contact_id,
        },
    ).get_json()
    other = api.post(f"{path}/contacts", {"surname": "Jones"}).get_json()
    assert _patch(api, f"{path}/contacts/{other['id']}", {"primary": True}).status_code == 200
    contact_path = f"{path}/contacts/{contact_id}"
    deleted = api.delete(contact_path, headers={"If-Match": api.get(contact_path).headers["ETag"]})
    assert deleted.status_code == 204
    writer = _xmin(sessions, "branches", id=branch["id"])
    assert len(writer) == 1
    assert _xmin(sessions, "outbox", subject=branch["id"], event_type="branch.updated") == writer
    assert _xmin(sessions, "outbox", subject=contact_id, event_type="contact.deleted") == writer
    with sessions() as s:
        assert s.get(Branch, branch["id"]).default_contact_id is None
        assert s.get(Branch, branch["id"]).version == 2
        assert s.get(Contact, contact_id) is None


def test_a_change_that_fails_midway_leaves_neither_the_change_nor_its_events(api, sessions, monkeypatch):
    created = api.post("/v1/customers", private_customer())
    path = created.headers["Location"]
    api.post(f"{path}/work-addresses", {"address": {"line_1": "2 Low Road", "postcode": "LS2 1AA"}})

    def broken_cascade(uow, customer):
        raise RuntimeError("the work addresses could not follow")

    # customer.updated and customer.status_changed are already in the outbox when this fails
    monkeypatch.setattr(customer_use_cases, "_cascade_dormant", broken_cascade)
    resp = api.patch(path, {"status": "dormant"}, headers={"If-Match": created.headers["ETag"]})
    assert resp.status_code == 500
    with sessions() as s:
        customer = s.scalar(select(Customer).where(Customer.id == created.get_json()["id"]))
        assert customer.status == "active" and customer.version == 1
        types = s.scalars(select(OutboxMessage.event_type).where(OutboxMessage.subject == customer.id)).all()
    assert types == ["customer.created"]


# --- what the columns hold ---------------------------------------------------------------------


def test_values_beyond_a_column_are_refused_or_fitted_never_a_database_error(api):
    accounts = api.as_(role="accounts")
    too_big = accounts.post("/v1/customers", private_customer(credit_limit="1e20"))
    assert too_big.status_code == 422 and "credit_limit" in too_big.get_json()["errors"]
    merged = api.post(
        "/v1/customers", private_customer(type="company", company_name="C" * 200, surname="A")
    ).get_json()
    survivor = api.post("/v1/customers", private_customer(surname="B")).get_json()
    address = {"line_1": "Unit 1", "postcode": "LS10 1AB"}
    for owner in (merged, survivor):
        api.post(
            f"/v1/customers/{owner['id']}/branches", {"name": "Depot", "code": "X" * 50, "address": address}
        )
    assert api.post(f"/v1/customers/{merged['id']}/block", {"reason": "R" * 500}).status_code == 200
    resp = api.post(f"/v1/customers/{merged['id']}/merge", {"survivor_id": survivor["id"]})
    assert resp.status_code == 200, resp.get_json()
    assert len(api.get(f"/v1/customers/{survivor['id']}").get_json()["block_reason"]) == 500


def test_a_branch_code_taken_past_the_check_is_a_409_naming_code(api, monkeypatch):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    address = {"line_1": "Unit 4", "postcode": "LS10 1AB"}
    api.post(f"{path}/branches", {"name": "Depot", "code": "D1", "address": address})
    monkeypatch.setattr(sites, "_unique_branch_code", lambda uow, customer_id, code: None)
    raced = api.post(f"{path}/branches", {"name": "Yard", "code": "D1", "address": address})
    assert raced.status_code == 409 and list(raced.get_json()["errors"]) == ["code"], raced.get_json()
