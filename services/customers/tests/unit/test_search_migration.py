"""Migration 0008: the phone digits stored before it are rewritten in a UK number's national form."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from customers.manage import MIGRATIONS
from fieldbook_shared.migrations import upgrade


def test_phone_digits_stored_before_0008_are_rewritten_in_national_form(tmp_path):
    url = f"sqlite:///{tmp_path / 'customers.db'}"
    upgrade(MIGRATIONS, url, "0007")
    engine = create_engine(url)
    customers = {
        "c1": "+44 7700 900123",
        "c2": "0044 113 496 0000",
        "c3": "07700 900999",
        "c4": "+1 555 0100",
    }
    with engine.begin() as conn:
        for cid, phone in customers.items():
            conn.execute(
                text(
                    "INSERT INTO customers (id, tenant_id, version, type, display_name, sort_name, status,"
                    " blocked, custom_fields, communication_preferences, has_transactions, phone, phone_digits,"
                    " created_at, updated_at) VALUES (:id, 't', 1, 'private', 'X', 'x', 'active', 0, '{}', '{}',"
                    " 0, :phone, :digits, '2026-11-01', '2026-11-01')"
                ),
                {"id": cid, "phone": phone, "digits": "".join(ch for ch in phone if ch.isdigit())},
            )
        phones = [
            {"type": "work", "number": "0113 496 0001"},
            {"type": "mobile", "number": "+44 (0)7700 900124"},
        ]
        conn.execute(
            text(
                "INSERT INTO contacts (id, tenant_id, customer_id, version, surname, phones, phone_digits, urls,"
                " is_primary, archived, communication_preferences, created_at, updated_at) VALUES"
                " ('k1', 't', 'c1', 1, 'S', :phones, '01134960001 4407700900124', '[]', 1, 0, '{}',"
                " '2026-11-01', '2026-11-01')"
            ),
            {"phones": json.dumps(phones)},
        )
    upgrade(MIGRATIONS, url)
    with engine.connect() as conn:
        digits = dict(conn.execute(text("SELECT id, phone_digits FROM customers")).all())
        contact = conn.execute(text("SELECT phone_digits FROM contacts")).scalar()
    assert digits == {"c1": "07700900123", "c2": "01134960000", "c3": "07700900999", "c4": "15550100"}
    assert contact == "01134960001 07700900124"
    engine.dispose()


def test_0011_gives_every_customer_written_before_it_its_search_document(tmp_path):
    url = f"sqlite:///{tmp_path / 'customers.db'}"
    upgrade(MIGRATIONS, url, "0010")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, tenant_id, version, type, display_name, sort_name, status, blocked,"
                " custom_fields, communication_preferences, has_transactions, postcode_compact, phone_digits,"
                " created_at, updated_at) VALUES ('c1', 't', 1, 'private', 'Ann Oakley', 'ann oakley', 'active',"
                " 0, '{}', '{}', 0, 'LS14AB', '01134960000', '2026-11-01', '2026-11-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts (id, tenant_id, customer_id, version, surname, phones, phone_digits, urls,"
                " is_primary, archived, communication_preferences, created_at, updated_at) VALUES"
                " ('k1', 't', 'c1', 1, 'Quarrington', '[]', '07700900123', '[]', 1, 0, '{}',"
                " '2026-11-01', '2026-11-01')"
            )
        )
    upgrade(MIGRATIONS, url)
    with engine.connect() as conn:
        document = conn.execute(text("SELECT search_text FROM customers")).scalar()
    for text_ in ("Ann Oakley", "LS14AB", "01134960000", "Quarrington", "07700900123"):
        assert text_ in document.split("\n"), text_
    engine.dispose()
