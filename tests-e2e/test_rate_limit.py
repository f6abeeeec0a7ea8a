"""The gateway limits requests per key per minute: 429 with Retry-After, other keys unaffected."""

import pytest

from harness.api import assert_problem, expect

LIMIT = 5


@pytest.fixture
def limited_gateway(system):
    name = "gateway-limited"
    url = system.start_extra_gateway(name, RATE_LIMIT_PER_MINUTE=str(LIMIT))
    yield url
    system.remove_process(name)


def test_key_over_its_rate_limit_gets_429_with_retry_after(system, tenant, limited_gateway):
    # a key of its own: the count is per key across every gateway (they share it), and the tenant's
    # admin key has already made requests this minute
    busy = system.client(system.create_key(tenant.id, "admin", "e2e-busy"), base_url=limited_gateway)
    statuses = []
    refused = None
    for _ in range(3 * LIMIT):
        r = busy.get("/v1/customers")
        statuses.append(r.status_code)
        if r.status_code == 429:
            refused = r
            break
        expect(r, 200)

    assert refused is not None, f"no 429 after {len(statuses)} requests: {statuses}"
    # a fixed window may roll over mid-test, so more than LIMIT may pass, never fewer
    assert statuses.count(200) >= LIMIT, statuses
    assert_problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60

    other_key = system.create_key(tenant.id, "readonly", "e2e-other")
    expect(system.client(other_key, base_url=limited_gateway).get("/v1/customers"), 200)
