"""The measurements of `make bench`; each returns a result row: the figure and its anchor's figure,
both measured in this run on this machine."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pika
from data import connect

from harness.infra import amqp_parameters, vhost_of
from harness.processes import Process, System, free_port

HERE = Path(__file__).resolve().parent


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`, in the values' unit."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def latency_text(values: list[float]) -> str:
    return f"p50 {ms(pct(values, 50))}, p95 {ms(pct(values, 95))}"


def row(measure: str, figure: str, anchor: str, anchor_figure: str, **data) -> dict:
    return {
        "measure": measure,
        "figure": figure,
        "anchor": anchor,
        "anchor_figure": anchor_figure,
        "data": data,
    }


# ------------------------------------------------------------------------------- HTTP with wrk

WRK_SCRIPT = """
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS_FILE")) do ids[#ids + 1] = line end
local prefix = os.getenv("BENCH_PATH_PREFIX")
local i = math.random(#ids)
request = function()
  i = i % #ids + 1
  return wrk.format("GET", prefix .. ids[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
    .. '"non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


class Nginx:
    """Debian's nginx as an unprivileged process proxying the customers service; config under the run dir."""

    def __init__(self, system: System, upstream_port: int):
        self.system = system
        self.port = free_port()
        # its own world-traversable directory: when the bench runs as root, nginx runs as nobody
        self.dir = Path(tempfile.mkdtemp(prefix="fbbench-nginx-", dir=system.run_dir))
        self.dir.chmod(0o777)
        for sub in ("tmp", "logs"):
            (self.dir / sub).mkdir()
            (self.dir / sub).chmod(0o777)
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"""
daemon off;
worker_processes 2;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/tmp/body;
  proxy_temp_path {self.dir}/tmp/proxy;
  fastcgi_temp_path {self.dir}/tmp/fastcgi;
  uwsgi_temp_path {self.dir}/tmp/uwsgi;
  scgi_temp_path {self.dir}/tmp/scgi;
  upstream customers {{ server 127.0.0.1:{upstream_port}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://customers;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_read_timeout 30s;
    }}
  }}
}}
"""
        )
        conf.chmod(0o644)
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        argv = [exe, "-e", f"{self.dir}/logs/error.log", "-p", str(self.dir), "-c", str(conf)]
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *argv]
        self.process = Process(
            "nginx",
            argv,
            dict(os.environ),
            self.dir,
            system.log_dir / "nginx.log",
            f"http://127.0.0.1:{self.port}/healthz",
        )
        system.processes["nginx"] = self.process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process.start()
        self.process.wait_ready(30)


def wrk(
    base_url: str, prefix: str, ids_file: Path, headers: dict[str, str], seconds: int, run_dir: Path
) -> dict:
    script = run_dir / "bench-get.lua"
    script.write_text(WRK_SCRIPT)
    argv = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "5s", "-s", str(script)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(base_url)
    env = {**os.environ, "BENCH_IDS_FILE": str(ids_file), "BENCH_PATH_PREFIX": prefix}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=seconds + 60, check=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    result = json.loads(line[len("BENCH_JSON ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def http_get(system: System, key: str, tenant_id: str, ids: list[str], seconds: int) -> list[dict]:
    customers_port = int(system.customers_url.rsplit(":", 1)[1])
    nginx = Nginx(system, customers_port)
    nginx.start()
    ids_file = system.run_dir / "bench-ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    internal = {
        "X-Internal-Token": system.internal_token,
        "X-Tenant-Id": tenant_id,
        "X-Role": "admin",
        "X-Actor": "bench",
    }
    targets = [
        ("gateway", system.gateway_url, {"Authorization": f"Bearer {key}"}),
        ("direct", system.customers_url, internal),
        ("nginx", nginx.url, internal),
    ]
    results = {}
    for name, url, headers in targets:
        wrk(url, "/v1/customers/", ids_file, headers, 2, system.run_dir)  # warm-up
        results[name] = wrk(url, "/v1/customers/", ids_file, headers, seconds, system.run_dir)

    def text(r):
        bad = r["non_2xx"] + r["socket_errors"]  # shown, never hidden: a failed request is no throughput
        failed = f", **{bad:,} of {r['requests']:,} failed**" if bad else ""
        return (
            f"{r['rps']:,.0f} req/s, p50 {r['p50_us'] / 1000:.1f} ms, p95 {r['p95_us'] / 1000:.1f} ms{failed}"
        )

    measure = "GET /v1/customers/{id} through the gateway (wrk, 16 connections)"
    return [
        row(
            measure,
            text(results["gateway"]),
            "direct to customers (no proxy)",
            text(results["direct"]),
            **results,
        ),
        row(measure, "〃", "nginx proxying customers", text(results["nginx"])),
    ]


# ------------------------------------------------------------------------------------- search


def _sql(stmt) -> str:
    from sqlalchemy.dialects import postgresql

    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def search(system: System, client, tenant_id: str, sample: list[dict], per_kind: int) -> list[dict]:
    """The same queries through the gateway and as the service's own SQL run directly with psycopg."""
    from sqlalchemy import select

    from customers.store.models import Contact
    from customers.store.queries import (
        SEARCH_TOTAL_CAP,
        CustomerFilters,
        count_query,
        customers_query,
        matches_then_order,
    )

    kinds = {
        "name": [s["name"] for s in sample],
        "postcode": [s["postcode"] for s in sample],
        "contact surname": [s["contact_surname"] for s in sample if s["contact_surname"]],
    }
    conninfo = pg(system, "customers")
    rows = []
    with connect(conninfo) as conn:
        for kind, terms in kinds.items():
            terms = terms[:per_kind]
            via_gateway, direct, hits, plans = [], [], [], []
            # each query once untimed first: both figures are then of pages in memory, as a business's
            # working set is (before, the SQL ran second and read what the gateway's query had loaded)
            for term in terms:
                client.get("/v1/customers", params={"q": term, "page_size": 25}).raise_for_status()
            for i, term in enumerate(terms):
                started = time.perf_counter()
                r = client.get("/v1/customers", params={"q": term, "page_size": 25})
                via_gateway.append(time.perf_counter() - started)
                r.raise_for_status()
                hits.append(int(json.loads(r.headers["X-Pagination"])["total"]))
                filters = CustomerFilters(q=term)
                stmt = customers_query(tenant_id, filters)
                page_sql = _sql(matches_then_order(stmt, filters.sort).limit(25))  # as the service pages
                count_sql = _sql(count_query(stmt, SEARCH_TOTAL_CAP))  # as the service counts
                started = time.perf_counter()
                total = min(conn.execute(count_sql).fetchone()[0], SEARCH_TOTAL_CAP)
                ids = [x[0] for x in conn.execute(page_sql).fetchall()]
                if ids:
                    conn.execute(_sql(select(Contact).where(Contact.customer_id.in_(ids))))
                direct.append(time.perf_counter() - started)
                if total != hits[-1]:
                    raise RuntimeError(f"search {term!r}: gateway says {hits[-1]} hits, SQL says {total}")
                if i == 0:
                    plan = "\n".join(x[0] for x in conn.execute("EXPLAIN " + page_sql).fetchall())
                    plans.append(plan)
            used = sorted(set(re.findall(r"on (ix_\w+_trgm)", "\n".join(plans))))
            rows.append(
                row(
                    f"search q=<{kind}> through the gateway ({len(terms)} queries, "
                    f"median {statistics.median(hits):.0f} hits)",
                    latency_text(via_gateway),
                    "the same SQL run directly (psycopg)",
                    f"{latency_text(direct)}; trigram indexes used: {', '.join(used) or 'NONE'}",
                    search_kind=kind.replace(" ", "_"),
                    gateway_s=via_gateway,
                    direct_s=direct,
                    hits=hits,
                    trigram_indexes=used,
                    plan=plans[0] if plans else "",
                )
            )
    return rows


def pg(system: System, service: str) -> str:
    from harness.infra import _pg_conninfo

    return _pg_conninfo(system.database_urls[service])


# ---------------------------------------------------------------------------------- invoices


def invoice_body(i: int) -> dict:
    day = 1 + i % 27
    return {
        "invoice_date": f"2025-{1 + i % 12:02d}-{day:02d}",
        "lines": [
            {
                "description": "Boiler service",
                "quantity": "1",
                "unit_price": f"{60 + i % 90}.50",
                "vat_rate": "20",
            },
            {"description": "Parts", "quantity": "2", "unit_price": "12.35", "vat_rate": "20"},
        ],
    }


def post_invoices(client_factory, customer_ids: list[str], threads: int = 8) -> tuple[int, float, int]:
    """POST one invoice per id (ids may repeat); returns (count, seconds, retried 503s)."""
    local = threading.local()
    retried: list[str] = []

    def one(item):
        i, cid = item
        if not hasattr(local, "client"):
            local.client = client_factory()
        for attempt in range(6):  # 503 "try again in a moment": billing could not reach customers
            r = local.client.post(f"/v1/customers/{cid}/invoices", json=invoice_body(i))
            if r.status_code != 503:
                break
            retried.append(cid)
            time.sleep(0.5 * (attempt + 1))
        if r.status_code != 201:
            raise RuntimeError(f"invoice for {cid}: {r.status_code} {r.text[:300]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, enumerate(customer_ids)))
    return len(customer_ids), time.perf_counter() - started, len(retried)


# ----------------------------------------------------------------------------- statement PDF


def raw_reportlab(statement: dict) -> bytes:
    """The statement's two long tables (its items, its unpaid invoices), drawn with reportlab and
    nothing else: the rows the service's PDF draws, without its letterhead, footer or styles."""
    from io import BytesIO

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    items = [["Date", "Type", "Reference", "Description", "Debit", "Credit", "Balance"]]
    for it in statement["items"]:
        items.append(
            [
                it["date"],
                it["kind"],
                it.get("reference") or "",
                (it.get("description") or "")[:40],
                it.get("debit") or "",
                it.get("credit") or "",
                it.get("balance") or "",
            ]
        )
    columns = ("reference", "invoice_date", "due_date", "days_overdue", "total", "outstanding")
    unpaid = [["Invoice", "Date", "Due", "Days overdue", "Total", "Outstanding"]]
    unpaid += [[inv[c] for c in columns] for inv in statement["unpaid_invoices"]]
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 7)])
    tables = [Table(rows, repeatRows=1) for rows in (items, unpaid)]
    for table in tables:
        table.setStyle(style)
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(tables)
    return out.getvalue()


def statement_pdf(client, customer_id: str, invoices: int, repeats: int = 5) -> list[dict]:
    statement = client.get(f"/v1/customers/{customer_id}/statement").json()
    unpaid = len(statement["unpaid_invoices"])
    if unpaid < invoices:
        raise RuntimeError(f"the statement customer shows {unpaid} unpaid invoices, expected {invoices}")
    service_s, raw_s, size = [], [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        r = client.get(f"/v1/customers/{customer_id}/statement.pdf", timeout=300)
        service_s.append(time.perf_counter() - started)
        r.raise_for_status()
        assert r.content.startswith(b"%PDF"), r.content[:50]
        size = len(r.content)
        started = time.perf_counter()
        raw = raw_reportlab(statement)
        raw_s.append(time.perf_counter() - started)
    return [
        row(
            f"statement PDF, {unpaid:,} invoices, through the gateway ({repeats} runs)",
            f"{latency_text(service_s)} ({size // 1024} KiB)",
            "raw reportlab drawing the same two tables (in process)",
            f"{latency_text(raw_s)} ({len(raw) // 1024} KiB)",
            service_s=service_s,
            raw_s=raw_s,
        )
    ]


# ---------------------------------------------------------------------- customer.created → ref


def sync_latency(system: System, client_factory, rate: float, count: int, timeout: float = 300) -> list[dict]:
    """Create `count` customers at `rate`/s; time from each 201 to its accounts ref being visible."""
    token = uuid.uuid4().hex[:6]
    created: dict[str, float] = {}
    visible: dict[str, float] = {}
    lock = threading.Lock()
    local = threading.local()
    failures = []
    post_s: list[float] = []

    def create(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = client_factory()
        body = {
            "type": "private",
            "first_name": "Sync",
            "surname": f"Bench{token}{i:05d}",
            "address": {
                "line_1": f"{i} Sync Street",
                "town": "Leeds",
                "postcode": f"LS{1 + i % 28} {1 + i % 9}QQ",
            },
            "email": f"sync.{token}.{i}@bench.example",
        }
        sent = time.monotonic()
        r = local.client.post("/v1/customers", json=body)
        now = time.monotonic()
        with lock:
            post_s.append(now - sent)
        if r.status_code != 201:
            failures.append(f"{r.status_code} {r.text[:200]}")
            return
        with lock:
            created[r.json()["id"]] = now

    stop = threading.Event()

    def watch() -> None:
        with connect(pg(system, "customers"), autocommit=True) as conn:
            while not stop.is_set():
                with lock:
                    pending = [cid for cid in created if cid not in visible]
                if pending:
                    found = conn.execute(
                        "SELECT id FROM customers WHERE id = ANY(%s) AND accounts_ref IS NOT NULL", (pending,)
                    ).fetchall()
                    now = time.monotonic()
                    for (cid,) in found:
                        visible[cid] = now
                stop.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        for i in range(count):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(create, i)
    achieved = count / (time.monotonic() - started)
    deadline = time.monotonic() + timeout
    while len(visible) < len(created) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    watcher.join()
    if failures:
        raise RuntimeError(f"{len(failures)} creations failed, e.g. {failures[0]}")
    latencies = [visible[c] - created[c] for c in visible]
    # what the database shows, a client sees: check a few through the gateway
    checker = client_factory()
    for cid in list(visible)[:10]:
        assert checker.get(f"/v1/customers/{cid}").json()["accounts_ref"], cid
    return [
        row(
            f"customer.created → accounts ref visible "
            f"({count} creations at {achieved:.0f}/s, Sage simulator)",
            f"{latency_text(latencies)}; {len(visible)}/{len(created)} linked",
            "the creations' own POST /v1/customers response time",
            latency_text(post_s),
            latencies_s=latencies,
            post_s=post_s,
            linked=len(visible),
            created=len(created),
            achieved_rate=achieved,
        )
    ]


# ---------------------------------------------------------------------------------------- bus


def template_event(system: System, client) -> dict:
    """A real customer.created CloudEvent as the customers service wrote it to its outbox."""
    r = client.post(
        "/v1/customers",
        json={
            "type": "private",
            "first_name": "Template",
            "surname": "Busbench",
            "address": {"line_1": "1 Bus Street", "town": "York", "postcode": "YO1 7HH"},
        },
    )
    r.raise_for_status()
    with connect(pg(system, "customers")) as conn:
        payload = conn.execute(
            "SELECT payload FROM outbox WHERE subject = %s AND event_type = 'customer.created'",
            (r.json()["id"],),
        ).fetchone()[0]
    return json.loads(payload)


def clone_events(template: dict, n: int, token: str) -> list[tuple[str, str, str]]:
    """(event id, subject, payload) for `n` new customer.created events shaped like `template`."""
    out = []
    for i in range(n):
        event = copy.deepcopy(template)
        cid, eid = str(uuid.uuid4()), str(uuid.uuid4())
        event["id"] = eid
        event["subject"] = cid
        data = event["data"]
        data["id"] = cid
        if "surname" in data:
            data["surname"] = f"Bus{token}{i:06d}"
        if "display_name" in data:
            data["display_name"] = f"Template Bus{token}{i:06d}"
        if "email" in data:
            data["email"] = f"bus.{token}.{i}@bench.example"
        out.append((eid, cid, json.dumps(event)))
    return out


RAW_QUEUE = "bench.raw"  # the raw anchors' routing key; its queues are bench.raw.0, .1, ...


def raw_queues(fanout: int) -> list[str]:
    return [f"{RAW_QUEUE}.{k}" for k in range(fanout)]


def queues_reached(system: System, event_type: str) -> int:
    """How many queues of the events exchange an event of `event_type` reaches (every service that
    consumes it, bound by its exact type: messaging/topology.py), from the broker's bindings."""
    out = system.broker.ctl(
        "list_bindings",
        "-p",
        vhost_of(system.amqp_url),
        "--quiet",
        "--no-table-headers",
        "source_name",
        "routing_key",
        "destination_kind",
    )
    rows = [line.split("\t") for line in out.splitlines() if line.strip()]
    return sum(1 for r in rows if r[:3] == ["fieldbook.events", event_type, "queue"]) or 1


def raw_properties(i: int) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/cloudevents+json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=str(i),
        type=RAW_QUEUE,
        headers={"tenantid": "bench"},
    )


def _declare_raw(channel, fanout: int) -> None:
    for name in raw_queues(fanout):
        channel.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(name, "fieldbook.events", routing_key=RAW_QUEUE)


def _delete_raw(amqp_url: str, fanout: int) -> None:
    with pika.BlockingConnection(amqp_parameters(amqp_url, timeout=30)) as cleanup:
        channel = cleanup.channel()
        for name in raw_queues(fanout):
            channel.queue_delete(name)


def raw_pika(amqp_url: str, bodies: list[str], fanout: int = 1) -> float:
    """Publish the bodies one by one with publisher confirms (persistent, mandatory) to `fanout`
    quorum queues at once: a blocking channel waits for each confirm before the next publish (the
    relay's way before pipelining)."""
    conn = pika.BlockingConnection(amqp_parameters(amqp_url, timeout=30))
    try:
        ch = conn.channel()
        _declare_raw(ch, fanout)
        ch.confirm_delivery()
        started = time.perf_counter()
        for i, body in enumerate(bodies):
            ch.basic_publish("fieldbook.events", RAW_QUEUE, body.encode(), raw_properties(i), mandatory=True)
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    _delete_raw(amqp_url, fanout)
    return elapsed


def raw_pika_pipelined(amqp_url: str, bodies: list[str], fanout: int = 1) -> float:
    """The same bodies with pipelined confirms, straight on pika's asynchronous adapter: every
    publish goes out, then the run waits for the confirms of all (acks cover several with
    `multiple`). The ceiling of a relay that waits once per batch. A confirm comes once every queue
    the message reaches has it, so the anchor of the relay's customer.created reaches as many
    quorum queues (`fanout`) as that event does."""
    with pika.BlockingConnection(amqp_parameters(amqp_url, timeout=30)) as setup:
        _declare_raw(setup.channel(), fanout)
    timing: dict[str, float] = {}
    confirmed = [0]

    def on_open(connection):
        connection.channel(on_open_callback=on_channel)

    def on_channel(channel):
        channel.confirm_delivery(on_confirm, callback=lambda _f: publish(channel))

    def publish(channel):
        timing["started"] = time.perf_counter()
        for i, body in enumerate(bodies):
            channel.basic_publish(
                "fieldbook.events", RAW_QUEUE, body.encode(), raw_properties(i), mandatory=True
            )

    def on_confirm(frame):
        # acks come in order; a `multiple` one covers every tag up to its own
        confirmed[0] = max(confirmed[0], frame.method.delivery_tag)
        if confirmed[0] >= len(bodies) and "elapsed" not in timing:
            timing["elapsed"] = time.perf_counter() - timing["started"]
            conn.close()

    conn = pika.SelectConnection(
        amqp_parameters(amqp_url, timeout=30),
        on_open_callback=on_open,
        on_close_callback=lambda _c, _r: conn.ioloop.stop(),
    )
    conn.ioloop.start()
    _delete_raw(amqp_url, fanout)
    if "elapsed" not in timing:
        raise RuntimeError(f"pipelined raw pika: {confirmed[0]} of {len(bodies)} confirmed")
    return timing["elapsed"]


CONSUMERS = ("billing", "assets", "comms", "accounting-sync")


def _poll(conn, query: str, params: tuple, n: int, deadline: float, pause: float) -> tuple:
    """Run `query` every `pause` seconds until its first column (a count) is `n` or the deadline has
    passed; the last row."""
    while True:
        found = conn.execute(query, params).fetchone()
        if found[0] == n or time.monotonic() > deadline:
            return found
        time.sleep(pause)


def _commit_to_outbox(conn, tenant_id: str, events: list[tuple[str, str, str]]):
    """COPY `events` (event id, customer id, payload) into customers' outbox as customer.created
    rows, in one transaction; the database's clock read just before, their created_at."""
    with conn.transaction():
        # read the clock before COPY starts: a query on the connection during COPY deadlocks
        now = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        with conn.cursor().copy(
            "COPY outbox (event_id, event_type, tenant_id, subject, payload, created_at, attempts) FROM STDIN"
        ) as cp:
            for eid, cid, payload in events:
                cp.write_row((eid, "customer.created", tenant_id, cid, payload, now, 0))
    return now


def _relay_rate(system: System, tenant_id: str, events, deadline: float) -> tuple[int, float, datetime]:
    """Commit `events` to customers' outbox at once; (rows sent, seconds from that commit to the
    last one marked sent, the commit's time)."""
    with connect(pg(system, "customers"), autocommit=True) as conn:
        now = _commit_to_outbox(conn, tenant_id, events)
        sent, _first, last = _poll(
            conn,
            "SELECT count(*), min(sent_at), max(sent_at) FROM outbox"
            " WHERE event_id = ANY(%s) AND sent_at IS NOT NULL",
            ([e[0] for e in events],),
            len(events),
            deadline,
            0.2,
        )
    return sent, (last - now).total_seconds(), now


def bus(system: System, client, tenant_id: str, n: int, timeout: float = 300) -> list[dict]:
    """The relay alone, beside raw pika (nothing else runs while either publishes: the other
    services' workers are stopped, their queues fill); then the flow: `n` more events committed
    while every consumer runs, each consumer's rate from that commit to its last inbox row, beside
    the relay's rate in that same flow."""
    template = template_event(system, client)
    template["tenantid"] = tenant_id
    alone = clone_events(template, n, uuid.uuid4().hex[:6])
    bodies = [e[2] for e in alone]
    fanout = queues_reached(system, "customer.created")
    raw_s = raw_pika(system.amqp_url, bodies, fanout)
    pipelined_s = raw_pika_pipelined(system.amqp_url, bodies, fanout)
    one_queue_s = raw_pika_pipelined(system.amqp_url, bodies)  # what the broker does for one queue
    workers = [name for name in system.processes if name.endswith("-worker") and name != "customers-worker"]
    for name in workers:
        system.processes[name].stop()
    try:
        sent_alone, relay_alone_s, _ = _relay_rate(system, tenant_id, alone, time.monotonic() + timeout)
    finally:
        for name in workers:
            system.processes[name].start()
    _wait_applied(system, [e[0] for e in alone], time.monotonic() + timeout)

    events = clone_events(template, n, uuid.uuid4().hex[:6])
    ids = [e[0] for e in events]
    deadline = time.monotonic() + timeout
    sent, relay_s, now = _relay_rate(system, tenant_id, events, deadline)
    applied = {}
    for service in CONSUMERS:
        with connect(pg(system, service), autocommit=True) as conn:
            count, done = _poll(
                conn,
                "SELECT count(*), max(processed_at) FROM processed_events WHERE event_id = ANY(%s)",
                (ids,),
                n,
                deadline,
                0.3,
            )
        applied[service] = (count, (done - now).total_seconds() if done else float("nan"))
    consumers = ", ".join(
        f"{s} {c / t:,.0f}/s" + ("" if c == n else f" ({c}/{n})") for s, (c, t) in applied.items()
    )
    return [
        row(
            f"bus: outbox relay alone, {n:,} customer.created rows committed at once",
            f"{sent_alone / relay_alone_s:,.0f} events/s ({sent_alone:,}/{n:,} sent)",
            f"raw pika, same broker, bodies and {fanout} quorum queues: pipelined confirms; a confirm"
            " per message (pipelined to one queue)",
            f"{n / pipelined_s:,.0f} events/s; {n / raw_s:,.0f} events/s ({n / one_queue_s:,.0f} events/s)",
            relay_s=relay_alone_s,
            raw_s=raw_s,
            raw_pipelined_s=pipelined_s,
            raw_pipelined_one_queue_s=one_queue_s,
            fanout=fanout,
            relay_events_per_s=sent_alone / relay_alone_s,
            raw_pipelined_events_per_s=n / pipelined_s,
        ),
        row(
            f"bus: {n:,} more with every consumer running: events/s applied (commit → last inbox row)",
            consumers,
            "the relay's rate in the same flow",
            f"{sent / relay_s:,.0f} events/s",
            applied={s: {"count": c, "seconds": t} for s, (c, t) in applied.items()},
            relay_events_per_s=sent / relay_s,
            consumer_events_per_s={s: c / t for s, (c, t) in applied.items()},
        ),
    ]


def _wait_applied(system: System, ids: list[str], deadline: float) -> None:
    """Until every consumer applied `ids` (the backlog the relay-alone run left in their queues)."""
    for service in CONSUMERS:
        with connect(pg(system, service), autocommit=True) as conn:
            _poll(
                conn,
                "SELECT count(*) FROM processed_events WHERE event_id = ANY(%s)",
                (ids,),
                len(ids),
                deadline,
                0.5,
            )


SCALED = "assets"  # the service whose consumer is measured with one worker and with two
SCALED_PARTITIONS = 4


def _relay_all(system: System, tenant_id: str, events: list[tuple[str, str, str]], timeout: float) -> None:
    """Commit `events` to customers' outbox at once and wait until its relay has sent them all."""
    ids = [e[0] for e in events]
    with connect(pg(system, "customers"), autocommit=True) as conn:
        _commit_to_outbox(conn, tenant_id, events)
        _poll(
            conn,
            "SELECT count(*) FROM outbox WHERE event_id = ANY(%s) AND sent_at IS NOT NULL",
            (ids,),
            len(ids),
            time.monotonic() + timeout,
            0.3,
        )


def consumer_scaling(system: System, client, tenant_id: str, n: int, timeout: float = 300) -> list[dict]:
    """SCALED's consumer over SCALED_PARTITIONS partition queues, with one worker process, then two:
    `n` customer.created events queued while its workers are stopped, then the workers started;
    the rate is from the first to the last inbox row (the processes' start-up left out)."""
    template = template_event(system, client)
    template["tenantid"] = tenant_id
    rates: dict[int, float] = {}
    for workers in (1, 2):
        names = system.partition_consumers(SCALED, SCALED_PARTITIONS, workers)
        try:
            for name in names:
                system.processes[name].stop()
            events = clone_events(template, n, uuid.uuid4().hex[:6])
            _relay_all(system, tenant_id, events, timeout)
            for name in names:
                system.processes[name].start()
            with connect(pg(system, SCALED), autocommit=True) as conn:
                count, first, last = _poll(
                    conn,
                    "SELECT count(*), min(processed_at), max(processed_at) FROM processed_events"
                    " WHERE event_id = ANY(%s)",
                    ([e[0] for e in events],),
                    n,
                    time.monotonic() + timeout,
                    0.3,
                )
            seconds = max((last - first).total_seconds(), 1e-3) if count else float("nan")
            rates[workers] = count / seconds
        finally:
            system.unpartition_consumers(SCALED, names, SCALED_PARTITIONS)
    return [
        row(
            f"bus: {SCALED} consumer, {n:,} events queued, {SCALED_PARTITIONS} partitions: two workers",
            f"{rates[2]:,.0f} events/s",
            "the same with one worker",
            f"{rates[1]:,.0f} events/s",
            workers_events_per_s=rates,
        )
    ]


# ---------------------------------------------------------------------------------- CSV import


def csv_import(
    system: System, client, customer_ids: list[str], rows_wanted: int, timeout: float = 1200
) -> list[dict]:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["customer_id", "name", "address_line_1", "town", "postcode"])
    for i in range(rows_wanted):
        cid = customer_ids[i % len(customer_ids)]
        w.writerow([cid, f"Site {i}", f"Unit {i} Bench Park", "Leeds", f"LS{1 + i % 28} {1 + i % 9}BZ"])
    body = buf.getvalue().encode()
    started = time.perf_counter()
    up = client.post(
        "/v1/imports?kind=work_addresses", data=body, headers={"Content-Type": "text/csv"}, timeout=300
    )
    if up.status_code != 201:
        raise RuntimeError(f"upload: {up.status_code} {up.text[:500]}")
    upload = up.json()
    mapping = upload["suggested_mapping"]
    if len(mapping) != 5:
        raise RuntimeError(f"suggested mapping incomplete: {mapping}")
    r = client.post(f"/v1/imports/{upload['id']}/mapping", json={"mapping": mapping})
    if r.status_code >= 300:
        raise RuntimeError(f"mapping: {r.status_code} {r.text[:500]}")
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"/v1/imports/{upload['id']}").json()
        if state["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    import_s = time.perf_counter() - started
    if state["status"] != "completed" or state["counts"]["created"] != rows_wanted:
        raise RuntimeError(f"import did not complete cleanly: {state}")
    with connect(pg(system, "customers"), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_csv_copy"
            " (customer_id text, name text, address_line_1 text, town text, postcode text)"
        )
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_csv_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
            cp.write(body)
        copy_s = time.perf_counter() - started
        copied = conn.execute("SELECT count(*) FROM bench_csv_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_csv_copy")
    return [
        row(
            f"CSV import of {rows_wanted:,} work addresses ({len(body) / 1e6:.1f} MB), upload → completed",
            f"{import_s:.1f} s ({rows_wanted / import_s:,.0f} rows/s)",
            "PostgreSQL COPY of the same file into a plain table",
            f"{copy_s:.2f} s ({copied / copy_s:,.0f} rows/s)",
            import_s=import_s,
            copy_s=copy_s,
        )
    ]


# ------------------------------------------------------------------------------------- memory


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp …
            pids.append(int(entry.name))
    return pids


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss(system: System) -> list[dict]:
    figures = {}
    for name, proc in system.processes.items():
        if proc.popen is None or not proc.alive:
            continue
        peaks = {pid: _hwm_kib(pid) for pid in _group_pids(proc.popen.pid)}
        figures[name] = sorted((kib for kib in peaks.values() if kib), reverse=True)
    webs = {n: v for n, v in figures.items() if n.endswith("-web")}
    workers = {n: v for n, v in figures.items() if n.endswith("-worker")}

    def text(group):
        return (
            "; ".join(f"{n.rsplit('-', 1)[0]} {max(v) / 1024:.0f}" for n, v in group.items() if v) + " (MiB)"
        )

    nginx = figures.get("nginx", [])
    return [
        row(
            "peak RSS per web process (largest gunicorn process of each service, VmHWM)",
            text(webs),
            "nginx (largest of its processes)",
            f"{max(nginx) / 1024:.0f} MiB" if nginx else "n/a",
            kib=figures,
        ),
        row("peak RSS per worker process (VmHWM)", text(workers), "—", "—"),
    ]
