"""Duplicate prevention: one clear match links, several or weak go to review, none creates."""

from accounting_sync.domain.matching import decide, normalise_name

from ..conftest import customer


def contact(cid, name="John Smith", email=None, postcode="LS1 4AB", reference=None):
    return {
        "id": cid,
        "name": name,
        "reference": reference,
        "main_contact_person": {"email": email},
        "main_address": {"postal_code": postcode},
    }


def test_nothing_alike_means_create():
    d = decide(customer(), None, [contact("x", name="Jane Doe", postcode="BD1 1AA")])
    assert d.action == "create" and d.candidates == []


def test_one_contact_with_the_same_email_is_linked():
    d = decide(
        customer(), None, [contact("c1", name="J Smith", email="John.Smith@example.com", postcode="ZZ9 9ZZ")]
    )
    assert (d.action, d.contact_id) == ("link", "c1")


def test_same_normalised_name_and_postcode_is_linked():
    d = decide(customer(), None, [contact("c1", name="Mr. JOHN  smith", postcode="ls14ab")])
    assert (d.action, d.contact_id) == ("link", "c1")


def test_the_same_contact_found_by_two_searches_counts_once():
    c = contact("c1", email="john.smith@example.com")
    assert decide(customer(), None, [c, dict(c)]).action == "link"


def test_two_look_alikes_need_review_with_both_candidates():
    d = decide(customer(email=None), None, [contact("c1"), contact("c2")])
    assert d.action == "review"
    assert {c.contact_id for c in d.candidates} == {"c1", "c2"}
    assert all("name_postcode" in c.reasons for c in d.candidates)


def test_a_weak_match_needs_review_never_a_blind_create():
    same_name_elsewhere = contact("c1", postcode="M1 1AA")
    d = decide(customer(email=None), None, [same_name_elsewhere])
    assert d.action == "review" and d.candidates[0].reasons == ["similar_name"]
    same_surname_same_postcode = contact("c2", name="Mary Smith")
    d = decide(customer(email=None), None, [same_surname_same_postcode])
    assert d.action == "review" and d.candidates[0].reasons == ["same_surname_postcode"]


def test_one_strong_match_wins_over_weak_look_alikes():
    d = decide(
        customer(), None, [contact("c1", email="john.smith@example.com"), contact("c2", postcode="M1 1AA")]
    )
    assert (d.action, d.contact_id) == ("link", "c1")


def test_a_match_already_linked_to_another_customer_needs_review():
    d = decide(
        customer(), None, [contact("c1", email="john.smith@example.com")], linked={"c1": "other-customer"}
    )
    assert d.action == "review"
    assert d.candidates[0].linked_to == "other-customer"


def test_our_own_accounts_ref_links_even_among_look_alikes():
    d = decide(customer(), "SMITHJ01", [contact("c1", reference="smithj01"), contact("c2")])
    assert (d.action, d.contact_id) == ("link", "c1")


def test_name_normalisation():
    assert normalise_name("The Acme & Sons Co. Ltd") == "acme and sons"
    assert normalise_name("Mrs J. O'Neil") == "j oneil"
