"""Failed keys are throttled per client address; the key cache is a bounded LRU, misses apart."""

from __future__ import annotations

from gateway.auth import KeyAuthenticator

PROBLEM = "application/problem+json"


class CountingSessions:
    """A sessionmaker that counts how often the key table is asked."""

    def __init__(self, sessions):
        self._sessions, self.opened = sessions, 0

    def __call__(self):
        self.opened += 1
        return self._sessions()


def test_a_flood_of_bad_keys_does_not_push_a_good_key_out_of_the_cache(key_store):
    sessions, plain = CountingSessions(key_store.sessions), key_store.plain
    auth = KeyAuthenticator(sessions, ttl_seconds=30, max_entries=3)
    assert auth.authenticate(plain) is not None
    for i in range(20):
        assert auth.authenticate(f"fb_bad-key-{i:04d}-xxxxxxxxxxxxxxxxxxxxxxxxxxxx") is None
    asked = sessions.opened
    assert auth.authenticate(plain) is not None
    assert sessions.opened == asked  # still a cache hit


def test_the_caches_are_bounded_and_keep_the_most_recent(key_store):
    sessions = CountingSessions(key_store.sessions)
    auth = KeyAuthenticator(sessions, ttl_seconds=30, max_entries=3)
    bad = [f"fb_bad-key-{i:04d}-xxxxxxxxxxxxxxxxxxxxxxxxxxxx" for i in range(5)]
    for key in bad:
        auth.authenticate(key)
    assert auth.cache_sizes() == (0, 3)
    asked = sessions.opened
    auth.authenticate(bad[-1])  # recent: cached
    assert sessions.opened == asked
    auth.authenticate(bad[0])  # evicted: asked again
    assert sessions.opened == asked + 1


def test_failed_keys_from_one_address_are_throttled_with_429(make_gateway, fake_services):
    gw = make_gateway(auth_failures_per_minute=5)
    client = gw.client
    for i in range(5):
        resp = client.get(
            "/v1/customers", headers={"Authorization": f"Bearer fb_guess-{i:04d}-xxxxxxxxxxxxxxxxxxxx"}
        )
        assert resp.status_code == 401
    for i in range(5, 10):
        resp = client.get(
            "/v1/customers", headers={"Authorization": f"Bearer fb_guess-{i:04d}-xxxxxxxxxxxxxxxxxxxx"}
        )
        assert resp.status_code == 429
        assert resp.mimetype == PROBLEM
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
    # another address is not held back
    guess = {"Authorization": "Bearer fb_guess-9999-xxxxxxxxxxxxxxxxxxxx"}
    elsewhere = client.get("/v1/customers", headers=guess, environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 401
    assert fake_services["customers"].calls == []


def test_a_good_key_passes_even_from_a_throttled_address(make_gateway, fake_services):
    """Behind a load balancer every client shares an address: one guesser must not lock the office
    out, neither with keys this worker knows nor with ones it has not seen yet."""
    gw = make_gateway(auth_failures_per_minute=2)
    assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code == 200  # known now
    for i in range(4):
        gw.client.get(
            "/v1/customers", headers={"Authorization": f"Bearer fb_guess-{i:04d}-xxxxxxxxxxxxxxxxxxxx"}
        )
    assert gw.client.get("/v1/customers", headers={"Authorization": "Bearer fb_guess-x"}).status_code == 429
    assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code == 200
    assert gw.client.get("/v1/customers", headers=gw.auth("admin")).status_code == 200  # not seen before


def test_requests_without_a_key_are_not_counted_as_failures(make_gateway):
    gw = make_gateway(auth_failures_per_minute=2)
    for _ in range(5):
        assert gw.client.get("/v1/customers").status_code == 401


def test_behind_a_trusted_proxy_guesses_are_counted_per_client_not_per_proxy(make_gateway):
    gw = make_gateway(auth_failures_per_minute=2, trusted_proxy_hops=1)

    def guess(client_address: str, n: int):
        headers = {
            "Authorization": f"Bearer fb_guess-{n:04d}-xxxxxxxxxxxxxxxxxxxx",
            "X-Forwarded-For": client_address,
        }
        return gw.client.get("/v1/customers", headers=headers).status_code

    assert [guess("203.0.113.7", n) for n in range(3)] == [401, 401, 429]
    assert guess("198.51.100.9", 9) == 401, "another client behind the same load balancer is not held back"


def test_without_trusted_proxies_x_forwarded_for_names_nobody(make_gateway):
    gw = make_gateway(auth_failures_per_minute=2)  # TRUSTED_PROXY_HOPS=0: the peer is the client

    def guess(claimed: str, n: int):
        headers = {
            "Authorization": f"Bearer fb_guess-{n:04d}-xxxxxxxxxxxxxxxxxxxx",
            "X-Forwarded-For": claimed,
        }
        return gw.client.get("/v1/customers", headers=headers).status_code

    assert [guess(f"203.0.113.{n}", n) for n in range(3)] == [401, 401, 429]  # a new address each time
