"""The field mapping Fieldbook customer → Sage contact, in one place."""

import re

from accounting_sync.domain import mapping

from ..conftest import customer


def test_private_customer_maps_to_a_sage_customer_contact():
    body = mapping.to_sage_contact(
        customer(
            address={
                "line_1": "1 High Street",
                "line_2": "Flat 2",
                "line_3": "Headingley",
                "town": "Leeds",
                "county": "West Yorkshire",
                "postcode": "LS1 4AB",
            }
        ),
        "SMITHJ01",
    )
    assert body["name"] == "John Smith"
    assert body["contact_type_ids"] == ["CUSTOMER"]
    assert body["reference"] == "SMITHJ01"
    assert body["main_address"] == {
        "address_line_1": "1 High Street",
        "address_line_2": "Flat 2, Headingley",
        "city": "Leeds",
        "region": "West Yorkshire",
        "postal_code": "LS1 4AB",
        "country_id": "GB",
    }
    assert body["main_contact_person"] == {
        "name": "John Smith",
        "email": "john.smith@example.com",
        "telephone": "0113 496 0000",
    }
    assert body["email"] == "john.smith@example.com"
    assert body["credit_limit"] == "1500.00"
    assert body["credit_days"] == 30
    assert body["source_guid"] == "3f1c2b8e000040008000000000000001"


def test_company_is_named_by_its_company_and_empty_fields_are_left_out():
    body = mapping.to_sage_contact(
        customer(
            type="company",
            company_name="  Acme   Heating Ltd ",
            first_name=None,
            surname=None,
            email=None,
            phone=None,
            credit_limit=None,
            payment_terms_days=None,
        ),
        None,
    )
    assert body["name"] == "Acme Heating Ltd"
    assert "reference" not in body and "email" not in body and "credit_limit" not in body
    assert "credit_days" not in body  # null → the business's default
    # nested fields are sent even when empty, so clearing an email in Fieldbook clears it in Sage
    assert body["main_contact_person"] == {"name": "Acme Heating Ltd", "email": None, "telephone": None}


def test_credit_limit_is_rounded_half_up_to_pennies():
    assert mapping.money("10.005") == "10.01"
    assert mapping.money("10.004") == "10.00"
    assert mapping.money("12345678901.10") == "12345678901.10", "exact: no float on the way"


def test_idempotency_id_is_32_hex_characters_and_deterministic_per_business_tenant_customer():
    a = mapping.idempotency_id("biz", "t1", "c1")
    assert re.fullmatch(r"[0-9a-f]{32}", a)
    assert a == mapping.idempotency_id("biz", "t1", "c1")
    assert a != mapping.idempotency_id("biz", "t2", "c1")
    assert a != mapping.idempotency_id("biz2", "t1", "c1")


def test_balance_and_contact_fields_are_read_back():
    contact = {
        "balance": 12.345,
        "main_contact_person": {"email": "x@y.z"},
        "main_address": {"postal_code": "LS1 4AB"},
    }
    assert str(mapping.balance_of(contact)) == "12.35"
    assert mapping.contact_email(contact) == "x@y.z"
    assert mapping.contact_postcode(contact) == "LS1 4AB"
    assert mapping.balance_of({}) is None


def test_the_inactive_line_goes_under_the_accountants_notes_once():
    line = "Inactive in Fieldbook: merged into another customer (use SMYTHJ01)"
    assert mapping.inactive_contact(None, "SMYTHJ01", "merged into another customer") == {"notes": line}
    assert mapping.inactive_contact("", None, "deleted") == {"notes": "Inactive in Fieldbook: deleted"}
    kept = mapping.inactive_contact(
        "Pays by BACS.\nCall before 10am.\n", "SMYTHJ01", "merged into another customer"
    )
    assert kept == {"notes": f"Pays by BACS.\nCall before 10am.\n{line}"}
    assert mapping.inactive_contact(kept["notes"], "SMYTHJ01", "merged into another customer") is None
    assert (
        mapping.inactive_contact(f"{line}\r\nPays by BACS.", "SMYTHJ01", "merged into another customer")
        is None
    )


def test_a_put_leaves_the_contacts_types_alone_and_linking_adds_customer():
    assert "contact_type_ids" not in mapping.contact_update(customer(), "SMITHJ01")
    vendor = {"contact_types": [{"id": "VENDOR"}]}
    assert mapping.contact_update(customer(), "SMITHJ01", vendor)["contact_type_ids"] == [
        "VENDOR",
        "CUSTOMER",
    ]
    both = {"contact_types": [{"id": "CUSTOMER"}, {"id": "VENDOR"}]}
    assert "contact_type_ids" not in mapping.contact_update(customer(), "SMITHJ01", both)
    assert "contact_type_ids" not in mapping.contact_update(customer(), "SMITHJ01", {"id": "x"})
