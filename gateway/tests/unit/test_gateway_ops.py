"""Health, the rate limiter across workers, the circuit breaker, and the operator CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from fieldbook_shared import service_table
from gateway import keys
from gateway.auth import KeyAuthenticator
from gateway.manage import main, migrate
from gateway.proxy import CircuitBreaker
from gateway.ratelimit import RateLimiter
from gateway.settings import Settings, parse_upstream_list
from gateway.store import make_engine


def test_healthz_and_readyz_follow_the_required_services(make_gateway, fake_services):
    gw = make_gateway(enabled_upstreams=("customers", "billing"))
    assert gw.client.get("/healthz").status_code == 200
    ready = gw.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "customers": "ok", "billing": "ok"}

    fake_services["billing"].ready_status = 503
    not_ready = gw.client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json["checks"]["billing"].startswith("unavailable")
    assert not_ready.json["checks"]["customers"] == "ok"


def test_readyz_fails_when_a_required_service_is_down(make_gateway):
    gw = make_gateway(enabled_upstreams=("customers", "comms"))
    resp = gw.client.get("/readyz")
    assert resp.status_code == 503
    assert resp.json["checks"]["comms"].startswith("unavailable")


def test_metrics_are_served(gw):
    assert b"fieldbook_http_requests_total" in gw.client.get("/metrics").data


def test_rate_limit_is_shared_by_every_worker(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gw.db'}")
    migrate(settings)
    now = [1_000_040.0]  # 20 s into the minute that started at 1_000_020
    workers = [RateLimiter(make_engine(settings.database_url), 5, clock=lambda: now[0]) for _ in range(2)]
    results = [workers[i % 2].hit("key-1").allowed for i in range(7)]
    assert results == [True] * 5 + [False] * 2
    assert workers[0].hit("key-1").retry_after == 40
    now[0] += 40  # the next minute starts afresh
    assert workers[1].hit("key-1").allowed


def _limiters(tmp_path, per_minute: int, now: list[float], takes: list) -> list[RateLimiter]:
    """Two workers' limiters on one database, their database round trips noted in `takes`."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gw.db'}")
    migrate(settings)
    engine = make_engine(settings.database_url)
    workers = [RateLimiter(engine, per_minute, clock=lambda: now[0]) for _ in range(2)]
    for worker in workers:
        take = worker._take
        worker._take = lambda *a, take=take: takes.append(a) or take(*a)  # type: ignore[method-assign]
    return workers


def test_a_busy_key_takes_its_count_in_leases_not_a_round_trip_each(tmp_path):
    now, takes = [1_000_020.0], []
    workers = _limiters(tmp_path, 1_000_000, now, takes)
    assert all(workers[i % 2].hit("key-1").allowed for i in range(1000))
    assert len(takes) == 10  # a lease of 100 at a time
    assert workers[0].hit("key-1").remaining == 1_000_000 - 1100 + 99  # the other worker's lease: used


def test_leases_never_let_a_key_over_its_limit_across_workers(tmp_path):
    now, takes = [1_000_020.0], []
    workers = _limiters(tmp_path, 1000, now, takes)
    allowed = [workers[i % 2].hit("key-1").allowed for i in range(1200)]
    # at most what the other worker's unspent lease holds (1/64 of what was left) is refused early
    assert 1000 - 1000 // 64 <= allowed.count(True) <= 1000
    assert allowed[:900] == [True] * 900
    assert len(takes) < 400
    before = len(takes)
    assert not workers[0].hit("key-1").allowed
    assert not workers[1].hit("key-1").allowed
    assert len(takes) == before  # a used-up minute is refused without asking the database again
    now[0] += 60
    assert workers[0].hit("key-1").allowed


def test_breaker_opens_after_five_failures_then_lets_one_trial_through():
    now = [0.0]
    breaker = CircuitBreaker(failures=5, open_seconds=10, clock=lambda: now[0])
    for _ in range(4):
        breaker.record_failure()
    assert breaker.allow() == (True, 0)
    breaker.record_failure()
    assert breaker.allow() == (False, 10)
    now[0] = 10.5
    assert breaker.allow() == (True, 0)  # half-open: one trial
    assert breaker.allow()[0] is False  # others wait for it
    breaker.record_failure()  # the trial failed: open again
    assert breaker.allow()[0] is False
    now[0] = 21
    assert breaker.allow() == (True, 0)
    breaker.record_success()
    assert breaker.allow() == (True, 0)
    assert not breaker.is_open


def test_key_lookups_are_cached(key_store):
    sessions, tenant, row, plain = key_store.sessions, key_store.tenant, key_store.key, key_store.plain
    now = [0.0]
    auth = KeyAuthenticator(sessions, ttl_seconds=30, clock=lambda: now[0])
    assert auth.authenticate(plain).tenant_id == tenant.id
    with sessions() as session:
        keys.revoke_key(session, row.id)
        session.commit()
    assert auth.authenticate(plain) is not None  # still cached
    now[0] = 31
    assert auth.authenticate(plain) is None


def test_gateway_upstreams_setting():
    assert parse_upstream_list("customers, billing") == ("customers", "billing")
    # every upstream of the service table, in its order
    assert parse_upstream_list("all") == tuple(s.name for s in service_table.upstreams())
    assert "files" in parse_upstream_list("all")
    with pytest.raises(ValueError):
        parse_upstream_list("customers,billling")


def test_cli_prints_only_the_tenant_id_and_the_key(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"], settings) == 0
    capsys.readouterr()

    tenant_id = str(uuid.uuid4())
    assert main(["create-tenant", "Acme Heating", "--id", tenant_id], settings) == 0
    assert capsys.readouterr().out == f"{tenant_id}\n"

    assert (
        main(["create-key", "--tenant", tenant_id, "--role", "accounts", "--name", "ledger"], settings) == 0
    )
    out = capsys.readouterr().out
    plain = out.strip()
    assert out == f"{plain}\n" and len(plain) >= 43

    assert main(["list-keys", "--tenant", tenant_id], settings) == 0
    listing = capsys.readouterr().out
    assert "ledger\taccounts\t" + plain[:8] in listing
    assert plain not in listing  # the key itself is never shown again

    key_id = listing.splitlines()[1].split("\t")[0]
    assert main(["revoke-key", key_id], settings) == 0
    assert main(["list-keys", "--tenant", tenant_id], settings) == 0
    assert capsys.readouterr().out.splitlines()[1].split("\t")[-1] != ""


def test_keys_are_recognisable_and_never_read_as_a_command_line_option(monkeypatch):
    # token_urlsafe starts with "-" one time in 64: `demo_data.py --key -abc…` then failed in CI.
    monkeypatch.setattr(keys.secrets, "token_urlsafe", lambda n: "-" + "x" * 42)
    plain = keys.generate_key()
    assert plain.startswith("fb_") and not plain.startswith("-") and len(plain) == 46


def test_cli_refuses_bad_input(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}")
    main(["migrate"], settings)
    with pytest.raises(SystemExit):
        main(["create-key", "--tenant", str(uuid.uuid4()), "--role", "superuser"], settings)
    assert main(["create-key", "--tenant", str(uuid.uuid4()), "--role", "sales"], settings) == 1
    assert "no tenant" in capsys.readouterr().err
    assert main(["create-tenant", "X", "--id", "not-a-uuid"], settings) == 1


def test_manage_runs_as_a_module_from_any_directory(tmp_path):
    env = {**os.environ, "DATABASE_URL_GATEWAY": f"sqlite:///{tmp_path / 'sub' / 'gw.db'}"}

    def run(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "gateway.manage", *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)

    run("migrate")
    tenant_id = run("create-tenant", "Acme").stdout.strip()
    assert str(uuid.UUID(tenant_id)) == tenant_id
