"""`make chaos`: the full-size scenarios. Each one counts, on its own tenant, what was published,
delivered and applied, and asserts 0 lost, 0 applied twice, every customer synced to Sage once.

The short versions of the same scenarios (same code: harness/chaos.py) run in the e2e suite
(tests-e2e/test_chaos_short.py); the PostgreSQL restart runs only here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from harness import chaos

CUSTOMERS = int(os.environ.get("CHAOS_CUSTOMERS", "1000"))  # created during the broker outage
OUTAGE = float(os.environ.get("CHAOS_BROKER_OUTAGE_SECONDS", "30"))
BATCH = int(os.environ.get("CHAOS_BATCH", "200"))  # per worker kill, web kill, Sage faults, PG restart


@pytest.fixture
def scenario(system, tenant, events):
    def make(name: str, settle_timeout: float = 600.0) -> chaos.Scenario:
        queue = events("#", durable=True)  # durable: it outlives a broker stop
        return chaos.Scenario(name, system, tenant, queue, settle_timeout=settle_timeout)

    return make


def record(row: chaos.Row) -> chaos.Row:
    chaos.REPORT.append(row)
    print("\n" + chaos.table([row]))
    return row


@pytest.mark.broker_control
def test_broker_stopped_while_customers_are_created(scenario, broker):
    s = scenario(f"broker stopped {OUTAGE:.0f}s, {CUSTOMERS} created")
    chaos.check(record(chaos.broker_outage(s, broker, n=CUSTOMERS, outage=OUTAGE, concurrency=32)))


@pytest.mark.parametrize("worker", chaos.WORKERS)
def test_worker_sigkilled_mid_batch(scenario, worker):
    s = scenario(f"{worker} worker SIGKILLed, {BATCH} created")
    chaos.check(record(chaos.workers_killed(s, (worker,), n=BATCH, rate=20)))


def test_customers_web_killed_under_load(scenario):
    s = scenario(f"customers web SIGKILLed, {BATCH} sent")
    row = record(chaos.web_killed(s, n=BATCH, rate=8, down=5))
    assert row.failed > 0, "the kill should have failed some requests"
    chaos.check(row, failures_allowed=True)


def test_sage_failing_a_fifth_of_its_calls(scenario):
    s = scenario(f"Sage failing 20%, {BATCH} created")
    chaos.check(record(chaos.sage_failing(s, n=BATCH)))


def local_postgres_cluster(database_url: str) -> tuple[str, str]:
    """(version, cluster name) of the local cluster listening on the database URL's port."""
    parts = urlsplit(database_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or shutil.which("pg_lsclusters") is None:
        pytest.skip(f"PostgreSQL at {parts.hostname} is not a local cluster pg_ctlcluster can restart")
    port = str(parts.port or 5432)
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        version, cluster, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, cluster
    pytest.skip(f"no local PostgreSQL cluster on port {port}")


@pytest.mark.postgres_restart
def test_postgres_restarted_under_load(scenario, infra, request):
    version, cluster = local_postgres_cluster(infra.database_server_url)
    warning = (
        f"WARNING: restarting PostgreSQL {version}/{cluster} on this machine: every client of it "
        "(other test runs, make up) loses its connections"
    )
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write_line(warning, yellow=True, bold=True)
    argv = ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"]

    def restart() -> None:
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    s = scenario(f"PostgreSQL restarted, {BATCH} sent")
    row = record(chaos.postgres_restarted(s, n=BATCH, rate=8, restart=restart))
    row.notes.append(warning)
    chaos.check(row, failures_allowed=True, max_failure_seconds=30)
