"""Search (`q`) finds a customer by partial postcode, contact surname and phone digits, and only the right one."""

import pytest

from conftest import new_tenant
from harness.api import create_customer, expect, list_ids, private_customer


@pytest.fixture(scope="module")
def customers(system):
    """A target customer with a contact, and a decoy that matches none of the searches."""
    client = new_tenant(system, "search").admin
    target = create_customer(
        client,
        private_customer(
            surname="Hargreaves",
            address={"line_1": "14 Wellington St", "town": "Leeds", "postcode": "LS1 4AB"},
            phone="0113 496 0000",
            email="hargreaves@example.com",
        ),
    )
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
    decoy = create_customer(
        client,
        private_customer(
            surname="Oldroyd",
            address={"line_1": "3 Deansgate", "town": "Manchester", "postcode": "M3 2BW"},
            phone="0161 496 0999",
            email="oldroyd@example.com",
        ),
    )
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
