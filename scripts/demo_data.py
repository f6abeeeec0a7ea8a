"""Load the demo customers of `make up` through the gateway, as a client app would.

    python scripts/demo_data.py --url http://127.0.0.1:8000 --key <admin key>

Every POST carries a fixed Idempotency-Key, so running it again (within the 24 h the services keep
keys) answers with the records already made instead of making them twice. `make up` runs it once
per demo tenant and remembers that in var/demo.env.

Names, addresses and numbers are invented. Phone numbers are from Ofcom's ranges kept for drama
(01632 960xxx, 0113 496 0xxx, 020 7946 0xxx, 07700 900xxx), so none of them rings anyone.
"""

from __future__ import annotations

import argparse
import sys
import time

import requests

KEY_PREFIX = "demo-v1"  # change it if the data below changes, or old keys answer with old records

CUSTOMERS: list[dict] = [
    {
        "slug": "thornton",
        "customer": {
            "type": "private",
            "title": "Mrs",
            "first_name": "Margaret",
            "surname": "Thornton",
            "address": {
                "line_1": "14 Larch Grove",
                "line_2": "Headingley",
                "town": "Leeds",
                "county": "West Yorkshire",
                "postcode": "LS6 3BN",
            },
            "email": "margaret.thornton@example.co.uk",
            "phone": "0113 496 0142",
        },
    },
    {
        "slug": "okafor",
        "customer": {
            "type": "private",
            "title": "Mr",
            "first_name": "David",
            "surname": "Okafor",
            "address": {
                "line_1": "7 Chapel Street",
                "town": "Hebden Bridge",
                "county": "West Yorkshire",
                "postcode": "HX7 8AB",
            },
            "email": "d.okafor@example.com",
            "phone": "07700 900317",
        },
        "contacts": [
            {
                "title": "Mrs",
                "first_name": "Grace",
                "surname": "Okafor",
                "phones": [{"type": "mobile", "number": "07700 900318"}],
                "email": "grace.okafor@example.com",
                "primary": False,
            },
        ],
    },
    {
        "slug": "pennine-property",
        "customer": {
            "type": "company",
            "company_name": "Pennine Property Services Ltd",
            "address": {
                "line_1": "Unit 4, Calder Trading Estate",
                "line_2": "Leeds Road",
                "town": "Huddersfield",
                "county": "West Yorkshire",
                "postcode": "HD5 0RA",
            },
            "email": "accounts@penninepropertyservices.example.co.uk",
            "phone": "01632 960412",
        },
        "contacts": [
            {
                "title": "Ms",
                "first_name": "Sarah",
                "surname": "Whitworth",
                "phones": [
                    {"type": "work", "number": "01632 960413"},
                    {"type": "mobile", "number": "07700 900521"},
                ],
                "email": "sarah.whitworth@penninepropertyservices.example.co.uk",
                "primary": True,
            },
            {
                "title": "Mr",
                "first_name": "Tom",
                "surname": "Briggs",
                "phones": [{"type": "work", "number": "01632 960414"}],
                "email": "tom.briggs@penninepropertyservices.example.co.uk",
                "primary": False,
            },
        ],
        "work_addresses": [
            {
                "address": {
                    "line_1": "Flat 3, Kirkgate House",
                    "line_2": "Kirkgate",
                    "town": "Huddersfield",
                    "county": "West Yorkshire",
                    "postcode": "HD1 1QB",
                },
                "occupier": {"first_name": "Chloe", "surname": "Haigh"},
            },
        ],
    },
    {
        "slug": "patel-lettings",
        "customer": {
            "type": "landlord",
            "title": "Mr",
            "first_name": "Rajesh",
            "surname": "Patel",
            "address": {
                "line_1": "22 Victoria Road",
                "town": "Bradford",
                "county": "West Yorkshire",
                "postcode": "BD8 9RH",
            },
            "email": "raj.patel@example.com",
            "phone": "07700 900644",
        },
        "work_addresses": [
            {
                "address": {
                    "line_1": "Flat 2, 41 Manningham Lane",
                    "town": "Bradford",
                    "county": "West Yorkshire",
                    "postcode": "BD1 3BN",
                },
                "occupier": {"first_name": "Jade", "surname": "Wilson"},
            },
            {
                "address": {
                    "line_1": "18 Cecil Avenue",
                    "line_2": "Great Horton",
                    "town": "Bradford",
                    "county": "West Yorkshire",
                    "postcode": "BD7 3AH",
                },
                "occupier": {"first_name": "Liam", "surname": "Hughes"},
            },
        ],
    },
    {
        "slug": "dales-cottages",
        "customer": {
            "type": "company",
            "company_name": "Dales Holiday Cottages Ltd",
            "address": {
                "line_1": "The Old Granary",
                "line_2": "Market Place",
                "town": "Hawes",
                "county": "North Yorkshire",
                "postcode": "DL8 3QX",
            },
            "email": "bookings@dalescottages.example.co.uk",
            "phone": "01632 960788",
        },
        "contacts": [
            {
                "title": "Mrs",
                "first_name": "Helen",
                "surname": "Metcalfe",
                "phones": [{"type": "mobile", "number": "07700 900789"}],
                "email": "helen@dalescottages.example.co.uk",
                "primary": True,
            },
        ],
        "work_addresses": [
            {
                "address": {
                    "line_1": "Beck Side Cottage",
                    "line_2": "Gayle Lane",
                    "town": "Hawes",
                    "county": "North Yorkshire",
                    "postcode": "DL8 3RZ",
                },
                "occupier": {"first_name": "Holiday", "surname": "Guests"},
            },
        ],
    },
    {
        "slug": "fitzgerald",
        "customer": {
            "type": "landlord",
            "title": "Ms",
            "first_name": "Eleanor",
            "surname": "Fitzgerald",
            "address": {
                "line_1": "5 Bootham Terrace",
                "town": "York",
                "county": "North Yorkshire",
                "postcode": "YO30 7DH",
            },
            "email": "eleanor.fitzgerald@example.co.uk",
            "phone": "01632 960255",
        },
        "work_addresses": [
            {
                "address": {
                    "line_1": "31 Lawrence Street",
                    "town": "York",
                    "county": "North Yorkshire",
                    "postcode": "YO10 3BP",
                },
                "occupier": {"first_name": "Priya", "surname": "Sharma"},
            },
        ],
    },
    {
        "slug": "hussain",
        "customer": {
            "type": "private",
            "title": "Dr",
            "first_name": "Ahmed",
            "surname": "Hussain",
            "address": {
                "line_1": "63 Ecclesall Road South",
                "town": "Sheffield",
                "county": "South Yorkshire",
                "postcode": "S11 9PA",
            },
            "email": "ahmed.hussain@example.com",
            "phone": "07700 900903",
        },
    },
    {
        "slug": "wharfedale-care",
        "customer": {
            "type": "company",
            "company_name": "Wharfedale Care Homes Ltd",
            "address": {
                "line_1": "Riverside House",
                "line_2": "Bridge Street",
                "town": "Otley",
                "county": "West Yorkshire",
                "postcode": "LS21 1BQ",
            },
            "email": "facilities@wharfedalecare.example.co.uk",
            "phone": "020 7946 0580",
        },
        "contacts": [
            {
                "title": "Mr",
                "first_name": "Gareth",
                "surname": "Llewellyn",
                "phones": [
                    {"type": "work", "number": "020 7946 0581"},
                    {"type": "mobile", "number": "07700 900582"},
                ],
                "email": "gareth.llewellyn@wharfedalecare.example.co.uk",
                "primary": True,
            },
        ],
        "work_addresses": [
            {
                "address": {
                    "line_1": "Chevin View Care Home",
                    "line_2": "East Chevin Road",
                    "town": "Otley",
                    "county": "West Yorkshire",
                    "postcode": "LS21 3DD",
                },
                "occupier": {"first_name": "Home", "surname": "Manager"},
            },
        ],
    },
]


class DemoDataError(RuntimeError):
    pass


# Answers that say "try again shortly" (busy database, rate limit, a service still warming up).
RETRYABLE = {429, 502, 503, 504}
ATTEMPTS = 6


def post(session: requests.Session, url: str, body: dict, key: str) -> dict:
    """POST once, or again after a retryable answer: the fixed Idempotency-Key makes a repeat of a
    POST that did go through answer with the same record instead of making a second one."""
    headers = {"Idempotency-Key": f"{KEY_PREFIX}-{key}"}
    for attempt in range(1, ATTEMPTS + 1):
        response = session.post(url, json=body, headers=headers, timeout=30)
        if response.status_code in (200, 201):
            return response.json()
        if response.status_code not in RETRYABLE or attempt == ATTEMPTS:
            break
        wait = response.headers.get("Retry-After", "")
        time.sleep(min(float(wait) if wait.isdigit() else attempt, 10.0))
    raise DemoDataError(f"POST {url} answered {response.status_code}: {response.text[:1000]}")


def load(base_url: str, api_key: str) -> tuple[int, int, int]:
    session = requests.Session()
    session.trust_env = False  # talk to the local gateway directly, never through a proxy
    session.headers["Authorization"] = f"Bearer {api_key}"
    base = base_url.rstrip("/") + "/v1"
    counts = [0, 0, 0]
    for item in CUSTOMERS:
        slug = item["slug"]
        customer = post(session, f"{base}/customers", item["customer"], f"customer-{slug}")
        counts[0] += 1
        for n, contact in enumerate(item.get("contacts", []), 1):
            post(session, f"{base}/customers/{customer['id']}/contacts", contact, f"contact-{slug}-{n}")
            counts[1] += 1
        for n, work_address in enumerate(item.get("work_addresses", []), 1):
            post(
                session,
                f"{base}/customers/{customer['id']}/work-addresses",
                work_address,
                f"work-address-{slug}-{n}",
            )
            counts[2] += 1
    return counts[0], counts[1], counts[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load Fieldbook's demo customers through the gateway.")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway's base URL")
    parser.add_argument(
        "--key", required=True, help="an API key of the demo tenant with a role that may create"
    )
    args = parser.parse_args(argv)
    try:
        customers, contacts, work_addresses = load(args.url, args.key)
    except (DemoDataError, requests.RequestException) as exc:
        print(f"demo data: {exc}", file=sys.stderr)
        return 1
    print(f"demo data: {customers} customers, {contacts} contacts, {work_addresses} work addresses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
