"""Chaos scenarios and their bookkeeping, shared by `tests-e2e/test_chaos_short.py` (small, fast)
and `tests-chaos/` (`make chaos`, full size).

A scenario creates customers through the gateway while something breaks (the broker stops, a
worker or a web process is SIGKILLed, Sage fails, PostgreSQL restarts), lets the system settle and
then counts, for the scenario's own tenant:

- published: outbox rows sent, over every service's database (pending ones are reported too);
- delivered: distinct event ids that reached a durable test queue bound to `fieldbook.events`;
- applied: inbox rows (`processed_events`) of each consuming service for the events it must apply,
  and "not applied" for the ones missing;
- applied twice: an event id logged as applied more than once by a worker (over all its lives),
  a customer created twice in Sage, a customer linked twice (two `accounting.customer_linked`);
- absorbed: redeliveries the inbox recognised ("duplicate"), i.e. the chaos did bite;
- synced: created customers accounting-sync reports `synced` (its API, through the gateway), and
  the Sage contacts made for them;
- lost: created customers (a 201 was returned) missing from the customers database or from any
  read model (billing, assets, comms, accounting-sync);
- failed: requests that did not get a 201 (and the slowest failure: none may hang).

The databases are read directly (read-only) to count; everything else goes through HTTP and AMQP.
"""

from __future__ import annotations

import json
import random
import string
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg

from .amqp import TestQueue
from .infra import _pg_conninfo
from .processes import ApiSession, System

# What each service must apply when customers are created: event type -> consuming services.
CONSUMERS = {
    "customer.created": ("billing", "assets", "comms", "accounting-sync", "servicing"),
    "accounting.customer_linked": ("customers",),
}
# The tenant's customer ids each service knows (the record, then the read models).
CUSTOMER_IDS_SQL = {
    "customers": "SELECT id FROM customers WHERE tenant_id = %s",
    "billing": "SELECT id FROM customer_snapshots WHERE tenant_id = %s",
    "assets": "SELECT customer_id FROM known_customers WHERE tenant_id = %s",
    "comms": "SELECT id FROM customer_copies WHERE tenant_id = %s",
    "accounting-sync": "SELECT customer_id FROM customer_sync WHERE tenant_id = %s",
    "servicing": "SELECT customer_id FROM known_customers WHERE tenant_id = %s",
}
SERVICES = tuple(CUSTOMER_IDS_SQL)
WORKERS = SERVICES  # each service has one worker process: "<service>-worker"
FAILURE_STATUSES = (502, 503, 504)  # what the gateway answers while an upstream is down
REPORT: list = []  # the rows of a run, for a summary table (tests-chaos/conftest.py prints it)
NO_FAULTS = dict(
    error_rate_429=0.0, error_rate_500=0.0, latency_ms=0, lose_response_after_create=0.0, retry_after=1
)


def letters(n: int = 8) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=n))


def customer_body(token: str, i: int) -> dict:
    """A private customer unique by email, name and postcode, so Sage duplicate checks never match."""
    surname = letters(1).upper() + letters(6)
    return {
        "type": "private",
        "first_name": token.capitalize(),
        "surname": surname,
        "address": {
            "line_1": f"{i} Chaos Street",
            "town": "Leeds",
            "postcode": f"LS{random.randint(1, 29)} {random.randint(1, 9)}{letters(2).upper()}",
        },
        "email": f"{token}.{i}.{surname.lower()}@chaos.example",
    }


# ------------------------------------------------------------------------------------ the load


@dataclass
class Attempt:
    index: int
    status: int | None  # None: no HTTP answer at all (connection error, client timeout)
    customer_id: str | None
    seconds: float
    error: str = ""
    at: float = 0.0  # time.monotonic() when it was sent


class Load:
    """`n` customer creations through the gateway from `concurrency` threads, optionally paced at
    `rate` per second, each with its own Idempotency-Key. Runs in the background: `start()`, `join()`.
    """

    def __init__(
        self,
        new_client: Callable[[], ApiSession],
        token: str,
        key_prefix: str,
        n: int,
        concurrency: int = 16,
        rate: float | None = None,
        timeout: float = 30.0,
    ):
        self.new_client, self.token, self.key_prefix, self.n = new_client, token, key_prefix, n
        self.concurrency, self.rate, self.timeout = concurrency, rate, timeout
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._thread: threading.Thread | None = None
        self.started = self.finished = 0.0

    def _client(self) -> ApiSession:
        if not hasattr(self._local, "client"):
            self._local.client = self.new_client()
        return self._local.client

    def _one(self, i: int) -> None:
        if self.rate:
            delay = self.started + i / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        t0 = time.monotonic()
        try:
            r = self._client().post(
                "/v1/customers",
                json=customer_body(self.token, i),
                headers={"Idempotency-Key": f"chaos-{self.key_prefix}-{i}"},
                timeout=self.timeout,
            )
            cid = r.json().get("id") if r.status_code == 201 else None
            error = "" if cid else r.text[:200]
            attempt = Attempt(i, r.status_code, cid, time.monotonic() - t0, error, t0)
        except Exception as exc:  # noqa: BLE001 - a failed request is an outcome, not a test error
            error = f"{type(exc).__name__}: {exc}"[:200]
            attempt = Attempt(i, None, None, time.monotonic() - t0, error, t0)
        with self._lock:
            self.attempts.append(attempt)

    def _run(self) -> None:
        try:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="chaos-load") as pool:
                list(pool.map(self._one, range(self.n)))
        finally:
            self.finished = time.monotonic()

    def start(self) -> Load:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="chaos-load", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"the load of {self.n} creations did not finish within {timeout}s")

    @property
    def done(self) -> int:
        return len(self.attempts)

    @property
    def created(self) -> list[str]:
        return [a.customer_id for a in self.attempts if a.customer_id]

    @property
    def failures(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.customer_id]


# ----------------------------------------------------------------------------- the databases


class Databases:
    """Read-only SQL against each service's database of the run."""

    def __init__(self, urls: dict[str, str]):
        self.urls = urls

    def rows(self, service: str, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(_pg_conninfo(self.urls[service]), connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def customer_ids(self, service: str, tenant_id: str) -> set[str]:
        return {str(r[0]) for r in self.rows(service, CUSTOMER_IDS_SQL[service], (tenant_id,))}

    def outbox(self, service: str, tenant_id: str) -> list[tuple[str, str, str | None, bool]]:
        """(event_id, event_type, subject, sent) of the tenant's outbox rows in `service`."""
        return self.rows(
            service,
            "SELECT event_id, event_type, subject, sent_at IS NOT NULL FROM outbox WHERE tenant_id = %s",
            (tenant_id,),
        )

    def processed(self, service: str, event_ids: list[str]) -> set[str]:
        if not event_ids:
            return set()
        rows = self.rows(
            service, "SELECT event_id FROM processed_events WHERE event_id = ANY(%s)", (event_ids,)
        )
        return {r[0] for r in rows}

    def synced(self, tenant_id: str) -> set[str]:
        rows = self.rows(
            "accounting-sync",
            "SELECT customer_id FROM customer_sync WHERE tenant_id = %s AND status = 'synced'",
            (tenant_id,),
        )
        return {r[0] for r in rows}


# ------------------------------------------------------------------------------------ results


@dataclass
class Row:
    scenario: str
    created: int = 0  # 201s
    failed: int = 0  # requests without a 201
    slowest_failure: float = 0.0
    published: int = 0
    pending: int = 0
    delivered: int = 0
    applied: int = 0
    expected: int = 0  # applications the workload calls for
    applied_twice: int = 0
    absorbed: int = 0  # redeliveries the inboxes recognised
    synced: int = 0
    sage_contacts: int = 0
    in_db: int = 0  # the tenant's customers in the customers DB (201s + any whose answer was lost)
    lost: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    ok_under_fault: bool = True  # where requests may fail: they failed only as and when allowed

    @property
    def not_applied(self) -> int:
        return self.expected - self.applied


COLUMNS = [
    ("scenario", lambda r: r.scenario),
    ("created", lambda r: r.created),
    ("req failed", lambda r: f"{r.failed} (max {r.slowest_failure:.1f}s)" if r.failed else "0"),
    ("published", lambda r: r.published if not r.pending else f"{r.published} +{r.pending} pending"),
    ("delivered", lambda r: r.delivered),
    ("applied", lambda r: f"{r.applied}/{r.expected}"),
    ("redelivered", lambda r: r.absorbed),
    ("applied twice", lambda r: r.applied_twice),
    ("synced", lambda r: r.synced),
    ("in Sage", lambda r: r.sage_contacts),
    ("lost", lambda r: r.lost),
    ("secs", lambda r: f"{r.seconds:.0f}"),
]


def table(rows: list[Row]) -> str:
    cells = [[name for name, _ in COLUMNS]] + [[str(get(r)) for _, get in COLUMNS] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    out = [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(c) for c in cells[1:]]
    notes = [f"  {r.scenario}: {n}" for r in rows for n in r.notes]
    if notes:
        out += ["notes:", *notes]
    out.append(
        "applied = inbox rows / applications the events call for; redelivered = deliveries the inboxes "
        "recognised as already applied; lost = 201s missing from the customers DB or any read model"
    )
    return "\n".join(out)


# ------------------------------------------------------------------------------------ a scenario


class Sim:
    """The Sage simulator's admin endpoints (faults, contacts)."""

    def __init__(self, url: str, business: str):
        self.http = ApiSession(url, headers={"X-Business": business}, timeout=15)

    def faults(self, **faults) -> dict:
        r = self.http.post("/__admin/faults", json=faults)
        assert r.status_code == 200, r.text
        return r.json()

    def contacts(self, search: str) -> list[dict]:
        r = self.http.get("/__admin/contacts", params={"search": search})
        assert r.status_code == 200, r.text
        return r.json()["contacts"]


class Scenario:
    """One chaos scenario on one tenant: `load(...)`, break something, then `settle_and_count()`."""

    def __init__(self, name: str, system: System, tenant, queue: TestQueue, settle_timeout: float = 120.0):
        self.name, self.system, self.tenant, self.queue = name, system, tenant, queue
        self.settle_timeout = settle_timeout
        self.db = Databases(system.database_urls)
        self.sim = Sim(system.sage_url, tenant.sage_business)
        self.token = letters(10)
        self.loads: list[Load] = []
        self.t0 = time.monotonic()
        self.log_offsets = {w: _size(system.processes[f"{w}-worker"].log_path) for w in WORKERS}
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def load(self, n: int, concurrency: int = 16, rate: float | None = None, timeout: float = 30.0) -> Load:
        key = self.tenant.admin_key
        prefix = f"{self.token}-{len(self.loads)}"
        load = Load(lambda: self.system.client(key), self.token, prefix, n, concurrency, rate, timeout)
        self.loads.append(load)
        return load.start()

    @property
    def created(self) -> list[str]:
        return [cid for load in self.loads for cid in load.created]

    def progress(self, worker: str) -> int:
        """How far `worker` got with this scenario's customers (for killing it mid-batch)."""
        tid = self.tenant.id
        try:
            if worker == "customers":
                return sum(1 for *_, sent in self.db.outbox("customers", tid) if sent)
            if worker == "accounting-sync":
                return len(self.db.synced(tid))
            return len(self.db.customer_ids(worker, tid))
        except psycopg.OperationalError:
            return 0

    def wait_progress(self, worker: str, at_least: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.progress(worker) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"{worker} did not reach {at_least} within {timeout:.0f}s")
            time.sleep(0.05)

    # -- counting -------------------------------------------------------------------------------

    def _settled(self, created: set[str]) -> str | None:
        """None once everything the created customers call for has happened; else what is missing."""
        tid = self.tenant.id
        for service in SERVICES:
            if any(not sent for *_, sent in self.db.outbox(service, tid)):
                return f"{service} outbox has pending rows"
            missing = created - self.db.customer_ids(service, tid)
            if missing:
                return f"{len(missing)} customers not yet in {service}"
        missing = created - self.db.synced(tid)
        if missing:
            return f"{len(missing)} customers not yet synced"
        published = {e[0] for s in SERVICES for e in self.db.outbox(s, tid)}
        expected = self._expected(tid)
        for service, ids in expected.items():
            if len(self.db.processed(service, sorted(ids))) < len(ids):
                return f"{service} has not applied every event yet"
        self.queue.poll()
        delivered = {m.body["id"] for m in self.queue.messages if m.body.get("tenantid") == tid}
        if published - delivered:
            return f"{len(published - delivered)} events not yet on the test queue"
        return None

    def _expected(self, tid: str) -> dict[str, set[str]]:
        expected: dict[str, set[str]] = {s: set() for s in SERVICES}
        for service in SERVICES:
            for event_id, event_type, _subject, _sent in self.db.outbox(service, tid):
                for consumer in CONSUMERS.get(event_type, ()):
                    expected[consumer].add(event_id)
        return expected

    def settle_and_count(self) -> Row:
        for load in self.loads:
            load.join(timeout=600)
        created = set(self.created)
        deadline = time.monotonic() + self.settle_timeout
        row = Row(self.name, notes=list(self.notes))
        while True:
            try:
                why = self._settled(created)
            except psycopg.OperationalError as exc:
                why = f"database: {exc}"
            if why is None:
                break
            if time.monotonic() > deadline:
                row.notes.append(f"not settled after {self.settle_timeout:.0f}s: {why}")
                break
            time.sleep(0.5)
        self.queue.get_all(timeout=1.0)  # late duplicates, if any, arrive now
        self._count(row, created)
        row.seconds = time.monotonic() - self.t0
        return row

    def _count(self, row: Row, created: set[str]) -> None:
        tid = self.tenant.id
        attempts = [a for load in self.loads for a in load.attempts]
        row.created = len(created)
        failures = [a for a in attempts if not a.customer_id]
        row.failed = len(failures)
        row.slowest_failure = max((a.seconds for a in failures), default=0.0)
        if failures:
            statuses = Counter(a.status for a in failures)
            row.notes.append(f"failed requests by status: {dict(statuses)}")

        outbox = {s: self.db.outbox(s, tid) for s in SERVICES}
        rows = [e for s in SERVICES for e in outbox[s]]
        row.published = sum(1 for *_, sent in rows if sent)
        row.pending = sum(1 for *_, sent in rows if not sent)
        by_type = Counter(e[1] for e in rows)
        row.notes.append("published by type: " + ", ".join(f"{t} {k}" for t, k in sorted(by_type.items())))
        delivered = [m.body["id"] for m in self.queue.messages if m.body.get("tenantid") == tid]
        row.delivered = len(set(delivered))
        if len(delivered) > len(set(delivered)):
            row.notes.append(f"{len(delivered) - len(set(delivered))} events delivered again (at least once)")

        expected = self._expected(tid)
        row.expected = sum(len(ids) for ids in expected.values())
        row.applied = sum(len(self.db.processed(s, sorted(ids))) for s, ids in expected.items())

        # applied twice, 1: an event id a worker logged as applied more than once (over its lives)
        twice = 0
        for worker in WORKERS:
            applied, duplicates = self._log_outcomes(worker, tid)
            row.absorbed += duplicates
            again = [eid for eid, k in applied.items() if k > 1]
            if again:
                row.notes.append(f"{worker} applied {len(again)} events twice, e.g. {again[:3]}")
            twice += len(again)
        # 2: a customer created twice in Sage; 3: a customer linked twice
        contacts = self.sim.contacts(self.token)
        row.sage_contacts = len(contacts)
        per_customer = Counter(c.get("source_guid") for c in contacts)
        sage_twice = sum(k - 1 for k in per_customer.values() if k > 1)
        if sage_twice:
            row.notes.append(f"{sage_twice} customers created twice in Sage")
        links = Counter(e[2] for e in outbox["accounting-sync"] if e[1] == "accounting.customer_linked")
        linked_twice = sum(k - 1 for k in links.values() if k > 1)
        if linked_twice:
            row.notes.append(f"{linked_twice} customers linked twice")
        row.applied_twice = twice + sage_twice + linked_twice
        in_customers = self.db.customer_ids("customers", tid)
        row.in_db = len(in_customers)
        if in_customers - created:
            row.notes.append(
                f"{len(in_customers - created)} customers committed whose 201 never reached the client"
            )

        row.synced = len(created & self.db.synced(tid))
        lost: set[str] = set()
        for service in SERVICES:
            missing = created - self.db.customer_ids(service, tid)
            if missing:
                row.notes.append(f"{len(missing)} created customers missing in {service}")
            lost |= missing
        row.lost = len(lost)

    def _log_outcomes(self, worker: str, tid: str) -> tuple[Counter, int]:
        """Per event id: how often `worker` logged it applied; and how many duplicates it absorbed."""
        applied: Counter = Counter()
        duplicates = 0
        path = self.system.processes[f"{worker}-worker"].log_path
        with open(path, "rb") as fh:
            fh.seek(self.log_offsets[worker])
            for raw in fh:
                if b'"outcome"' not in raw or tid.encode() not in raw:
                    continue
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue  # a line cut by SIGKILL
                if line.get("tenant_id") != tid:
                    continue
                if line.get("outcome") == "applied":
                    applied[line.get("event_id")] += 1
                elif line.get("outcome") == "duplicate":
                    duplicates += 1
        return applied, duplicates


def _size(path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def check(row: Row, *, failures_allowed: bool = False, max_failure_seconds: float = 10.0) -> None:
    """The promises: nothing lost, nothing applied twice, every customer synced once, all published
    and applied; requests fail only where the scenario breaks the request path, and fast."""
    report = table([row])
    assert not any("not settled" in n for n in row.notes), report
    assert row.lost == 0, report
    assert row.applied_twice == 0, report
    assert row.pending == 0 and row.published == row.delivered, report
    assert row.applied == row.expected, report
    # every customer in Sage exactly once: the 201s, and any committed whose answer was lost
    assert row.synced == row.created and row.sage_contacts == row.in_db, report
    if failures_allowed:
        assert row.ok_under_fault and row.slowest_failure <= max_failure_seconds, report
    else:
        assert row.failed == 0, report


# ------------------------------------------------------------------------------------ scenarios


def wait_answering(client: ApiSession, timeout: float = 60.0, in_a_row: int = 12) -> float:
    """Poll a cheap read through the gateway until it answers 200 `in_a_row` times (upstream back,
    breakers closed); return when that was (time.monotonic()). Several in a row, because each
    gateway worker process keeps its own breaker: one 200 shows only one worker's is closed."""
    deadline = time.monotonic() + timeout
    streak = 0
    while True:
        try:
            # a new connection each time, so the probes reach every gateway worker
            r = client.get(
                "/v1/customers", params={"page_size": 1}, headers={"Connection": "close"}, timeout=5
            )
            ok = r.status_code == 200
        except Exception:  # noqa: BLE001 - not back yet
            ok = False
        streak = streak + 1 if ok else 0
        if streak >= in_a_row:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the gateway did not answer 200 {in_a_row} times in a row within {timeout:.0f}s"
            )
        time.sleep(0.05 if ok else 0.2)


def broker_outage(s: Scenario, broker, n: int, outage: float, concurrency: int = 16) -> Row:
    """The broker is stopped for `outage` seconds; `n` customers are created meanwhile."""
    broker.stop()
    stopped = time.monotonic()
    try:
        load = s.load(n, concurrency=concurrency)
        while load.done < n and time.monotonic() - stopped < outage:
            time.sleep(0.1)
        during = load.done
        remaining = outage - (time.monotonic() - stopped)
        if remaining > 0:
            time.sleep(remaining)
    finally:
        broker.start()
    s.note(f"broker down {time.monotonic() - stopped:.0f}s; {during}/{n} creations answered meanwhile")
    return s.settle_and_count()


def workers_killed(s: Scenario, workers: tuple[str, ...], n: int, rate: float) -> Row:
    """Each worker in turn is SIGKILLed mid-batch (once it has done a fifth of its share) and restarted."""
    load = s.load(n, concurrency=8, rate=rate)
    for worker in workers:
        s.wait_progress(worker, max(1, n // 5))
        at = s.progress(worker)
        s.system.kill(f"{worker}-worker")
        s.note(f"{worker}-worker SIGKILLed at {at}/{n} (load {load.done}/{n})")
        s.system.start(f"{worker}-worker", wait=False)
    for worker in workers:
        s.system.wait_ready(f"{worker}-worker")
    return s.settle_and_count()


def web_killed(
    s: Scenario, n: int, rate: float, down: float, victim: str = "customers-web", max_failure: float = 5.0
) -> Row:
    """`victim` is SIGKILLed under a paced load, stays down `down` seconds, and is started again.
    While it is down requests fail fast (502/503/504); once the gateway answers again all succeed."""
    load = s.load(n, concurrency=8, rate=rate, timeout=30)
    while load.done < n // 5:
        time.sleep(0.05)
    s.system.kill(victim)
    killed, at = time.monotonic(), load.done
    time.sleep(down)
    s.system.start(victim)
    recovered = wait_answering(s.system.client(s.tenant.admin_key))
    s.note(
        f"{victim} SIGKILLed at {at}/{n}; down {down:.0f}s; answering again after {recovered - killed:.1f}s"
    )
    load.join(timeout=600)
    after = s.load(n // 2, concurrency=8)  # once it answers again, everything succeeds
    row = s.settle_and_count()
    failures = load.failures
    bad = [a for a in failures if a.status not in FAILURE_STATUSES]
    late = [a for a in failures if a.at > recovered] + after.failures
    row.notes.append(f"{len(after.created)}/{after.n} sent after the restart succeeded")
    if bad:
        row.notes.append(f"{len(bad)} failures were not 502/503/504, e.g. {bad[0]}")
    if late:
        row.notes.append(f"{len(late)} requests failed after the service answered again, e.g. {late[0]}")
    if row.slowest_failure > max_failure:
        row.notes.append(f"a failed request took {row.slowest_failure:.1f}s (limit {max_failure:.0f}s)")
    row.ok_under_fault = not bad and not late and row.slowest_failure <= max_failure
    return row


def sage_failing(s: Scenario, n: int, concurrency: int = 8) -> Row:
    """The Sage simulator fails 20% of its calls (10% 429 with Retry-After, 10% 500)."""
    s.sim.faults(**{**NO_FAULTS, "error_rate_429": 0.1, "error_rate_500": 0.1, "retry_after": 1})
    try:
        s.load(n, concurrency=concurrency)
        return s.settle_and_count()
    finally:
        s.sim.faults(**NO_FAULTS)


def postgres_restarted(
    s: Scenario, n: int, rate: float, restart: Callable[[], None], max_failure: float = 30.0
) -> Row:
    """PostgreSQL (every service's database) is restarted under a paced load."""
    load = s.load(n, concurrency=8, rate=rate, timeout=30)
    while load.done < n // 4:
        time.sleep(0.05)
    began, at = time.monotonic(), load.done
    restart()
    recovered = wait_answering(s.system.client(s.tenant.admin_key), timeout=120)
    s.note(f"PostgreSQL restarted at {at}/{n}; gateway answering again after {recovered - began:.1f}s")
    load.join(timeout=600)
    after = s.load(n // 2, concurrency=8)  # once it answers again, everything succeeds
    row = s.settle_and_count()
    late = [a for a in load.failures if a.at > recovered + 1.0] + after.failures
    row.notes.append(f"{len(after.created)}/{after.n} sent after the restart succeeded")
    if late:
        row.notes.append(f"{len(late)} requests failed after recovery, e.g. {late[0]}")
    row.ok_under_fault = not late and row.slowest_failure <= max_failure
    return row
