"""Ids in request bodies are read as UUIDs in any case and kept in their canonical lower-case form."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text

from comms.manage import MIGRATIONS
from fieldbook_shared.migrations import upgrade

from ..conftest import known_customer, known_work_address


def test_an_upper_case_customer_id_finds_the_customer(api, bus):
    c = known_customer(bus)
    r = api.post("/v1/emails", {"customer_id": c["id"].upper(), "subject": "s", "body": "b"})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["customer_id"] == c["id"]
    assert len(api.get(f"/v1/emails?customer_id={c['id'].upper()}").get_json()) == 1


def test_mass_email_and_mailing_list_ids_are_lower_cased(api, bus, runner):
    a, b = known_customer(bus), known_customer(bus)
    ml = api.post("/v1/mailing-lists", {"name": "L", "customer_ids": [a["id"].upper(), a["id"], b["id"]]})
    assert ml.get_json()["customer_ids"] == [a["id"], b["id"]]
    r = api.post(
        "/v1/mass-emails", {"customer_ids": [a["id"].upper(), b["id"].upper()], "subject": "s", "body": "b"}
    )
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    runner.step()
    rows = api.get(f"/v1/mass-emails/{job['id']}/recipients").get_json()
    assert [row["customer_id"] for row in rows] == [a["id"], b["id"]]
    assert all(row["reason"] is None for row in rows)
    ml2 = api.post(
        "/v1/mass-emails", {"mailing_list_id": ml.get_json()["id"].upper(), "subject": "s", "body": "b"}
    )
    assert ml2.status_code == 202, ml2.get_json()


def test_a_note_on_an_upper_case_work_address_id_is_listed_under_it(api, bus):
    c = known_customer(bus)
    wa = known_work_address(bus, c["id"])
    r = api.post(f"/v1/customers/{c['id']}/notes", {"text": "t", "work_address_id": wa["id"].upper()})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["work_address_id"] == wa["id"]
    listed = api.get(f"/v1/customers/{c['id']}/notes?work_address_id={wa['id']}").get_json()
    assert [n["id"] for n in listed] == [r.get_json()["id"]]
    assert len(api.get(f"/v1/work-addresses/{wa['id']}/communications").get_json()) == 1


def test_the_migration_lower_cases_ids_already_written(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(MIGRATIONS, url, revision="0003")
    wa, c = str(uuid.uuid4()), str(uuid.uuid4())
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO notes (id, tenant_id, customer_id, work_address_id, version, text, important, "
                "do_not_work_with_again, author, created_at, updated_at) VALUES ('n1', 't', :c, :wa, 1, 'x', "
                "0, 0, 'a', '2026-01-01', '2026-01-01')"
            ),
            {"c": c, "wa": wa.upper()},
        )
        conn.execute(
            text(
                "INSERT INTO mailing_lists (id, tenant_id, name, version, customer_ids, created_at, updated_at) "
                "VALUES ('l1', 't', 'L', 1, :ids, '2026-01-01', '2026-01-01')"
            ),
            {"ids": json.dumps([c.upper(), c])},
        )
    upgrade(MIGRATIONS, url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT work_address_id FROM notes")).scalar() == wa
        assert json.loads(conn.execute(text("SELECT customer_ids FROM mailing_lists")).scalar()) == [c]
