"""A customer whose record spans every service, built through the gateway (issue 6's tests).

`build_record(client, ...)` makes a customer with a primary contact and a work address
(customers), waits until billing, assets and comms know it, then adds what was asked for: an
invoice, a quote (billing), an asset (assets), a pinned note (comms).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from . import api
from .api import create_customer, expect, private_customer
from .polling import eventually


def line(unit_price: str, vat_rate: str = "20", quantity: str = "1") -> dict:
    return api.line(unit_price, vat_rate, quantity, description="Boiler service")


@dataclass
class Record:
    customer: dict
    contact: dict
    work_address: dict
    invoice: dict | None = None
    quote: dict | None = None
    asset: dict | None = None
    note: dict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.customer["id"]


def person_body(surname: str) -> dict:
    token = secrets.token_hex(3)
    return private_customer(
        first_name="Ann",
        surname=surname,
        email=f"ann.{surname.lower()}.{token}@e2e.example",
        address={
            "line_1": f"{random.randint(1, 999)} Mill Lane",
            "town": "Leeds",
            "postcode": f"LS{random.randint(1, 29)} {random.randint(1, 9)}AB",
        },
        primary_contact={
            "first_name": "Jo",
            "surname": f"{surname}-contact",
            "email": f"jo.{token}@e2e.example",
        },
    )


def wait_known_everywhere(client, customer_id: str, timeout: float = 40) -> None:
    """billing (its account figures), assets and comms answer for the customer: their read models
    have taken customer.created."""

    def known():
        for path in ("account", "assets", "notes"):
            r = client.get(f"/v1/customers/{customer_id}/{path}")
            assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
        return True

    eventually(known, timeout=timeout, interval=0.3, message="billing, assets and comms know the customer")


def build_record(
    client,
    surname: str,
    invoice: bool = False,
    quote: bool = False,
    asset: bool = False,
    note: bool = False,
) -> Record:
    customer = create_customer(client, person_body(surname))
    cid = customer["id"]
    contact = expect(client.get(f"/v1/customers/{cid}/contacts"), 200).json()[0]
    work_address = expect(
        client.post(
            f"/v1/customers/{cid}/work-addresses",
            json={"address": {"line_1": f"{surname} Cottage", "town": "Otley", "postcode": "LS21 1AA"}},
        ),
        201,
    ).json()
    record = Record(customer, contact, work_address)
    if not (invoice or quote or asset or note):
        return record
    wait_known_everywhere(client, cid)
    if invoice:
        record.invoice = expect(
            client.post(f"/v1/customers/{cid}/invoices", json={"lines": [line("100.00")]}), 201
        ).json()
    if quote:
        record.quote = expect(
            client.post(f"/v1/customers/{cid}/quotes", json={"lines": [line("250.00")]}), 201
        ).json()
    if asset:
        record.asset = expect(
            client.post(
                f"/v1/customers/{cid}/assets", json={"serial_number": f"SN-{secrets.token_hex(4).upper()}"}
            ),
            201,
        ).json()
    if note:
        record.note = expect(
            client.post(
                f"/v1/customers/{cid}/notes",
                json={"text": f"Gate code for {surname} is 1234", "important": True},
            ),
            201,
        ).json()
    return record
