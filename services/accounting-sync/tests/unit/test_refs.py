"""Sage 50 style accounts refs: upper case, letters and digits, ≤ 8 characters, unique, counters on collision."""

from itertools import islice

from accounting_sync.domain import refs


def test_private_customer_ref_is_surname_and_initial():
    assert refs.ref_base({"type": "private", "first_name": "John", "surname": "Smith"}) == "SMITHJ"
    assert refs.ref_base({"type": "private", "first_name": "Seán", "surname": "O'Neil-Brown"}) == "ONEILS"


def test_company_ref_skips_noise_words():
    assert refs.ref_base({"type": "company", "company_name": "The Acme Heating Co. Ltd"}) == "ACMEHE"
    assert refs.ref_base({"type": "company", "company_name": "Ltd"}) == "LTD"
    assert refs.ref_base({"type": "company", "company_name": "!!!"}) == "CUST"


def test_first_free_counter_is_taken_on_collision():
    assert refs.next_free_ref("SMITHJ", set()) == "SMITHJ01"
    assert refs.next_free_ref("SMITHJ", {"SMITHJ01", "smithj02"}) == "SMITHJ03"


def test_counters_overflow_to_more_digits_and_stay_within_eight_characters():
    taken = {f"SMITHJ{n:02d}" for n in range(1, 100)}
    ref = refs.next_free_ref("SMITHJ", taken)
    assert ref == "SMITH100"
    for candidate in islice(refs.candidates("ABCDEFGHIJ"), 0, 1200, 37):
        assert refs.is_valid_ref(candidate), candidate


def test_valid_refs():
    assert refs.is_valid_ref("SMITHJ01")
    assert not refs.is_valid_ref("smithj01")
    assert not refs.is_valid_ref("SMITHJ001")
    assert not refs.is_valid_ref("SMITH J1")
    assert not refs.is_valid_ref(None)
