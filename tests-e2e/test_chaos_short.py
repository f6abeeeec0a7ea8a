"""Short versions of the `make chaos` scenarios (tests-chaos/): the same code, fewer customers,
shorter outages, no PostgreSQL restart. Each scenario counts what it published, delivered and
applied, and asserts nothing is lost, nothing applied twice, every customer synced to Sage once."""

import pytest

from harness import chaos


@pytest.fixture
def scenario(system, tenant, events, request):
    def make(name: str, settle_timeout: float = 90.0) -> chaos.Scenario:
        queue = events("#", durable=True)  # durable: it outlives a broker stop
        return chaos.Scenario(name, system, tenant, queue, settle_timeout=settle_timeout)

    return make


def report(row: chaos.Row) -> None:
    print("\n" + chaos.table([row]))


@pytest.mark.broker_control
def test_customers_created_while_the_broker_is_down_are_all_delivered_applied_once_and_synced(
    scenario, broker
):
    row = chaos.broker_outage(scenario("broker stopped 5s, 50 created"), broker, n=50, outage=5)
    report(row)
    chaos.check(row)


def test_every_worker_sigkilled_mid_batch_loses_nothing_and_applies_nothing_twice(scenario):
    row = chaos.workers_killed(scenario("each worker SIGKILLed, 50 created"), chaos.WORKERS, n=50, rate=10)
    report(row)
    chaos.check(row)


def test_a_web_process_killed_under_load_fails_requests_fast_and_recovers(scenario):
    row = chaos.web_killed(scenario("customers web SIGKILLed, 40 + 20 sent"), n=40, rate=10, down=1)
    report(row)
    assert row.failed > 0, "the kill should have failed some requests"
    chaos.check(row, failures_allowed=True)


def test_sage_failing_a_fifth_of_its_calls_still_syncs_every_customer_once(scenario):
    row = chaos.sage_failing(scenario("Sage failing 20%, 24 created"), n=24)
    report(row)
    chaos.check(row)
