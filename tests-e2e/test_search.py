"""Search (`q`) finds a customer by partial postcode, contact surname and phone digits, and only the right one."""

import pytest

from conftest import new_tenant
from harness.api import create_customer, expect, list_ids, private_customer


def _person(client, surname, address, phone):
    """Mr John `surname` at `address` (line 1, town, postcode), email surname@example.com."""
    line_1, town, postcode = address
    return create_customer(
        client,
        private_customer(
            surname=surname,
            address={"line_1": line_1, "town": town, "postcode": postcode},
            phone=phone,
            email=f"{surname.lower()}@example.com",
        ),
    )


@pytest.fixture(scope="module")
def customers(system):
    """A target customer with a contact, and a decoy that matches none of the searches."""
    client = new_tenant(system, "search").admin
    target = _person(client, "Hargreaves", ("14 Wellington St", "Leeds", "LS1 4AB"), "0113 496 0000")
    contact = {
        "title": "Ms",
        "first_name": "Priya",
        "surname": "Quarrington",
        "position": "Office manager",
        "phones": [{"type": "mobile", "number": "07700 900123"}],
        "email": "priya@example.com",
        "urls": [],
        "primary": True,
    }
    expect(client.post(f"/v1/customers/{target['id']}/contacts", json=contact), 201)
    decoy = _person(client, "Oldroyd", ("3 Deansgate", "Manchester", "M3 2BW"), "0161 496 0999")
    return client, target["id"], decoy["id"]


@pytest.mark.parametrize(
    "q",
    [
        pytest.param("LS1", id="partial-postcode"),
        pytest.param("ls1 4", id="partial-postcode-lowercase"),
        pytest.param("Quarrington", id="contact-surname"),
        pytest.param("quarr", id="partial-contact-surname"),
        pytest.param("900123", id="contact-phone-digits"),
        pytest.param("0113496", id="customer-phone-digits-without-spaces"),
        pytest.param("Hargreaves", id="customer-surname"),
    ],
)
def test_search_finds_the_customer(customers, q):
    client, target, decoy = customers
    found = list_ids(client, q=q)
    assert target in found, f"q={q!r} did not find the customer"
    assert decoy not in found, f"q={q!r} also found an unrelated customer"


def test_search_for_something_absent_finds_nothing(customers):
    client, _, _ = customers
    assert list_ids(client, q="Zebedee") == []
