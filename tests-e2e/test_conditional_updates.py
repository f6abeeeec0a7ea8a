"""PATCH needs the ETag last read: stale → 412, missing → 428, and two racing writers never both win."""

import threading
from collections import Counter

from harness.api import assert_problem, expect, private_customer
from harness.polling import eventually
from harness.processes import ApiSession


def create(client) -> tuple[dict, str]:
    r = expect(client.post("/v1/customers", json=private_customer(surname="Original")), 201)
    return r.json(), r.headers["ETag"]


def test_patch_with_current_etag_succeeds_and_returns_a_new_etag(tenant):
    customer, etag = create(tenant.admin)
    r = expect(
        tenant.admin.patch(
            f"/v1/customers/{customer['id']}", json={"email": "new@example.com"}, headers={"If-Match": etag}
        ),
        200,
    )
    assert r.json()["email"] == "new@example.com"
    assert r.json()["surname"] == "Original", "a PATCH changes only the fields it sends"
    assert r.headers["ETag"] != etag
    assert r.headers["ETag"] == f'"{r.json()["version"]}"'


def test_patch_with_stale_if_match_is_412_and_record_unchanged(tenant):
    client = tenant.admin
    customer, first_etag = create(client)
    url = f"/v1/customers/{customer['id']}"
    second = expect(client.patch(url, json={"surname": "Second"}, headers={"If-Match": first_etag}), 200)

    assert_problem(client.patch(url, json={"surname": "Stale"}, headers={"If-Match": first_etag}), 412)

    now = expect(client.get(url), 200)
    assert now.json()["surname"] == "Second"
    assert now.headers["ETag"] == second.headers["ETag"]


def test_patch_without_if_match_is_428_and_record_unchanged(tenant):
    client = tenant.admin
    customer, etag = create(client)
    url = f"/v1/customers/{customer['id']}"

    assert_problem(client.patch(url, json={"surname": "Unconditional"}), 428)

    now = expect(client.get(url), 200)
    assert now.json()["surname"] == "Original"
    assert now.headers["ETag"] == etag


def test_two_simultaneous_patches_with_one_etag_one_wins_one_gets_412(system, tenant):
    """50 rounds; in each, two clients send a PATCH with the same If-Match at the same moment."""
    rounds = 50
    customer, _ = create(tenant.admin)
    url = f"/v1/customers/{customer['id']}"
    etag = tenant.admin.get(url).headers["ETag"]
    sessions = [system.client(tenant.admin_key), system.client(tenant.admin_key)]
    barrier = threading.Barrier(2)
    outcomes: list[Counter] = []

    def writer(session: ApiSession, name: str, etag: str, results: list):
        barrier.wait(timeout=10)
        r = session.patch(url, json={"first_name": name}, headers={"If-Match": etag})
        results.append((r.status_code, r.headers.get("ETag"), name))

    for i in range(rounds):
        results: list = []
        threads = [
            threading.Thread(target=writer, args=(sessions[k], f"Writer{k}r{i}", etag, results))
            for k in (0, 1)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        statuses = Counter(status for status, _, _ in results)
        outcomes.append(statuses)
        assert statuses == Counter({200: 1, 412: 1}), f"round {i}: {results}"
        [(_, etag, winner)] = [r for r in results if r[0] == 200]
        now = expect(tenant.admin.get(url), 200)
        assert now.json()["first_name"] == winner, f"round {i}: the stored name is not the winner's"
        assert now.headers["ETag"] == etag
    assert len(outcomes) == rounds


def test_the_sage_link_and_balance_do_not_move_the_etag(tenant):
    """Facts accounting-sync reports are not the office's edits: an If-Match taken before the
    customer was linked to Sage still saves afterwards."""
    customer, etag = create(tenant.admin)
    url = f"/v1/customers/{customer['id']}"
    linked = eventually(
        lambda: tenant.admin.get(url).json().get("accounts_ref"), timeout=60, message="not linked"
    )
    assert linked
    r = expect(tenant.admin.patch(url, json={"first_name": "After"}, headers={"If-Match": etag}), 200)
    assert r.json()["accounts_ref"] == linked
