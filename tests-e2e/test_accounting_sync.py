"""accounting-sync: every new customer reaches Sage (the simulator, a real process) once, duplicates
are prevented, the accounts ref and the balance come back to the customer — through the gateway."""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.api import expect, private_customer
from harness.chaos import Databases
from harness.polling import eventually
from harness.processes import ApiSession


def token() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def letters(n: int = 6) -> str:
    return "".join(random.choices(string.ascii_uppercase, k=1)) + "".join(
        random.choices(string.ascii_lowercase, k=n - 1)
    )


class Simulator:
    """The Sage simulator's admin endpoints (seed, count, balances, faults)."""

    def __init__(self, url: str, business: str):
        self.http = ApiSession(url, headers={"X-Business": business}, timeout=15)

    def seed(self, **contact) -> dict:
        return expect(self.http.post("/__admin/contacts", json=contact), 201).json()["contacts"][0]

    def contacts(self, **query) -> list[dict]:
        return expect(self.http.get("/__admin/contacts", params=query), 200).json()["contacts"]

    def set_balance(self, contact_id: str, balance: str) -> None:
        expect(self.http.put(f"/__admin/contacts/{contact_id}/balance", json={"balance": balance}), 200)

    def faults(self, **faults) -> dict:
        return expect(self.http.post("/__admin/faults", json=faults), 200).json()

    def stats(self) -> dict:
        """Counters of the whole simulator: requests, creates, replays, and the faults that fired."""
        return expect(self.http.get("/__admin/stats"), 200).json()


NO_FAULTS = dict(
    error_rate_429=0.0, error_rate_500=0.0, latency_ms=0, lose_response_after_create=0.0, retry_after=1
)


@pytest.fixture
def sim(system, tenant):
    simulator = Simulator(system.sage_url, tenant.sage_business)
    simulator.faults(**NO_FAULTS)
    yield simulator
    simulator.faults(**NO_FAULTS)


_SURNAMES_USED: set[str] = set()


def fresh_surname() -> str:
    """A random surname no other customer of this run has: two customers sharing a first name, a
    surname and (by chance) a postcode would rightly be matched to one Sage contact."""
    while (surname := letters()) in _SURNAMES_USED:
        pass
    _SURNAMES_USED.add(surname)
    return surname


def customer_body(first: str, surname: str | None = None, **overrides) -> dict:
    surname = surname or fresh_surname()
    body = private_customer(
        first_name=first,
        surname=surname,
        email=f"{first}.{surname}@e2e.example".lower(),
        address={
            "line_1": "1 Mill Lane",
            "town": "Leeds",
            "postcode": f"LS{random.randint(1, 29)} {random.randint(1, 9)}AB",
        },
    )
    body.update(overrides)
    return body


def accounts_ref_of(client, customer_id: str) -> str:
    body = expect(client.get(f"/v1/customers/{customer_id}"), 200).json()
    assert body["accounts_ref"], f"no accounts ref yet on {customer_id}"
    return body["accounts_ref"]


def sync_status(client, customer_id: str) -> dict:
    return expect(client.get(f"/v1/customers/{customer_id}/accounting"), 200).json()


def test_a_new_customer_gets_its_accounts_ref_and_sage_holds_exactly_one_contact(tenant, sim):
    first = token()
    created = expect(tenant.admin.post("/v1/customers", json=customer_body(first, "Smith")), 201).json()

    ref = eventually(lambda: accounts_ref_of(tenant.admin, created["id"]), timeout=30)
    assert ref.startswith("SMITH") and len(ref) <= 8 and ref == ref.upper()
    [contact] = sim.contacts(search=first)
    assert contact["reference"] == ref
    assert contact["main_address"]["postal_code"] == created["address"]["postcode"]
    assert contact["main_contact_person"]["email"] == created["email"]

    accounts = tenant.client("accounts")
    status = sync_status(accounts, created["id"])
    assert (status["status"], status["accounts_ref"], status["last_error"]) == ("synced", ref, None)
    assert status["sage_contact_id"] == contact["id"]
    # searchable by the ref in the customer list
    rows = expect(tenant.admin.get("/v1/customers", params={"q": ref}), 200).json()
    assert [(r["id"], r["accounts_ref"]) for r in rows] == [(created["id"], ref)]
    # accounts and admin only
    assert tenant.client("sales").get(f"/v1/customers/{created['id']}/accounting").status_code == 403


def test_a_customer_whose_email_is_already_in_sage_is_linked_not_created(tenant, sim):
    first = token()
    email = f"{first}@e2e.example"
    ref = "EM" + "".join(random.choices(string.digits, k=6))
    existing = sim.seed(name=f"Old {first} record", reference=ref, main_contact_person={"email": email})

    created = expect(
        tenant.admin.post("/v1/customers", json=customer_body(first, "Linked", email=email)), 201
    ).json()

    assert eventually(lambda: accounts_ref_of(tenant.admin, created["id"]), timeout=30) == ref
    assert sim.contacts(email=email) == [sim.contacts(reference=ref)[0]]
    assert len(sim.contacts()) == 1, "the tenant's Sage business holds that one contact, nothing new"
    assert sync_status(tenant.client("accounts"), created["id"])["sage_contact_id"] == existing["id"]


def test_two_look_alikes_need_review_and_resolving_it_through_the_api_links_it(tenant, sim):
    first, surname = token(), letters()
    body = customer_body(first, surname)
    postcode = body["address"]["postcode"]
    name = f"{first.capitalize()} {surname}"
    a = sim.seed(
        name=name, reference="LA" + secrets.token_hex(3).upper(), main_address={"postal_code": postcode}
    )
    b = sim.seed(
        name=name, reference="LB" + secrets.token_hex(3).upper(), main_address={"postal_code": postcode}
    )
    created = expect(tenant.admin.post("/v1/customers", json=body), 201).json()
    accounts = tenant.client("accounts")

    def in_review():
        status = sync_status(accounts, created["id"])
        assert status["status"] == "needs_review", status
        return status

    status = eventually(in_review, timeout=30)
    assert {c["sage_contact_id"] for c in status["candidates"]} == {a["id"], b["id"]}
    assert status["accounts_ref"] is None
    listed = expect(accounts.get("/v1/accounting/sync", params={"status": "needs_review"}), 200).json()
    assert [r["customer_id"] for r in listed] == [created["id"]]

    r = accounts.post(
        f"/v1/accounting/reviews/{created['id']}", json={"action": "link", "sage_contact_id": b["id"]}
    )
    expect(r, 202)
    assert eventually(lambda: accounts_ref_of(tenant.admin, created["id"]), timeout=30) == b["reference"]
    assert sync_status(accounts, created["id"])["status"] == "synced"
    assert len(sim.contacts(search=first)) == 2, "linked, not created"


def create_many(client, bodies: list[dict], workers: int = 8) -> list[dict]:
    def one(body):
        return expect(client.post("/v1/customers", json=body), 201).json()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, bodies))


def wait_all_synced(client, ids: list[str], timeout: float) -> None:
    def all_synced():
        page, synced = 1, set()
        while True:
            r = expect(
                client.get(
                    "/v1/accounting/sync", params={"status": "synced", "page": page, "page_size": 100}
                ),
                200,
            )
            synced |= {row["customer_id"] for row in r.json()}
            if len(r.json()) < 100:
                break
            page += 1
        missing = set(ids) - synced
        assert not missing, f"{len(missing)} of {len(ids)} not synced yet"
        return True

    eventually(all_synced, timeout=timeout, interval=1.0)


def assert_exactly_once(sim, first: str, customers: list[dict]) -> None:
    contacts = sim.contacts(search=first)
    assert len(contacts) == len(customers), f"{len(contacts)} contacts in Sage for {len(customers)} customers"
    guids = {c["source_guid"] for c in contacts}
    assert guids == {c["id"].replace("-", "") for c in customers}
    refs = [c["reference"] for c in contacts]
    assert len(set(refs)) == len(refs)


def test_with_20_percent_faults_and_lost_responses_200_customers_all_sync_exactly_once(tenant, sim):
    before = sim.stats()
    sim.faults(error_rate_429=0.1, error_rate_500=0.1, lose_response_after_create=0.2, retry_after=1)
    first = token()
    customers = create_many(tenant.admin, [customer_body(first) for _ in range(200)])
    ids = [c["id"] for c in customers]
    accounts = tenant.client("accounts")

    wait_all_synced(accounts, ids, timeout=300)  # returns as soon as all are synced
    sim.faults(**NO_FAULTS)
    after = sim.stats()
    fired = {k: after[k] - before[k] for k in ("injected_429", "injected_500", "lost_responses")}
    assert all(n > 0 for n in fired.values()), f"the faults must have fired: {fired}"
    assert_exactly_once(sim, first, customers)
    failed = expect(accounts.get("/v1/accounting/sync", params={"status": "failed"}), 200).json()
    assert failed == []


def test_a_balance_set_in_sage_shows_on_the_customer_after_a_poll(tenant, sim):
    first = token()
    created = expect(tenant.admin.post("/v1/customers", json=customer_body(first)), 201).json()
    ref = eventually(lambda: accounts_ref_of(tenant.admin, created["id"]), timeout=30)
    [contact] = sim.contacts(reference=ref)
    sim.set_balance(contact["id"], "1234.56")

    expect(
        tenant.client("accounts").post(
            "/v1/accounting/balances/poll", json={"customer_ids": [created["id"]]}
        ),
        202,
    )

    def balance():
        body = expect(tenant.admin.get(f"/v1/customers/{created['id']}"), 200).json()
        assert body["accounts_balance"] == "1234.56", body["accounts_balance"]
        return True

    eventually(balance, timeout=30)


@pytest.mark.broker_control
def test_broker_restart_and_a_killed_worker_still_sync_every_customer_exactly_once(
    tenant, sim, system, broker
):
    first = token()
    bodies = [customer_body(first) for _ in range(60)]
    before_outage, during_outage = 10, 20
    customers: list[dict] = []
    outage, outage_over, created_during_outage, done = (threading.Event() for _ in range(4))

    def post(body):
        customers.append(expect(tenant.admin.post("/v1/customers", json=body), 201).json())

    def create():
        """10 customers, then 20 while the broker is down, then a trickle of 30 once it is back, so
        the kill lands while there is still work to do. Each phase waits for the test's signal:
        the outage and the kill land where they should whatever the machine's speed."""
        try:
            for body in bodies[:before_outage]:
                post(body)
            assert outage.wait(120)
            for body in bodies[before_outage : before_outage + during_outage]:
                post(body)
            created_during_outage.set()
            assert outage_over.wait(120)
            for body in bodies[before_outage + during_outage :]:
                post(body)
                time.sleep(0.1)
        finally:
            done.set()

    def in_sage() -> int:
        return len(sim.contacts(search=first))

    worker = system.processes["accounting-sync-worker"]
    sim.faults(latency_ms=100)  # about 0.3 s of Sage per customer: the sync takes a while
    creator = threading.Thread(target=create)
    creator.start()
    eventually(lambda: in_sage() >= 3, timeout=60, message="sync under way")

    # 1. the broker goes away and comes back while the worker RUNS (its consumer and relay lose it)
    broker.stop()
    outage.set()
    assert created_during_outage.wait(120), "customers are created (201) while the broker is down"
    broker.start()
    outage_over.set()
    assert worker.alive, "the worker must ride out a broker restart"
    # more contacts than customers created before the outage: one created during it was synced,
    # so the running worker consumes again
    eventually(
        lambda: in_sage() > before_outage,
        timeout=90,
        message="the running worker syncs customers created while the broker was down",
    )
    assert worker.alive

    # 2. SIGKILL the worker mid-run (Sage calls in flight, leases held), then start it again
    at_kill = in_sage()
    system.kill("accounting-sync-worker")
    system.start("accounting-sync-worker")  # waits until it consumes again
    creator.join(timeout=120)
    assert done.is_set() and len(customers) == len(bodies)
    assert at_kill < len(customers), "the kill landed before every customer was in Sage"

    ids = [c["id"] for c in customers]
    wait_all_synced(tenant.client("accounts"), ids, timeout=120)
    sim.faults(**NO_FAULTS)
    assert_exactly_once(sim, first, customers)
    # and each customer was announced linked exactly once (accounting-sync's outbox)
    outbox = Databases(system.database_urls).outbox("accounting-sync", tenant.id)
    linked = Counter(subject for _id, kind, subject, _sent in outbox if kind == "accounting.customer_linked")
    assert {cid: linked[cid] for cid in ids} == {cid: 1 for cid in ids}
