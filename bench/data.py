"""Deterministic bulk data for the benchmark, loaded with PostgreSQL COPY.

Customers (with contacts and one work address each) go straight into the customers service's own
tables, built with the service's own rules (display name, sort name, postcode forms, phone digits,
default communication preferences) so the rows are exactly what the API would have written. The
trigram indexes of the migration are dropped for the load and created again afterwards with their
own definitions (much faster than maintaining GIN indexes row by row); the search documents'
triggers are off during the COPY and the documents built after it in one statement, by the
migration's own function.

Everything comes from `random.Random(seed)`: the same size gives the same data on every run.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from customers.domain import rules

FIRST = (
    "Amelia Oliver Isla George Ava Noah Mia Arthur Ivy Leo Grace Oscar Freya Harry Lily Jack Ella "
    "Charlie Rosie Thomas Florence Henry Willow Alfie Evie Jacob Sophia Theo Poppy Finley Ruby Edward "
    "Hannah Samuel Alice Joseph Emily William Daisy James Chloe Daniel Matilda Lucas Phoebe Harrison"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
    "White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose "
    "Davis Rodriguez Cox Alexander Morgan Moore Mills King Lee Baker Harris Allen Young Hill Scott "
    "Turner Cooper Ward Morris Hughes Edwards Collins Stewart Morley Bell Murphy Bailey Marshall "
    "Whitfield Ashworth Pemberton Thornbury Kettleby Ravensworth Oakley Fairbairn Hargreaves Loxley"
).split()
# contact surnames: two-part names from a larger pool, so a contact-surname search is selective
PARTS = (
    "Ash Birch Cald Dun Elm Fen Gor Hals Ing Kel Lang Marr Nor Ock Pen Quar Rad Sto Thw Ulls Ver Wex "
    "Yar Brom Crag Dal Esk Fal Gil Hol"
).split()
ENDS = "by ton ley worth ham field stead well ford hurst wick thorpe cote den mere gate".split()
STREETS = (
    "High Street|Station Road|Church Lane|Mill Lane|Park Avenue|Victoria Road|Green Lane|Manor Road|"
    "Kings Road|Queens Road|Orchard Close|Chapel Street|Elm Grove|Windsor Road|Albert Street"
).split("|")
TOWNS = {
    "LS": "Leeds",
    "M": "Manchester",
    "B": "Birmingham",
    "BS": "Bristol",
    "YO": "York",
    "S": "Sheffield",
    "NE": "Newcastle",
    "L": "Liverpool",
    "NG": "Nottingham",
    "CF": "Cardiff",
    "EH": "Edinburgh",
    "G": "Glasgow",
}
TRADES = "Plumbing Heating Electrical Lettings Property Facilities Estates Builders Roofing Joinery".split()
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

CUSTOMER_COLUMNS = (
    "id tenant_id version type title first_name surname company_name display_name sort_name "
    "business_type email phone phone_digits status blocked credit_limit payment_terms_days "
    "account_manager advertising_source custom_fields communication_preferences has_transactions "
    "address_line_1 address_line_2 town county postcode postcode_compact created_at updated_at"
).split()
CONTACT_COLUMNS = (
    "id tenant_id customer_id version title first_name surname position phones phone_digits email urls "
    "is_primary archived communication_preferences created_at updated_at"
).split()
WORK_ADDRESS_COLUMNS = (
    "id tenant_id customer_id version name status landlord occupier address_line_1 town postcode "
    "postcode_compact created_at updated_at"
).split()
PREFERENCES = json.dumps(rules.merged_preferences(None, None))


def connect(conninfo: str, attempts: int = 60, **kwargs) -> psycopg.Connection:
    """psycopg.connect, retried for a while: the server is shared and may be at its connection limit."""
    for attempt in range(attempts):
        try:
            return psycopg.connect(conninfo, **kwargs)
        except psycopg.OperationalError as exc:
            if "too many clients" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def postcode(rnd: random.Random) -> str:
    area = rnd.choice(tuple(TOWNS))
    return f"{area}{rnd.randint(1, 29)} {rnd.randint(1, 9)}{rnd.choice(LETTERS)}{rnd.choice(LETTERS)}"


def contact_surname(rnd: random.Random) -> str:
    return f"{rnd.choice(PARTS)}{rnd.choice(ENDS)}-{rnd.choice(PARTS)}{rnd.choice(ENDS)}"


def phone(rnd: random.Random) -> str:
    return f"0{rnd.randint(113, 199)} {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}"


def rows(count: int, tenant_id: str, seed: int = 7):
    """Yield (customer, contacts, work_address) tuples of column lists, deterministically."""
    rnd = random.Random(seed)
    ids = random.Random(seed + 1)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(count):
        cid = str(uuid.UUID(int=ids.getrandbits(128), version=4))
        created = start + timedelta(seconds=i * 97)
        kind = "company" if i % 4 == 0 else ("landlord" if i % 10 == 1 else "private")
        first, surname = rnd.choice(FIRST), rnd.choice(SURNAMES)
        town_code = postcode(rnd)
        area = "".join(ch for ch in town_code.split(" ")[0] if ch.isalpha())
        town = TOWNS[area]
        pc = rules.normalise_postcode(town_code)
        company = f"{surname} {rnd.choice(TRADES)} {rnd.choice(('Ltd', 'LLP', '& Sons', 'Services'))}"
        values = {
            "type": kind,
            "first_name": None if kind == "company" else first,
            "surname": None if kind == "company" else surname,
            "company_name": company if kind == "company" else None,
        }
        name = rules.display_name(values)
        tel = phone(rnd)
        line_1 = f"{rnd.randint(1, 240)} {rnd.choice(STREETS)}"
        email = f"{(first + '.' + surname).lower()}{i}@example.net"
        customer = [
            cid,
            tenant_id,
            1,
            kind,
            None if kind == "company" else rnd.choice(("Mr", "Mrs", "Ms", "Dr", None)),
            values["first_name"],
            values["surname"],
            values["company_name"],
            name,
            name.lower(),
            "Trade" if kind == "company" else None,
            email,
            tel,
            rules.digits(tel),
            "active" if i % 23 else "dormant",
            i % 97 == 0,
            f"{rnd.randint(0, 50) * 100}.00",
            rnd.choice((14, 30, 30, 60)),
            rnd.choice(("Sam Rivers", "Priya Shah", "Tom Hale", None)),
            rnd.choice(("web", "referral", "van", "leaflet", None)),
            "{}",
            PREFERENCES,
            False,
            line_1,
            None,
            town,
            None,
            pc,
            rules.compact_postcode(pc),
            created,
            created,
        ]
        contacts = []
        for n in range(2 if kind == "company" else 1):
            c_first = rnd.choice(FIRST)
            c_surname = contact_surname(rnd) if kind != "private" or n else surname
            c_phone = phone(rnd)
            phones = [{"type": "mobile", "number": c_phone}]
            contacts.append(
                [
                    str(uuid.UUID(int=ids.getrandbits(128), version=4)),
                    tenant_id,
                    cid,
                    1,
                    None,
                    c_first,
                    c_surname,
                    "Director" if kind == "company" and n == 0 else None,
                    json.dumps(phones),
                    rules.phones_digits(phones),
                    f"{c_first.lower()}.{c_surname.lower()}{i}@example.org",
                    "[]",
                    n == 0,
                    False,
                    PREFERENCES,
                    created,
                    created,
                ]
            )
        wa_pc = rules.normalise_postcode(postcode(rnd))
        work_address = [
            str(uuid.UUID(int=ids.getrandbits(128), version=4)),
            tenant_id,
            cid,
            1,
            None,
            customer[14],
            None,
            json.dumps({"surname": rules.DEFAULT_OCCUPIER_SURNAME}),
            f"{rnd.randint(1, 240)} {rnd.choice(STREETS)}",
            TOWNS["".join(ch for ch in wa_pc.split(" ")[0] if ch.isalpha())],
            wa_pc,
            rules.compact_postcode(wa_pc),
            created,
            created,
        ]
        yield customer, contacts, work_address


def _trigram_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'public' AND indexdef LIKE '%gin_trgm_ops%'"
    ).fetchall()


def load_customers(conninfo: str, tenant_id: str, count: int, progress=print) -> dict:
    """COPY `count` customers (+ contacts + work addresses) into the customers database; returns counts."""
    counts = {"customers": 0, "contacts": 0, "work_addresses": 0}
    with connect(conninfo, autocommit=True) as conn:
        indexes = _trigram_indexes(conn)
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # the search documents' triggers would rebuild a customer's document per row (and again
        # for its contacts): off for the COPY, then one set-based rebuild (migration 0011)
        for table in ("customers", "contacts"):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        with conn.cursor() as cur:
            with cur.copy(f"COPY customers ({', '.join(CUSTOMER_COLUMNS)}) FROM STDIN") as c_copy:
                contacts, addresses = [], []
                for customer, cts, wa in rows(count, tenant_id):
                    c_copy.write_row(customer)
                    contacts.extend(cts)
                    addresses.append(wa)
                    counts["customers"] += 1
                    if counts["customers"] % 200_000 == 0:
                        progress(f"  … {counts['customers']:,} customers generated")
            with cur.copy(f"COPY contacts ({', '.join(CONTACT_COLUMNS)}) FROM STDIN") as copy:
                for row in contacts:
                    copy.write_row(row)
            counts["contacts"] = len(contacts)
            del contacts
            with cur.copy(f"COPY work_addresses ({', '.join(WORK_ADDRESS_COLUMNS)}) FROM STDIN") as copy:
                for row in addresses:
                    copy.write_row(row)
            counts["work_addresses"] = len(addresses)
        for table in ("customers", "contacts"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        progress("  … rows copied; building the search documents")
        conn.execute("SELECT customers_search_text_refresh()")
        progress(f"  … creating {len(indexes)} trigram indexes again")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE customers")  # the rebuild left a dead version of every row
        for table in ("contacts", "work_addresses"):
            conn.execute(f"ANALYZE {table}")
    return counts


def sample(conninfo: str, tenant_id: str, n: int) -> list[dict]:
    """`n` loaded customers (id, name, postcode) and `n` contact-only surnames; the same every run
    (ids are random-looking but deterministic, so "the first n by id" is a spread-out sample)."""
    with connect(conninfo) as conn:
        customers = conn.execute(
            "SELECT id, display_name, postcode FROM customers WHERE tenant_id = %s ORDER BY id LIMIT %s",
            (tenant_id, n),
        ).fetchall()
        surnames = conn.execute(
            "SELECT surname FROM contacts WHERE tenant_id = %s AND surname LIKE '%%-%%' ORDER BY id LIMIT %s",
            (tenant_id, n),
        ).fetchall()
    return [
        {"id": c[0], "name": c[1], "postcode": c[2], "contact_surname": s[0] if s else None}
        for c, s in zip(customers, surnames + [None] * (len(customers) - len(surnames)), strict=True)
    ]


def sample_ids(conninfo: str, tenant_id: str, n: int) -> list[str]:
    """`n` customer ids spread over the whole load (every k-th by creation), deterministic."""
    with connect(conninfo) as conn:
        total = conn.execute("SELECT count(*) FROM customers WHERE tenant_id = %s", (tenant_id,)).fetchone()[
            0
        ]
        step = max(1, total // max(n, 1))
        found = conn.execute(
            """
            SELECT id FROM (
              SELECT id, row_number() OVER (ORDER BY created_at, id) AS k FROM customers WHERE tenant_id = %s
            ) numbered WHERE k %% %s = 0 LIMIT %s
            """,
            (tenant_id, step, n),
        ).fetchall()
    return [r[0] for r in found]
