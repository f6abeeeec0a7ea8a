"""`make bench`: the whole system on PostgreSQL + RabbitMQ, bulk data, one table of figures beside
their anchors (all measured in this run), written to bench/results.json and the README.

The system is the e2e harness's (tests-e2e/harness): every service's real processes on this run's
own databases and vhost, removed at the end. Settings (environment):

  BENCH_CUSTOMERS          customers loaded with COPY (default 1,000,000)
  BENCH_INVOICED           customers given an invoice through billing's API (default 10,000)
  BENCH_STATEMENT_INVOICES invoices of the statement customer (default 1,000)
  BENCH_IMPORT_ROWS        work addresses in the CSV import (default 100,000)
  BENCH_EVENTS             events through the outbox relay and raw pika (default 5,000)
  BENCH_SYNC_CREATIONS     customers created at BENCH_SYNC_RATE/s (default 500 at 50/s)
  BENCH_WRK_SECONDS        seconds per wrk run (default 15)
  BENCH_SEARCH_QUERIES     queries per search kind (default 30)
  BENCH_STEPS              comma list of steps to run (default all): invoices, http, search,
                           statement, sync, bus, import, rss
  E2E_AMQP_URL, E2E_DATABASE_URL  the servers, as for the e2e suite

A hung run prints every thread's stack on SIGUSR1 (`kill -USR1 <pid>`).
"""

from __future__ import annotations

import faulthandler
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests-e2e"), str(HERE)]

import data  # noqa: E402
import measure  # noqa: E402

from fieldbook_shared import service_table  # noqa: E402
from harness.infra import resolve  # noqa: E402
from harness.processes import new_system  # noqa: E402

SERVICES = [s.name for s in service_table.SERVICES]
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def ratios(rows: list[dict]) -> dict[str, float]:
    """Each figure over its anchor, both from this run (issue 14's goals; see bench/README.md)."""
    out: dict[str, float] = {}
    for r in rows:
        data = r.get("data") or {}
        if "raw_pipelined_events_per_s" in data:
            out["relay_vs_pika_pipelined"] = round(
                data["relay_events_per_s"] / data["raw_pipelined_events_per_s"], 3
            )
        for service, rate in (data.get("consumer_events_per_s") or {}).items():
            out[f"consumer_vs_relay.{service}"] = round(rate / data["relay_events_per_s"], 3)
        if "workers_events_per_s" in data:
            rates = data["workers_events_per_s"]
            out["consumer_2workers_vs_1"] = round(rates[2] / rates[1], 3)
        if "raw_s" in data and "service_s" in data:
            out["statement_pdf_vs_raw"] = round(
                measure.pct(data["service_s"], 50) / measure.pct(data["raw_s"], 50), 3
            )
        if "import_s" in data and "copy_s" in data:
            # the same rows: the import's rows/s over COPY's is COPY's time over the import's
            out["import_vs_copy"] = round(data["copy_s"] / data["import_s"], 3)
        if "gateway" in data and "direct" in data:  # the http row: wrk req/s, 16 connections
            out["gateway_vs_direct"] = round(data["gateway"]["rps"] / data["direct"]["rps"], 3)
    return out


def sage_ref_p95_ms(rows: list[dict]) -> float | None:
    """customer.created → accounts ref visible, p95 in ms (issue 14: ≤ 2,000 at 50 creations/s)."""
    for r in rows:
        latencies = (r.get("data") or {}).get("latencies_s")
        if latencies:
            return round(measure.pct(latencies, 95) * 1000, 1)
    return None


def search_p95_ms(rows: list[dict]) -> dict[str, float]:
    """p95 through the gateway of each search kind (name, postcode, contact_surname), in ms."""
    return {
        r["data"]["search_kind"]: round(measure.pct(r["data"]["gateway_s"], 95) * 1000, 1)
        for r in rows
        if "search_kind" in (r.get("data") or {})
    }


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def machine() -> dict:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))

    def version(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    return {
        "cpu": f"{cpu} × {os.cpu_count()}",
        "memory": f"{mem_kib / 1024 / 1024:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "nginx": version(["nginx", "-v"]),
        "wrk": version(["wrk", "-v"]),
    }


def table(rows: list[dict]) -> str:
    lines = ["| measurement | Fieldbook | anchor | anchor figure |", "|---|---|---|---|"]
    for r in rows:
        cells = [r["measure"], r["figure"], r["anchor"], r["anchor_figure"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def update_readme(markdown: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        say("README.md has no bench markers; not updated")
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{markdown}\n{README_END}{tail}")


def preflight(all_steps: list[str]) -> list[str] | None:
    """The steps BENCH_STEPS asks for (default: all); None, after saying why, when wrk or nginx
    (which the HTTP steps measure with) is missing or a step's name is unknown."""
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            print(f"bench: {tool} is not installed (make bench installs it with apt-get)", file=sys.stderr)
            return None
    steps = [s.strip() for s in os.environ.get("BENCH_STEPS", ",".join(all_steps)).split(",") if s.strip()]
    unknown = sorted(set(steps) - set(all_steps))
    if unknown:
        print(f"bench: unknown BENCH_STEPS {unknown}; known: {all_steps}", file=sys.stderr)
        return None
    return steps


def main() -> int:
    all_steps = ["invoices", "http", "search", "statement", "sync", "bus", "import", "rss"]
    steps = preflight(all_steps)
    if steps is None:
        return 2
    size = setting("BENCH_CUSTOMERS", 1_000_000)
    invoiced = min(setting("BENCH_INVOICED", 10_000), size)
    statement_invoices = setting("BENCH_STATEMENT_INVOICES", 1_000)
    import_rows = setting("BENCH_IMPORT_ROWS", 100_000)
    n_events = setting("BENCH_EVENTS", 5_000)
    sync_count = setting("BENCH_SYNC_CREATIONS", 500)
    sync_rate = float(os.environ.get("BENCH_SYNC_RATE", 50))
    wrk_seconds = setting("BENCH_WRK_SECONDS", 15)
    per_kind = setting("BENCH_SEARCH_QUERIES", 30)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    # SIGTERM (`kill`, timeout) unwinds through the finally below, which stops every process
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    # The e2e suite's pools (2 kept + 3 overflow per process) keep its many systems under one
    # server's max_connections, but a web process runs 4 threads: under load every request past
    # the second opened and closed a PostgreSQL connection (15% of the customers web's time at 50
    # creations/s). 4 kept + 1 overflow is the same peak per process, without the churn.
    os.environ.setdefault("E2E_DB_POOL_SIZE", "4")
    os.environ.setdefault("E2E_DB_MAX_OVERFLOW", "1")
    infra = resolve()
    # A new customer costs 3 Sage calls (2 searches + the create): 50 creations/s need 150 calls/s,
    # past the suite's pacing budget (6,000 a minute, 100/s) and its 3 sync loops. The bench gives
    # accounting-sync a budget within the simulator's own limit (SIM_RATE_LIMIT, 100,000 a minute)
    # and loops enough to keep up; real Sage allows ~200 a minute per business, about 1 new customer
    # a second, whatever Fieldbook does.
    system, resources = new_system(
        infra,
        SERVICES,
        "fbbench",
        rate_limit_per_minute=1_000_000_000,
        sage_calls_per_minute=setting("BENCH_SAGE_CALLS_PER_MINUTE", 30_000),
        sync_threads=setting("BENCH_SYNC_THREADS", 6),
        # The customers loaded with COPY were never linked to Sage, so every invoice's posting
        # waits for its contact. The suite re-reads a waiting posting every 2 s; with 10,000 of
        # them accounting-sync took a core from billing (9 invoices/s instead of 32). The service's
        # own wait (a linked customer wakes its postings at once) is what a business runs.
        worker_overrides={
            "accounting-sync": {"POSTING_WAIT_SECONDS": None, "POSTING_WAIT_MAX_SECONDS": None}
        },
    )
    run_dir = system.run_dir
    run_dir.chmod(0o755)  # nginx may run as nobody under it
    rows: list[dict] = []
    started = time.monotonic()
    ok = False
    try:
        say(f"starting the system (run dir {run_dir})")
        system.start_all()
        tenant_id = system.create_tenant("bench")
        key = system.create_key(tenant_id, "admin", "bench")

        def client():
            return system.client(key)

        api = client()

        say(f"loading {size:,} customers with COPY")
        t = time.perf_counter()
        counts = data.load_customers(measure.pg(system, "customers"), tenant_id, size, say)
        load_s = time.perf_counter() - t
        rows.append(
            measure.row(
                f"data: {counts['customers']:,} customers, {counts['contacts']:,} contacts, "
                f"{counts['work_addresses']:,} work addresses (COPY + trigram indexes)",
                f"{load_s:.0f} s",
                "—",
                "—",
                counts=counts,
                seconds=load_s,
            )
        )
        sample = data.sample(measure.pg(system, "customers"), tenant_id, max(per_kind, 1000))
        ids = [s["id"] for s in sample]

        statement_customer = ids[0]
        if "invoices" in steps:
            say(
                f"invoicing {invoiced:,} customers + {statement_invoices:,} invoices for one"
                " through billing's API"
            )
            with_invoice = data.sample_ids(measure.pg(system, "customers"), tenant_id, invoiced)
            n1, s1, r1 = measure.post_invoices(client, with_invoice)
            # billing learns the statement customer once, then its invoices come four at a time
            n0, s0, r0 = measure.post_invoices(client, [statement_customer], threads=1)
            more = [statement_customer] * (statement_invoices - 1)
            n2, s2, r2 = measure.post_invoices(client, more, threads=4)
            n2, s2 = n2 + n0, s2 + s0
            rows.append(
                measure.row(
                    f"data: {n1 + n2:,} invoices for"
                    f" {len(set(with_invoice) | {statement_customer}):,} customers"
                    " (POST through the gateway)",
                    f"{(n1 + n2) / (s1 + s2):,.0f} invoices/s",
                    "—",
                    f"{r0 + r1 + r2} POSTs retried after a 503",
                )
            )
        if "http" in steps:
            say("GET /v1/customers/{id}: gateway vs direct vs nginx (wrk)")
            rows += measure.http_get(system, key, tenant_id, ids, wrk_seconds)
        if "search" in steps:
            say("search")
            rows += measure.search(system, api, tenant_id, sample, per_kind)
        if "statement" in steps and "invoices" not in steps:
            say("statement PDF skipped: it needs the invoices step")
        elif "statement" in steps:
            say("statement PDF")
            rows += measure.statement_pdf(api, statement_customer, statement_invoices)
        if "sync" in steps:
            say(f"customer.created → accounts ref at {sync_rate:.0f}/s")
            rows += measure.sync_latency(system, client, sync_rate, sync_count)
        if "bus" in steps:
            say(f"bus: {n_events:,} events")
            rows += measure.bus(system, api, tenant_id, n_events)
            say(f"bus: {measure.SCALED}'s consumer with one worker, then two ({n_events:,} events each)")
            rows += measure.consumer_scaling(system, api, tenant_id, n_events)
        if "import" in steps:
            say(f"CSV import of {import_rows:,} work addresses")
            rows += measure.csv_import(system, api, ids, import_rows)
        if "rss" in steps:
            rows += measure.peak_rss(system)
        ok = True
    except Exception:
        say(f"FAILED; process logs (tails):\n{system.log_tails(15)}")
        raise
    finally:
        system.stop_all()
        resources.release()
        infra.close()
        if ok:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            print(f"bench: logs kept in {run_dir}/logs", file=sys.stderr)

    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results = {
        "run_at": when,
        "customers": size,
        "wall_seconds": round(time.monotonic() - started),
        "machine": info,
        "settings": {
            "BENCH_CUSTOMERS": size,
            "BENCH_INVOICED": invoiced,
            "BENCH_STATEMENT_INVOICES": statement_invoices,
            "BENCH_IMPORT_ROWS": import_rows,
            "BENCH_EVENTS": n_events,
            "BENCH_SYNC_CREATIONS": sync_count,
            "BENCH_SYNC_RATE": sync_rate,
            "BENCH_WRK_SECONDS": wrk_seconds,
            "BENCH_SEARCH_QUERIES": per_kind,
        },
        "rows": rows,
        "ratios": ratios(rows),
        "sage_ref_p95_ms": sage_ref_p95_ms(rows),
        "search_p95_ms": search_p95_ms(rows),
    }
    if set(steps) != set(all_steps):
        print("\n" + table(rows) + "\n")
        print(json.dumps({k: results[k] for k in ("ratios", "sage_ref_p95_ms", "search_p95_ms")}, indent=2))
        say(f"only {steps} ran: bench/results.json and the README left as they were")
        return 0
    (HERE / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = (
        f"Latest `make bench`: {when}, **{size:,} customers**, {results['wall_seconds']} s in all. "
        f"Machine: {info['cpu']}, {info['memory']} RAM, {info['os']}, Python {info['python']}; "
        f"PostgreSQL and RabbitMQ on the same machine; every process (gunicorn with 2 workers per web, "
        f"one worker per service, wrk, nginx) shares it.\n\n{table(rows)}"
    )
    print("\n" + markdown + "\n")
    update_readme(markdown)
    say("written bench/results.json and the README's Benchmarks section")
    return 0


if __name__ == "__main__":
    sys.exit(main())
