"""The sync end to end in one process: events in, the real adapter against the simulator, events out."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from accounting_sync.store.models import BalancePollRequest, CustomerSync, SageCredentials
from accounting_sync.sync import SyncEngine
from fieldbook_shared.db import utcnow

from ..conftest import BUSINESS, TENANT, customer, deliver, uow_factory_for

CID = "3f1c2b8e-0000-4000-8000-000000000001"


def row(sessions, customer_id=CID) -> CustomerSync:
    with sessions() as s:
        return s.scalar(select(CustomerSync).where(CustomerSync.customer_id == customer_id))


def make_due(sessions):
    with sessions() as s:
        s.execute(update(CustomerSync).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        s.commit()


def drain_rounds(engine, sessions, rounds=1):
    """Make every customer due now and drain, `rounds` times: each round is one attempt each."""
    for _ in range(rounds):
        make_due(sessions)
        engine.drain()


def removed_during(
    bus, monkeypatch, sage, call, customer_id=CID, removal="customer.deleted", then=None, **deliver_kw
):
    """The customer is removed while its attempt is at Sage: `sage.<call>` first delivers `removal`
    for `customer_id` (then calls `then`, if given), then does its work. The real call, to put back."""
    real = getattr(sage, call)

    def removed_meanwhile(*args, **kwargs):
        deliver(bus, removal, {"customer_id": customer_id}, **deliver_kw)
        if then:
            then()
        return real(*args, **kwargs)

    monkeypatch.setattr(sage, call, removed_meanwhile)
    return real


def test_a_new_customer_reaches_sage_once_and_its_ref_comes_back(bus, engine, sessions, sim, outbox):
    [delivery] = deliver(bus, "customer.created", customer())
    assert delivery.outcome == "applied"
    assert row(sessions).status == "pending"

    assert engine.drain() == 1
    r = row(sessions)
    assert (r.status, r.accounts_ref, r.attempts, r.last_error) == ("synced", "SMITHJ01", 0, None)
    [contact] = sim.contacts()
    assert contact["id"] == r.sage_contact_id
    assert contact["reference"] == "SMITHJ01"
    assert contact["main_address"]["postal_code"] == "LS1 4AB"
    [linked] = outbox("accounting.customer_linked")
    assert linked["data"] == {"customer_id": CID, "accounts_ref": "SMITHJ01"}
    assert linked["tenantid"] == TENANT


def test_a_customer_whose_email_is_in_sage_is_linked_not_created(bus, engine, sessions, sim, outbox):
    existing = sim.seed(
        name="J. Smith (old)", reference="JS001", main_contact_person={"email": "JOHN.SMITH@example.com"}
    )
    deliver(bus, "customer.created", customer())
    engine.drain()
    r = row(sessions)
    assert (r.status, r.sage_contact_id, r.accounts_ref) == ("synced", existing["id"], "JS001")
    assert len(sim.contacts()) == 1
    assert outbox("accounting.customer_linked")[0]["data"]["accounts_ref"] == "JS001"


def test_a_linked_contact_without_a_ref_gets_ours(bus, engine, sessions, sim):
    sim.seed(name="John Smith", main_address={"postal_code": "ls1 4ab"})
    deliver(bus, "customer.created", customer(email=None))
    engine.drain()
    [contact] = sim.contacts()
    assert contact["reference"] == row(sessions).accounts_ref == "SMITHJ01"


def test_two_look_alikes_need_review_and_a_person_links_one(bus, engine, sessions, sim, api, outbox):
    a = sim.seed(name="John Smith", main_address={"postal_code": "LS1 4AB"}, reference="SMITHJ01")
    sim.seed(name="John Smith", main_address={"postal_code": "LS1 4AB"}, reference="SMITHJ02")
    deliver(bus, "customer.created", customer(email=None))
    engine.drain()
    status = api.get(f"/v1/customers/{CID}/accounting").get_json()
    assert status["status"] == "needs_review"
    assert {c["sage_contact_id"] for c in status["candidates"]} == {a["id"], sim.contacts()[1]["id"]}
    assert outbox("accounting.customer_linked") == []

    r = api.post(f"/v1/accounting/reviews/{CID}", json={"action": "link", "sage_contact_id": a["id"]})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "pending"
    engine.drain()
    status = api.get(f"/v1/customers/{CID}/accounting").get_json()
    assert (status["status"], status["accounts_ref"], status["candidates"]) == ("synced", "SMITHJ01", [])
    assert len(sim.contacts()) == 2
    assert outbox("accounting.customer_linked")[0]["data"]["accounts_ref"] == "SMITHJ01"


def test_review_resolved_by_create_makes_a_new_contact_with_a_free_ref(bus, engine, sessions, sim, api):
    sim.seed(name="John Smith", main_address={"postal_code": "LS1 4AB"}, reference="SMITHJ01")
    sim.seed(name="John Smith", main_address={"postal_code": "LS1 4AB"}, reference="SMITHJ02")
    deliver(bus, "customer.created", customer(email=None))
    engine.drain()
    assert api.post(f"/v1/accounting/reviews/{CID}", json={"action": "create"}).status_code == 202
    engine.drain()
    assert row(sessions).accounts_ref == "SMITHJ03"
    assert len(sim.contacts()) == 3


def test_faults_and_lost_responses_never_make_a_duplicate(bus, sync_settings, sessions, sage, sim):
    # 40% of calls fail here and one sync makes several calls: give each customer enough attempts
    # that "failed" cannot happen, so the test is about duplicates only
    engine = SyncEngine(replace(sync_settings, max_attempts=30), sessions, sage, uow_factory_for(sessions))
    sim.faults(error_rate_429=0.2, error_rate_500=0.2, lose_response_after_create=0.5, retry_after=0)
    ids = [f"3f1c2b8e-0000-4000-8000-0000000001{i:02d}" for i in range(20)]
    for i, cid in enumerate(ids):
        deliver(
            bus,
            "customer.created",
            customer(
                id=cid,
                surname=f"Faulty{chr(65 + i)}",
                email=f"f{i}@example.com",
                address={"line_1": "1 A St", "postcode": f"LS{i} 1AA"},
            ),
        )
    drain_rounds(engine, sessions, 30)
    statuses = [row(sessions, cid).status for cid in ids]
    assert statuses == ["synced"] * 20
    assert len(sim.contacts()) == 20
    assert len({row(sessions, cid).accounts_ref for cid in ids}) == 20


def test_after_the_attempt_limit_the_customer_is_failed_and_sync_failed_is_published(
    bus, engine, sessions, sim, outbox
):
    sim.faults(error_rate_500=1.0)
    deliver(bus, "customer.created", customer())
    drain_rounds(engine, sessions, 4)
    r = row(sessions)
    assert (r.status, r.attempts) == ("failed", 4)
    assert "500" in r.last_error
    [failed] = outbox("accounting.sync_failed")
    assert failed["data"]["customer_id"] == CID
    assert sim.contacts() == []


@pytest.mark.parametrize(
    ("faults", "earliest", "latest"),
    [
        pytest.param({"retry_after": 120}, 119, 181, id="for-retry-after"),
        # SYNC_THROTTLED_WAIT_SECONDS (5) plus up to half as much again
        pytest.param({"omit_retry_after": True}, 4.9, 8, id="without-retry-after-the-throttled-wait"),
    ],
)
def test_a_throttled_customer_waits_without_using_an_attempt(
    bus, engine, sessions, sim, faults, earliest, latest
):
    sim.faults(error_rate_429=1.0, **faults)
    deliver(bus, "customer.created", customer())
    before = utcnow()
    engine.drain()
    r = row(sessions)
    assert (r.status, r.attempts) == ("pending", 0)
    assert before + timedelta(seconds=earliest) <= r.next_attempt_at <= before + timedelta(seconds=latest)
    assert "429" in r.last_error


def test_throttling_never_uses_up_attempts(bus, engine, sessions, sim):
    sim.faults(error_rate_429=1.0, retry_after=0)
    deliver(bus, "customer.created", customer())
    drain_rounds(engine, sessions, 10)  # more rounds than max_attempts (4)
    r = row(sessions)
    assert (r.status, r.attempts) == ("pending", 0)
    assert "429" in r.last_error
    sim.faults(error_rate_429=0.0)
    drain_rounds(engine, sessions)
    assert row(sessions).status == "synced"
    assert len(sim.contacts()) == 1


def test_an_update_is_pushed_and_an_older_copy_is_ignored(bus, engine, sessions, sim):
    deliver(bus, "customer.created", customer())
    engine.drain()
    deliver(bus, "customer.updated", customer(version=3, phone="0113 000 1111"))
    assert row(sessions).status == "pending"
    engine.drain()
    assert sim.contacts()[0]["main_contact_person"]["telephone"] == "0113 000 1111"
    deliver(bus, "customer.updated", customer(version=2, phone="0113 999 9999"))
    assert row(sessions).status == "synced"
    assert row(sessions).snapshot["phone"] == "0113 000 1111"


def test_merged_customer_is_marked_inactive_in_sage_never_deleted(bus, engine, sessions, sim, api):
    survivor = "3f1c2b8e-0000-4000-8000-000000000002"
    deliver(bus, "customer.created", customer())
    deliver(
        bus,
        "customer.created",
        customer(
            id=survivor,
            surname="Smythe",
            email="s@example.com",
            address={"line_1": "2 A St", "postcode": "M1 1AA"},
        ),
    )
    engine.drain()
    deliver(bus, "customer.merged", {"survivor_id": survivor, "merged_id": CID})
    engine.drain()
    contacts = {c["id"]: c for c in sim.contacts()}
    assert len(contacts) == 2
    merged = contacts[row(sessions).sage_contact_id]
    assert "Inactive in Fieldbook" in merged["notes"] and "SMYTHJ01" in merged["notes"]
    assert row(sessions).removed == "merged"
    # its old id: 410 naming the survivor, as in every service; the row stays in the sync list
    old = api.get(f"/v1/customers/{CID}/accounting")
    assert old.status_code == 410 and old.get_json()["merged_into"] == survivor
    assert CID in {r["customer_id"] for r in api.get("/v1/accounting/sync").get_json()}


def test_marking_a_contact_inactive_keeps_the_accountants_notes_and_writes_our_line_once(
    bus, engine, sessions, sage, sim, api, monkeypatch
):
    seeded = sim.seed(
        name="John Smith",
        email="john.smith@example.com",
        main_address={"postal_code": "LS1 4AB"},
        notes="Pays by BACS. Call Mrs Smith before 10am.",
    )
    deliver(bus, "customer.created", customer())
    engine.drain()
    assert row(sessions).sage_contact_id == seeded["id"]
    puts = []
    update_contact = sage.update_contact
    monkeypatch.setattr(
        sage, "update_contact", lambda cid, body: puts.append(body) or update_contact(cid, body)
    )
    deliver(bus, "customer.deleted", {"customer_id": CID})
    engine.drain()
    [contact] = sim.contacts()
    assert contact["notes"] == "Pays by BACS. Call Mrs Smith before 10am.\nInactive in Fieldbook: deleted"
    assert len(puts) == 1
    api.post("/v1/accounting/resync", json={"customer_ids": [CID]})  # marked inactive again: a repeat
    engine.drain()
    assert row(sessions).status == "synced"
    assert sim.contacts()[0]["notes"] == contact["notes"]
    assert len(puts) == 1, "the line is there already: nothing to write"


def test_deleted_before_created_leaves_nothing_to_sync(bus, engine, sessions, sim):
    deliver(bus, "customer.deleted", {"customer_id": CID})
    deliver(bus, "customer.created", customer())
    assert engine.drain() == 0
    assert sim.contacts() == []
    assert row(sessions).status == "not_needed"


def test_a_pending_customer_deleted_or_erased_before_its_first_attempt_is_not_needed(
    bus, engine, sessions, sim
):
    other = "3f1c2b8e-0000-4000-8000-000000000003"
    deliver(bus, "customer.created", customer())
    deliver(bus, "customer.created", customer(id=other, surname="Jones", email=None))
    deliver(bus, "customer.deleted", {"customer_id": CID})
    deliver(bus, "customer.erased", {"customer_id": other}, subject=other)
    assert engine.drain() == 0
    assert [row(sessions, c).status for c in (CID, other)] == ["not_needed", "not_needed"]
    assert row(sessions, other).status_reason.startswith("Customer erased before it reached Sage")
    assert sim.contacts() == []


def test_a_failed_customer_deleted_before_it_reached_sage_is_not_needed_never_synced(
    bus, engine, sessions, sim, api, outbox
):
    sim.faults(error_rate_500=1.0)
    deliver(bus, "customer.created", customer())
    engine.drain()  # no backoff in tests: every attempt at once, then failed
    assert row(sessions).status == "failed"
    deliver(bus, "customer.deleted", {"customer_id": CID})
    sim.faults(error_rate_500=0.0)
    make_due(sessions)
    assert engine.drain() == 0, "nothing left to claim"
    status = api.get(f"/v1/customers/{CID}/accounting").get_json()
    assert status["status"] == "not_needed"
    assert status["status_reason"] == (
        "Customer deleted before it reached Sage: nothing was created in Sage for it."
    )
    assert (status["removed"], status["sage_contact_id"], status["next_attempt_at"]) == (
        "deleted",
        None,
        None,
    )
    assert api.post("/v1/accounting/resync", json={"customer_ids": [CID]}).status_code == 202
    assert engine.drain() == 0
    deliver(bus, "customer.updated", customer(version=2, phone="0113 999 9999"))
    make_due(sessions)
    assert engine.drain() == 0
    assert sim.contacts() == []
    assert outbox("accounting.customer_linked") == []
    assert len(outbox("accounting.sync_failed")) == 1, "the one before the deletion"
    listed = api.get("/v1/accounting/sync", query_string={"status": "not_needed"}).get_json()
    assert [r["customer_id"] for r in listed] == [CID]
    assert api.get("/v1/accounting/sync", query_string={"status": "synced"}).get_json() == []


def test_a_merged_customer_waiting_for_review_is_not_needed_and_its_review_closed(
    bus, engine, sessions, sim, api
):
    survivor = "3f1c2b8e-0000-4000-8000-000000000002"
    sim.seed(name="John Smith", contact_type_ids=["CUSTOMER"], email="john.smith@example.com")
    sim.seed(name="J Smith", contact_type_ids=["CUSTOMER"], email="john.smith@example.com")
    deliver(bus, "customer.created", customer())
    engine.drain()
    assert row(sessions).status == "needs_review"
    deliver(bus, "customer.merged", {"survivor_id": survivor, "merged_id": CID})
    assert api.get(f"/v1/customers/{CID}/accounting").get_json()["merged_into"] == survivor  # 410
    [status] = api.get("/v1/accounting/sync", query_string={"status": "not_needed"}).get_json()
    assert (status["status"], status["candidates"], status["last_error"]) == ("not_needed", [], None)
    assert status["status_reason"].startswith("Merged into another customer before it reached Sage")
    assert api.post(f"/v1/accounting/reviews/{CID}", json={"action": "create"}).status_code == 409
    assert engine.drain() == 0
    assert len(sim.contacts()) == 2


def test_a_customer_deleted_while_its_attempt_is_at_sage_ends_not_needed(
    bus, engine, sessions, sage, sim, monkeypatch, outbox
):
    """The attempt ends without a contact (here a review, then a failure): nothing to mark inactive."""
    sim.seed(name="John Smith", contact_type_ids=["CUSTOMER"], email="john.smith@example.com")
    sim.seed(name="J Smith", contact_type_ids=["CUSTOMER"], email="john.smith@example.com")
    deliver(bus, "customer.created", customer())
    searches = removed_during(bus, monkeypatch, sage, "find_candidates")
    engine.drain()
    assert (row(sessions).status, row(sessions).candidates) == ("not_needed", [])

    other = "3f1c2b8e-0000-4000-8000-000000000003"
    deliver(bus, "customer.created", customer(id=other, email=None, surname="Jones"))
    monkeypatch.setattr(sage, "find_candidates", searches)

    def fail_from_now():  # every Sage call after the deletion fails
        sim.faults(error_rate_500=1.0)

    removed_during(bus, monkeypatch, sage, "find_candidates", other, then=fail_from_now)
    engine.drain()
    r = row(sessions, other)
    assert (r.status, r.last_error) == ("not_needed", None)
    assert outbox("accounting.sync_failed") == []
    assert len(sim.contacts()) == 2, "only the two seeded"


def test_a_customer_deleted_while_being_created_in_sage_is_then_marked_inactive(
    bus, engine, sessions, sage, sim, monkeypatch
):
    deliver(bus, "customer.created", customer())
    removed_during(bus, monkeypatch, sage, "create_contact")
    engine.drain()
    r = row(sessions)
    assert (r.status, r.removed) == ("synced", "deleted")
    [contact] = sim.contacts()
    assert contact["id"] == r.sage_contact_id
    assert "Inactive in Fieldbook: deleted" in contact["notes"]


def test_balances_are_polled_back(bus, engine, sessions, sim, poller, api, outbox):
    deliver(bus, "customer.created", customer())
    engine.drain()
    sim.set_balance(row(sessions).sage_contact_id, "123.45")
    assert poller.poll_once(scheduled=True)
    [event] = outbox("accounting.balance_updated")
    assert event["data"]["balance"] == "123.45"
    assert event["data"]["customer_id"] == CID
    poller.poll_once(scheduled=True)
    assert len(outbox("accounting.balance_updated")) == 1, "unchanged balances are not re-published"
    assert api.post("/v1/accounting/balances/poll", json={}).status_code == 202
    poller.poll_once(scheduled=False)
    assert len(outbox("accounting.balance_updated")) == 2, "on demand: published again"
    assert api.get(f"/v1/customers/{CID}/accounting").get_json()["balance"] == "123.45"


def test_refresh_tokens_rotate_and_the_new_one_is_kept(bus, engine, sessions, sim, sim_store):
    deliver(bus, "customer.created", customer())
    engine.drain()
    with sessions() as s:
        creds = s.scalar(select(SageCredentials))
    assert creds.refresh_token != "refresh-0"
    assert creds.refresh_token in sim_store.refresh_tokens
    assert "refresh-0" not in sim_store.refresh_tokens


def test_erasure_of_a_customer_never_synced_is_reported(bus, outbox):
    deliver(bus, "customer.erased", {"customer_id": CID}, subject=CID)
    (report,) = outbox("customer.erasure_reported")
    assert report["data"] == {
        "customer_id": CID,
        "service": "accounting-sync",
        "actions": {"snapshot_anonymised": True, "accounts_contact": "none linked"},
    }


def test_claims_are_fair_across_tenants_so_a_big_import_does_not_starve_another_tenant(bus, sessions):
    from accounting_sync.store.queries import claim_due

    for i in range(50):
        deliver(
            bus, "customer.created", customer(id=f"3f1c2b8e-0000-4000-8000-0000000a{i:04d}"), tenant="big"
        )
    deliver(bus, "customer.created", customer(id="3f1c2b8e-0000-4000-8000-0000000b0001"), tenant="small")
    make_due(sessions)
    claimed = []
    for _ in range(20):  # the small tenant is drawn half the time: missing it 20 times is 1 in a million
        with sessions() as s, s.begin():
            claimed.append(claim_due(s, timedelta(minutes=5)).tenant_id)
    assert "small" in claimed
    assert claimed.count("small") == 1, "a claimed row is leased: it is not handed out again"


# -- the customer's own accounts ref (imported from the seed systems' "sage ref") -------------------


def test_a_customers_own_ref_finds_its_sage_contact_first_and_links_it(bus, engine, sessions, sim, outbox):
    existing = sim.seed(name="J Smith & Co", reference="SMI001")  # no email, other name: only the ref
    before = sim.stats()["requests"]
    deliver(bus, "customer.created", customer(accounts_ref="smi001"))
    assert row(sessions).accounts_ref == "SMI001"
    engine.drain()
    r = row(sessions)
    assert (r.status, r.sage_contact_id, r.accounts_ref) == ("synced", existing["id"], "SMI001")
    assert len(sim.contacts()) == 1
    assert outbox("accounting.customer_linked")[0]["data"]["accounts_ref"] == "SMI001"
    assert sim.stats()["requests"] - before == 2, "one search by the ref, one PUT: no other search"


def test_a_customers_own_ref_absent_from_sage_is_the_one_created(bus, engine, sessions, sim, outbox):
    deliver(bus, "customer.created", customer(accounts_ref="JS-0042"))
    engine.drain()
    [contact] = sim.contacts()
    assert contact["reference"] == row(sessions).accounts_ref == "JS-0042"
    assert outbox("accounting.customer_linked")[0]["data"]["accounts_ref"] == "JS-0042"


def test_a_match_by_email_without_a_ref_takes_the_customers_own(bus, engine, sessions, sim):
    existing = sim.seed(name="John Smith", main_contact_person={"email": "john.smith@example.com"})
    deliver(bus, "customer.created", customer(accounts_ref="SMI001"))
    engine.drain()
    [contact] = sim.contacts()
    assert (contact["id"], contact["reference"]) == (existing["id"], "SMI001")
    assert row(sessions).status == "synced"


def test_a_match_by_email_with_another_ref_than_the_customers_own_goes_to_a_person(
    bus, engine, sessions, sim
):
    sim.seed(name="John Smith", reference="JSMITH", main_contact_person={"email": "john.smith@example.com"})
    deliver(bus, "customer.created", customer(accounts_ref="SMI001"))
    engine.drain()
    r = row(sessions)
    assert r.status == "needs_review" and "JSMITH" in r.last_error and "SMI001" in r.last_error
    assert len(sim.contacts()) == 1


def test_a_customers_own_ref_held_by_another_customer_is_not_taken_and_goes_to_a_person(
    bus, engine, sessions, sim
):
    deliver(bus, "customer.created", customer())
    engine.drain()
    assert row(sessions).accounts_ref == "SMITHJ01"
    second = "3f1c2b8e-0000-4000-8000-000000000002"
    deliver(
        bus,
        "customer.created",
        customer(id=second, first_name="Mary", email="m@example.com", accounts_ref="SMITHJ01"),
    )
    assert row(sessions, second).accounts_ref is None
    engine.drain()
    r = row(sessions, second)
    assert r.status == "needs_review"
    assert r.candidates[0]["linked_to_customer_id"] == CID
    assert len(sim.contacts()) == 1


# -- look-alikes Sage's every-word search would miss ----------------------------------------------


def test_a_company_is_linked_to_the_same_name_with_other_noise_words_at_its_postcode(
    bus, engine, sessions, sim
):
    existing = sim.seed(name="Acme Heating Limited", main_address={"postal_code": "LS1 4AB"})
    deliver(
        bus,
        "customer.created",
        customer(type="company", first_name=None, surname=None, company_name="Acme Heating Ltd", email=None),
    )
    engine.drain()
    r = row(sessions)
    assert (r.status, r.sage_contact_id) == ("synced", existing["id"])
    assert len(sim.contacts()) == 1


def test_the_same_surname_at_the_same_postcode_needs_review(bus, engine, sessions, sim):
    mary = sim.seed(name="Mary Smith", main_address={"postal_code": "LS1 4AB"})
    deliver(bus, "customer.created", customer(email=None))
    engine.drain()
    r = row(sessions)
    assert r.status == "needs_review"
    assert [(c["sage_contact_id"], c["reasons"]) for c in r.candidates] == [
        (mary["id"], ["same_surname_postcode"])
    ]
    assert len(sim.contacts()) == 1


def test_a_new_customer_costs_three_sage_calls(bus, engine, sessions, sim):
    for i in range(5):
        sim.seed(name=f"Person{i} Smith", main_address={"postal_code": f"M{i} 1AA"})  # a busy surname
    before = sim.stats()["requests"]
    deliver(bus, "customer.created", customer())
    engine.drain()
    assert row(sessions).status == "synced"
    assert sim.stats()["requests"] - before == 3, "search by email, search by surname, create"


# -- a create whose response was lost ---------------------------------------------------------------


def test_a_lost_create_without_email_or_postcode_links_its_own_contact(
    bus, engine, sessions, sage, sim, outbox
):
    sage.settings = replace(sage.settings, call_retries=0)  # the lost answer ends the attempt
    deliver(bus, "customer.created", customer(email=None, address={"line_1": "1 High Street"}))
    sim.faults(lose_response_after_create=1.0)
    assert engine.run_once()  # one attempt: searched, created, the answer lost
    r = row(sessions)
    assert (r.status, r.accounts_ref) == ("pending", "SMITHJ01"), "the ref was kept before the POST"
    assert len(sim.contacts()) == 1 and sim.stats()["lost_responses"] == 1

    sim.faults(lose_response_after_create=0.0)
    drain_rounds(engine, sessions)
    r = row(sessions)
    assert (r.status, r.accounts_ref) == ("synced", "SMITHJ01"), r.last_error
    assert len(sim.contacts()) == 1
    assert sim.stats()["replays"] == 0, "found by its ref, not created again"
    assert [e["data"]["accounts_ref"] for e in outbox("accounting.customer_linked")] == ["SMITHJ01"]


@pytest.mark.parametrize("removal", ["customer.deleted", "customer.erased"])
def test_a_customer_removed_while_its_create_reached_sage_but_the_answer_was_lost_is_marked_inactive(
    bus, engine, sessions, sage, sim, monkeypatch, outbox, removal
):
    """No contact id on the row, yet the contact exists in Sage: the sync finds it by the ref kept
    before the POST (and our source_guid on it) and marks it inactive rather than forgetting it."""
    sage.settings = replace(sage.settings, call_retries=0)  # the lost answer ends the attempt
    deliver(bus, "customer.created", customer())
    removed_during(bus, monkeypatch, sage, "create_contact", removal=removal, subject=CID)
    sim.faults(lose_response_after_create=1.0)
    assert engine.run_once()
    assert sim.stats()["lost_responses"] == 1 and row(sessions).sage_contact_id is None
    assert row(sessions).status == "pending", "not forgotten as not_needed: the contact may be in Sage"

    sim.faults(lose_response_after_create=0.0)
    drain_rounds(engine, sessions)
    r = row(sessions)
    [contact] = sim.contacts()
    assert (r.status, r.sage_contact_id, r.accounts_ref) == ("synced", contact["id"], "SMITHJ01")
    assert contact["notes"].endswith("Inactive in Fieldbook: " + removal.split(".")[1])
    assert sim.stats()["replays"] == 0, "found by its ref, never created again"
    assert outbox("accounting.customer_linked") == [] and outbox("accounting.sync_failed") == []
    if removal == "customer.erased":
        [report] = outbox("customer.erasure_reported")
        assert report["data"]["actions"]["accounts_contact"] == (
            "marked inactive if Sage holds one created for it"
        )


def test_a_removed_customers_ref_on_someone_elses_contact_is_not_marked_inactive(
    bus, engine, sessions, sage, sim
):
    """The customer's own ref (from its record) was tried, Sage failed, then it was deleted: the
    contact carrying that ref is not one we created, so it is left alone."""
    theirs = sim.seed(name="Someone Else", reference="SMI001")
    sim.faults(error_rate_500=1.0)
    deliver(bus, "customer.created", customer(accounts_ref="smi001"))
    engine.drain()
    assert row(sessions).status == "failed"
    deliver(bus, "customer.deleted", {"customer_id": CID})
    sim.faults(error_rate_500=0.0)
    drain_rounds(engine, sessions)
    assert (row(sessions).status, row(sessions).sage_contact_id) == ("not_needed", None)
    [contact] = sim.contacts()
    assert contact["id"] == theirs["id"] and "Inactive" not in (contact.get("notes") or "")


def test_a_contact_carrying_our_customer_id_is_ours_whatever_else_looks_alike(bus, engine, sessions, sim):
    sim.seed(name="John Smith")
    ours = sim.seed(name="John Smith", source_guid="3f1c2b8e000040008000000000000001")
    deliver(bus, "customer.created", customer(email=None, address={"line_1": "1 High Street"}))
    engine.drain()
    r = row(sessions)
    assert (r.status, r.sage_contact_id) == ("synced", ours["id"])
    assert len(sim.contacts()) == 2


# -- a ref we chose is ours only on our own contact -------------------------------------------------


def fail_first_create(monkeypatch, sage, status=503):
    from accounting_sync.sage import SageError

    creates = sage.create_contact
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SageError(f"POST /contacts: Sage answered {status}", status, transient=True)
        return creates(*args, **kwargs)

    monkeypatch.setattr(sage, "create_contact", flaky)


def test_a_retried_create_never_links_someone_elses_contact_carrying_the_ref_we_chose(
    bus, engine, sessions, sage, sim, monkeypatch, outbox
):
    sarah = sim.seed(name="Sarah Jones", reference="SMITHJ01", main_address={"postal_code": "BD1 1AA"})
    fail_first_create(monkeypatch, sage)
    deliver(bus, "customer.created", customer())
    engine.run_once()
    assert (row(sessions).status, row(sessions).accounts_ref) == ("pending", "SMITHJ01")

    drain_rounds(engine, sessions)
    r = row(sessions)
    assert (r.status, r.accounts_ref) == ("synced", "SMITHJ02"), r.last_error
    contacts = {c["id"]: c for c in sim.contacts()}
    assert len(contacts) == 2 and r.sage_contact_id != sarah["id"]
    assert contacts[sarah["id"]]["name"] == "Sarah Jones"
    assert contacts[sarah["id"]]["reference"] == "SMITHJ01"
    assert contacts[r.sage_contact_id]["name"] == "John Smith"
    assert [e["data"]["accounts_ref"] for e in outbox("accounting.customer_linked")] == ["SMITHJ02"]


def test_a_lost_create_without_idempotency_is_found_by_its_ref_not_created_again(
    bus, engine, sessions, sim, outbox
):
    """Sage does not replay the idempotency_id: the in-place retry of the POST meets 422 "reference
    taken" on our own ref. The contact holding it carries our source_guid: it is our create."""
    sim.faults(ignore_idempotency_id=True, lose_response_after_create=1.0)
    deliver(bus, "customer.created", customer())
    engine.drain()
    r = row(sessions)
    [contact] = sim.contacts()
    assert (r.status, r.accounts_ref, r.sage_contact_id) == ("synced", "SMITHJ01", contact["id"])
    assert [e["data"]["accounts_ref"] for e in outbox("accounting.customer_linked")] == ["SMITHJ01"]


# -- a contact deleted in Sage ----------------------------------------------------------------------


def delete_in_sage(sim_store, contact_id):
    assert sim_store.delete(BUSINESS, contact_id)


def test_an_update_of_a_contact_deleted_in_sage_matches_again_and_creates_it(
    bus, engine, sessions, sim, sim_store, outbox
):
    deliver(bus, "customer.created", customer())
    engine.drain()
    gone = row(sessions).sage_contact_id
    delete_in_sage(sim_store, gone)
    deliver(bus, "customer.updated", customer(version=2, phone="0113 000 1111"))
    engine.drain()
    r = row(sessions)
    [contact] = sim.contacts()
    assert (r.status, r.sage_contact_id, r.accounts_ref) == ("synced", contact["id"], "SMITHJ01")
    assert contact["id"] != gone and contact["main_contact_person"]["telephone"] == "0113 000 1111"
    assert outbox("accounting.sync_failed") == []


def test_deactivating_a_contact_deleted_in_sage_is_done_not_failed(
    bus, engine, sessions, sim, sim_store, outbox
):
    deliver(bus, "customer.created", customer())
    engine.drain()
    delete_in_sage(sim_store, row(sessions).sage_contact_id)
    deliver(bus, "customer.deleted", {"customer_id": CID})
    engine.drain()
    assert row(sessions).status == "synced"
    assert outbox("accounting.sync_failed") == []
    assert sim.contacts() == []


def test_linking_and_updating_keep_the_contacts_other_types(bus, engine, sessions, sim):
    both = sim.seed(
        name="John Smith", contact_type_ids=["CUSTOMER", "VENDOR"], email="john.smith@example.com"
    )
    deliver(bus, "customer.created", customer())
    engine.drain()
    assert row(sessions).sage_contact_id == both["id"]
    [contact] = sim.contacts()
    assert {t["id"] for t in contact["contact_types"]} == {"CUSTOMER", "VENDOR"}
    deliver(bus, "customer.updated", customer(version=2, phone="0113 000 1111"))
    engine.drain()
    [contact] = sim.contacts()
    assert contact["main_contact_person"]["telephone"] == "0113 000 1111"
    assert {t["id"] for t in contact["contact_types"]} == {"CUSTOMER", "VENDOR"}


# -- our credentials, not the customer ---------------------------------------------------------------


def test_a_refused_refresh_token_never_fails_customers(bus, engine, sessions, sim, sim_store, outbox, caplog):
    sim_store.refresh_tokens.clear()  # Sage no longer knows our refresh token
    deliver(bus, "customer.created", customer())
    drain_rounds(engine, sessions, 6)  # more rounds than max_attempts (4)
    r = row(sessions)
    assert (r.status, r.attempts) == ("pending", 0)
    assert "refresh token" in r.last_error
    assert r.next_attempt_at > utcnow() + timedelta(seconds=30), "waits for an operator, not a hot loop"
    assert outbox("accounting.sync_failed") == []
    assert any(rec.levelname == "ERROR" and "credentials" in rec.getMessage() for rec in caplog.records)
    sim_store.refresh_tokens.add("refresh-0")
    drain_rounds(engine, sessions)
    assert row(sessions).status == "synced"


def test_a_second_401_never_fails_customers(bus, engine, sessions, sim, sim_store, monkeypatch, outbox):
    monkeypatch.setattr(sim_store, "token_valid", lambda _token: False)
    deliver(bus, "customer.created", customer())
    drain_rounds(engine, sessions, 6)
    r = row(sessions)
    assert (r.status, r.attempts) == ("pending", 0) and "401" in r.last_error
    assert outbox("accounting.sync_failed") == []


# -- balances: never backwards, on-demand polls claimed and given up ---------------------------------


def test_a_balance_read_older_than_the_stored_one_is_not_applied(bus, engine, sessions, sim, poller, outbox):
    deliver(bus, "customer.created", customer())
    engine.drain()
    sim.set_balance(row(sessions).sage_contact_id, "123.45")
    poller.poll_once(scheduled=True)
    later = utcnow() + timedelta(minutes=5)  # another worker process applied a newer read meanwhile
    with sessions() as s:
        s.execute(update(CustomerSync).values(balance_as_of=later))
        s.commit()
    sim.set_balance(row(sessions).sage_contact_id, "99.00")
    poller.poll_once(scheduled=True)
    assert (row(sessions).balance, row(sessions).balance_as_of) == (Decimal("123.45"), later)
    assert len(outbox("accounting.balance_updated")) == 1


def test_a_poll_request_is_claimed_once(bus, engine, sessions, api):
    from accounting_sync.store.queries import claim_poll_requests

    deliver(bus, "customer.created", customer())
    assert api.post("/v1/accounting/balances/poll", json={}).status_code == 202
    with sessions() as s, s.begin():
        assert len(claim_poll_requests(s, timedelta(minutes=5))) == 1
    with sessions() as s, s.begin():
        assert claim_poll_requests(s, timedelta(minutes=5)) == [], "claimed: not handed out again"


def test_a_failing_on_demand_poll_backs_off_and_gives_up(bus, engine, sessions, sim, poller, api):
    deliver(bus, "customer.created", customer())
    engine.drain()
    sim.faults(error_rate_500=1.0)
    assert api.post("/v1/accounting/balances/poll", json={}).status_code == 202
    assert not poller.poll_once(scheduled=False)
    calls = sim.stats()["requests"]
    poller.poll_once(scheduled=False)
    assert sim.stats()["requests"] == calls, "backing off: not tried again at once"
    for _ in range(10):
        with sessions() as s:
            s.execute(update(BalancePollRequest).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            s.commit()
        poller.poll_once(scheduled=False)
    with sessions() as s:
        [req] = s.scalars(select(BalancePollRequest)).all()
        assert (req.attempts, req.done_at) == (5, None)
        assert req.failed_at is not None and "500" in req.last_error
    calls = sim.stats()["requests"]
    poller.poll_once(scheduled=False)
    assert sim.stats()["requests"] == calls, "given up"


# -- a create that was sent stays known ---------------------------------------------------------------


def test_a_lost_create_then_throttled_is_still_looked_for_when_the_customer_is_deleted(
    bus, engine, sessions, sage, sim, monkeypatch
):
    from accounting_sync.sage import SageError

    sage.settings = replace(sage.settings, call_retries=0)
    creates = sage.create_contact

    def lost_then_throttled(*args, **kwargs):
        try:
            creates(*args, **kwargs)
        except SageError:
            pass  # the answer was lost; the in-place retry then met a 429
        raise SageError("POST /contacts: Sage answered 429", 429, transient=True, retry_after=0)

    monkeypatch.setattr(sage, "create_contact", lost_then_throttled)
    sim.faults(lose_response_after_create=1.0)
    deliver(bus, "customer.created", customer())
    assert engine.run_once()
    assert row(sessions).attempts == 0, "a 429 uses no attempt"
    deliver(bus, "customer.deleted", {"customer_id": CID})
    assert row(sessions).status == "pending", "the create was sent: the contact may be in Sage"
    drain_rounds(engine, sessions)
    [contact] = sim.contacts()
    assert row(sessions).status == "synced" and row(sessions).sage_contact_id == contact["id"]
    assert contact["notes"].endswith("Inactive in Fieldbook: deleted")


def test_a_ref_arriving_on_the_customers_record_never_replaces_the_ref_a_create_was_sent_with(
    bus, engine, sessions, sage, sim
):
    sage.settings = replace(sage.settings, call_retries=0)
    sim.faults(lose_response_after_create=1.0)
    deliver(bus, "customer.created", customer())
    assert engine.run_once()
    assert row(sessions).accounts_ref == "SMITHJ01"
    deliver(bus, "customer.updated", customer(version=2, accounts_ref="JS-0042"))
    assert row(sessions).accounts_ref == "SMITHJ01"
    deliver(bus, "customer.deleted", {"customer_id": CID})
    sim.faults(lose_response_after_create=0.0)
    drain_rounds(engine, sessions)
    [contact] = sim.contacts()
    assert (row(sessions).status, row(sessions).sage_contact_id) == ("synced", contact["id"])
    assert contact["notes"].endswith("Inactive in Fieldbook: deleted")


def test_cleared_payment_terms_go_back_to_the_business_default_in_sage(bus, engine, sessions, sim):
    deliver(bus, "customer.created", customer())
    engine.drain()
    assert sim.contacts()[0]["credit_days"] == 30
    deliver(bus, "customer.updated", customer(version=2, payment_terms_days=None))
    engine.drain()
    [contact] = sim.contacts()
    assert contact["credit_days"] is None, "null: the business's default"


def test_a_merged_customer_erased_later_is_forgotten_here_too(bus, engine, sessions):
    survivor = "3f1c2b8e-0000-4000-8000-000000000002"
    deliver(bus, "customer.created", customer())
    engine.drain()
    deliver(bus, "customer.merged", {"survivor_id": survivor, "merged_id": CID})
    assert row(sessions).snapshot["surname"] == "Smith"
    deliver(bus, "customer.erased", {"customer_id": CID}, subject=CID)
    assert row(sessions).snapshot == {"id": CID}
    assert row(sessions).removed == "merged", "still the merged one: its contact in Sage names the survivor"
