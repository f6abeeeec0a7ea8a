"""The system under test as real processes: migrations, gunicorn web processes, the worker.

Each process runs in its own process group with its output in `<run dir>/logs/<name>.log`, so a
test can SIGKILL one of them (and its gunicorn workers) and start it again, and teardown leaves
nothing running.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pika
import requests

from fieldbook_shared import service_table
from fieldbook_shared.context import INTERNAL_TOKEN_HEADER
from fieldbook_shared.keepalive import mount_fresh

from .infra import Broker, Infrastructure, RunResources, allocate, amqp_parameters
from .ports import free_port
from .smtp import SmtpServer

BIN = Path(sys.executable).parent  # the venv's bin directory (not resolved: it may be a symlink)
READY_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0


def executable(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{name} is not installed in the environment running pytest ({BIN})")
    return str(path)


def url_field(service: service_table.Service) -> str:
    """The System field that holds a service's base URL: customers_url, accounting_sync_url, ..."""
    return f"{service.name.replace('-', '_')}_url"


def tail(path: Path, lines: int = 40, width: int = 400) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            text = fh.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(
        line if len(line) <= width else line[:width] + " …" for line in text.splitlines()[-lines:]
    )


class StartupError(RuntimeError):
    pass


@dataclass
class Process:
    """One long-running process of the system."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    ready_url: str | None = None  # GET must answer 200 when the process is ready
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        if self.alive:
            raise RuntimeError(f"{self.name} is already running")
        env = dict(self.env)
        if "PROMETHEUS_MULTIPROC_DIR" in env:  # a fresh directory per start of a web process
            metrics = Path(env["PROMETHEUS_MULTIPROC_DIR"]).with_name(
                f"metrics-{self.name}-{secrets.token_hex(3)}"
            )
            metrics.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== e2e: starting {self.name}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv,
                env=env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own session + process group: killpg reaches gunicorn workers
            )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def _signal_group(self, sig: int) -> None:
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash would."""
        self._signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the group, wait, SIGKILL what is left."""
        if self.popen is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self._signal_group(signal.SIGKILL)  # gunicorn workers or stragglers left in the group
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print(f"e2e teardown: {self.name} (pid {self.popen.pid}) did not die")

    def wait_ready(self, timeout: float = READY_TIMEOUT, check=None) -> None:
        deadline = time.monotonic() + timeout
        last = "not tried"
        while True:
            if self.popen is not None and self.popen.poll() is not None:
                raise StartupError(f"{self.name} exited with code {self.popen.returncode} while starting")
            try:
                if self.ready_url is not None:
                    r = requests.get(self.ready_url, timeout=3)
                    if r.status_code == 200:
                        return
                    last = f"{r.status_code} {r.text[:300]}"
                elif check is not None:
                    ok, last = check()
                    if ok:
                        return
                else:
                    return
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}"
            if time.monotonic() >= deadline:
                raise StartupError(f"{self.name} not ready within {timeout:.0f}s (last: {last})")
            time.sleep(0.25)

    def tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)


class ApiSession(requests.Session):
    """A requests.Session with a base URL and a default timeout: `s.get("/v1/customers")`."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None, timeout: float = HTTP_TIMEOUT):
        super().__init__()
        mount_fresh(self)  # as a careful client: never writes into a connection the server is closing
        self.base_url = base_url.rstrip("/")
        self.default_timeout = timeout
        if headers:
            self.headers.update(headers)

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


@dataclass
class System:
    """The running Fieldbook: every process of the service table, on one run's databases and vhost."""

    run_dir: Path
    amqp_url: str
    broker: Broker
    database_urls: dict[str, str]  # service -> postgresql+psycopg:// URL
    internal_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    rate_limit_per_minute: int = 100_000
    # accounting-sync's pacing budget for the simulator (SAGE_CALLS_PER_MINUTE) and its sync loops
    sage_calls_per_minute: int = 6000
    sync_threads: int = 3
    delivery_limit: int = 3
    # a service's worker settings over the suite's; None unsets one, so the service's own default
    # applies (the bench, where the suite's short waits would measure the suite's polling)
    worker_overrides: dict[str, dict[str, str | None]] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    gateway_url: str = ""
    customers_url: str = ""
    assets_url: str = ""
    comms_url: str = ""
    billing_url: str = ""
    accounting_sync_url: str = ""
    servicing_url: str = ""
    files_url: str = ""
    webhooks_url: str = ""
    console_url: str = ""
    files_dir: Path | None = None  # where files keeps the bytes (its FILES_DIR): the tests look in it
    sage_url: str = ""  # the Sage simulator (a real process; its admin endpoints seed and count)
    sms_url: str = ""  # the SMS provider simulator (a real process; its admin endpoints list the SMS)
    sms_api_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    sms_receipt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    smtp: SmtpServer | None = None  # the suite's SMTP server on loopback (comms sends to it)

    # ----------------------------------------------------------------- environment and commands

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "E2E_"))}
        for key in ("AMQP_URL", "FIELDBOOK_TESTING", "INTERNAL_TOKEN", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(key, None)
        env.update(
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
            AMQP_URL=self.amqp_url,
            INTERNAL_TOKEN=self.internal_token,
            LOG_LEVEL="INFO",
            # business dates from each service's test_clock table, which set_clock moves
            FIELDBOOK_TEST_CLOCK="1",
            FIELDBOOK_VAR=str(self.run_dir / "var"),
            DELIVERY_LIMIT=str(self.delivery_limit),
            # some seventeen processes share one PostgreSQL: small pools keep them under max_connections
            DB_POOL_SIZE=os.environ.get("E2E_DB_POOL_SIZE", "2"),
            DB_MAX_OVERFLOW=os.environ.get("E2E_DB_MAX_OVERFLOW", "3"),
        )
        for service, url in self.database_urls.items():
            env[f"DATABASE_URL_{service.upper().replace('-', '_')}"] = url
        return env

    def run(
        self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 120.0, check: bool = True
    ):
        """Run a short command (migrations, CLIs) and return the CompletedProcess."""
        proc = subprocess.run(
            argv,
            env=env or self.base_env(),
            cwd=self.run_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        with open(self.log_dir / "commands.log", "a") as log:
            log.write(f"$ {' '.join(argv)}\n[exit {proc.returncode}]\n{proc.stdout}{proc.stderr}\n")
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
            )
        return proc

    def python(self, *args: str, **kwargs):
        return self.run([sys.executable, *args], **kwargs)

    # --------------------------------------------------------------------------- process table

    def gunicorn(self, name: str, app: str, port: int, extra_env: dict[str, str]) -> Process:
        env = self.base_env()
        runtime = self.run_dir / "run" / name  # gunicorn >= 25 puts its control socket in $XDG_RUNTIME_DIR:
        runtime.mkdir(parents=True, exist_ok=True)  # one per process, not one shared ~/.gunicorn/gunicorn.ctl
        env.update(
            WEB_CONCURRENCY="2",
            PROMETHEUS_MULTIPROC_DIR=str(self.run_dir / "metrics" / name),
            XDG_RUNTIME_DIR=str(runtime),
            **extra_env,
        )
        argv = [
            executable("gunicorn"),
            "-c",
            "python:fieldbook_shared.gunicorn_conf",
            "-b",
            f"127.0.0.1:{port}",
            app,
        ]
        return Process(
            name, argv, env, self.run_dir, self.log_dir / f"{name}.log", f"http://127.0.0.1:{port}/readyz"
        )

    def python_module(
        self, name: str, module: str, env: dict[str, str], *args: str, ready_url: str | None = None
    ) -> Process:
        """`python -m module args…` in the run directory, logging to logs/<name>.log."""
        argv = [sys.executable, "-m", module, *args]
        return Process(name, argv, env, self.run_dir, self.log_dir / f"{name}.log", ready_url)

    def gateway_env(self, **overrides: str) -> dict[str, str]:
        env = {
            # every other service's internal URL under its variable: CUSTOMERS_URL, ..., CONSOLE_URL
            **{s.url_env: getattr(self, url_field(s)) for s in service_table.SERVICES if s.url_env},
            "GATEWAY_UPSTREAMS": ",".join(s.name for s in service_table.upstreams()),
            "RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            # every client of the suite (tests, the console, simulators) comes from 127.0.0.1, so one
            # test's refused logins or keys would throttle the next test's login; the per-address
            # throttle itself is the gateway's unit tests' (test_gateway_auth, test_gateway_people*)
            "AUTH_FAILURES_PER_MINUTE": "100000",
        }
        env.update(overrides)
        return env

    def build(self) -> None:
        """Every process of the service table, and the simulators and SMTP server they talk to."""
        for folder in (self.run_dir / "var", self.run_dir / "metrics", self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        # every web process's URL first: the services' settings name each other's
        ports = {s.name: free_port() for s in service_table.SERVICES}
        for s in service_table.SERVICES:
            setattr(self, url_field(s), f"http://127.0.0.1:{ports[s.name]}")
        self.files_dir = self.run_dir / "var" / "files"
        self.build_simulators()
        envs = self.process_envs()
        for s in service_table.SERVICES:
            name = f"{s.name}-web"
            self.processes[name] = self.gunicorn(
                name, f"{s.package}.app:create_app()", ports[s.name], envs[s.name][0]
            )
            if s.has_worker:
                self.processes[f"{s.name}-worker"] = self.worker(s.name)

    def worker(self, service: str, name: str | None = None) -> Process:
        """`service`'s worker process (relay, consumer and its own loops), named `<service>-worker`;
        a test may add a second one under another `name`."""
        package = service_table.by_name(service).package
        env = {**self.base_env(), **self.process_envs()[service][1]}
        for key, value in self.worker_overrides.get(service, {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return self.python_module(name or f"{service}-worker", f"{package}.worker", env)

    def process_envs(self) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        """Each service's settings beyond base_env(): (its web process's, its worker's)."""
        asks_customers = dict(CUSTOMERS_URL=self.customers_url)
        # the export of all customer data (customers' worker) pulls the other services' parts
        exports = dict(BILLING_URL=self.billing_url, ASSETS_URL=self.assets_url, COMMS_URL=self.comms_url)
        console = dict(GATEWAY_URL=self.gateway_url, CONSOLE_SECRET_KEY=secrets.token_urlsafe(32))
        return {
            "customers": ({}, exports),
            "billing": (asks_customers, self.billing_worker_env()),
            "assets": (asks_customers, {}),
            "comms": (self.comms_env(), self.comms_env()),
            "accounting-sync": ({}, self.accounting_env()),
            "servicing": (self.servicing_env(), self.servicing_env()),
            "files": (self.files_env(), self.files_env()),
            "webhooks": (self.webhooks_env(), self.webhooks_env()),
            "console": (console, {}),
            "gateway": (self.gateway_env(), {}),
        }

    def simulator(self, name: str, module: str, env: dict[str, str]) -> str:
        """A provider's simulator, `python -m <module> --port <port>`, ready on /healthz; its URL."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        self.processes[name] = self.python_module(
            name, module, {**self.base_env(), **env}, "--port", str(port), ready_url=f"{url}/healthz"
        )
        return url

    def build_simulators(self) -> None:
        """Sage's API simulator (accounting-sync's), the SMS provider's simulator and the suite's own
        SMTP server (comms')."""
        self.sage_url = self.simulator(
            "sage-simulator",
            "sage_simulator",
            dict(
                SIM_CLIENT_ID="e2e-client",
                SIM_CLIENT_SECRET="e2e-secret",
                SIM_REFRESH_TOKEN="e2e-refresh-token",
                SIM_DEFAULT_BUSINESS="e2e-business",
                SIM_RATE_LIMIT="100000",
            ),
        )
        self.sms_url = self.simulator(
            "sms-simulator",
            "sms_simulator",
            dict(
                SMS_API_KEY=self.sms_api_key,
                SMS_RECEIPT_SECRET=self.sms_receipt_secret,
                SMS_SIM_RECEIPT_DELAY_SECONDS="0.2",
            ),
        )
        if self.smtp is None:
            self.smtp = SmtpServer()
            self.smtp.start()

    def billing_worker_env(self) -> dict[str, str]:
        """billing's worker: it asks customers before each document; recurring invoices looked for
        often (a test moves the clock, then waits for the invoices)."""
        return dict(
            CUSTOMERS_URL=self.customers_url,
            RECURRING_INVOICES_POLL_SECONDS="0.5",
            RECURRING_INVOICES_RETRY_SECONDS="2",
        )

    def accounting_env(self) -> dict[str, str]:
        """accounting-sync against the suite's Sage simulator; short backoffs and polls."""
        return dict(
            SAGE_BASE_URL=self.sage_url,
            SAGE_CLIENT_ID="e2e-client",
            SAGE_CLIENT_SECRET="e2e-secret",
            SAGE_REFRESH_TOKEN="e2e-refresh-token",
            SAGE_BUSINESS_ID="e2e-business",
            SYNC_BACKOFF_BASE_SECONDS="0.5",
            SYNC_BACKOFF_CAP_SECONDS="5",
            SYNC_MAX_ATTEMPTS="12",
            SYNC_LEASE_SECONDS="8",
            SYNC_IDLE_SECONDS="0.2",
            SYNC_THREADS=str(self.sync_threads),
            SAGE_TIMEOUT_SECONDS="5",
            BALANCE_POLL_SECONDS="3600",
            POSTING_WAIT_SECONDS="0.5",  # a posting waiting for its contact or invoices looks again soon
            POSTING_WAIT_MAX_SECONDS="2",
            # the suite's simulator allows 100,000 calls a minute (SIM_RATE_LIMIT); the worker's own
            # pacing (default 180 a minute per business, like real Sage) would only slow the suite
            SAGE_CALLS_PER_MINUTE=str(self.sage_calls_per_minute),
        )

    def servicing_env(self) -> dict[str, str]:
        """servicing runs its reminder chain every half second (the tests move the clock)."""
        return dict(REMINDER_POLL_SECONDS="0.5")

    def files_env(self) -> dict[str, str]:
        """files checks owners with customers, billing and assets; keeps the bytes in the run's folder."""
        return dict(
            CUSTOMERS_URL=self.customers_url,
            BILLING_URL=self.billing_url,
            ASSETS_URL=self.assets_url,
            FILES_DIR=str(self.files_dir),
        )

    def webhooks_env(self) -> dict[str, str]:
        """webhooks delivers to the tests' endpoints on 127.0.0.1 (test mode), retries within
        seconds rather than minutes, and waits at most two seconds for an answer. Small pools: the
        suite's processes share one PostgreSQL's max_connections."""
        return dict(
            DB_POOL_SIZE="1",
            DB_MAX_OVERFLOW="2",
            WEBHOOK_ALLOW_PRIVATE_URLS="1",
            WEBHOOK_RETRY_BASE_SECONDS="1",
            WEBHOOK_RETRY_MAX_SECONDS="4",
            WEBHOOK_POLL_SECONDS="0.2",
            WEBHOOK_TIMEOUT_SECONDS="2",
        )

    def comms_env(self) -> dict[str, str]:
        """comms sends to the suite's own SMTP server (harness/smtp.py); quick retries and polls."""
        return dict(
            CUSTOMERS_URL=self.customers_url,
            BILLING_URL=self.billing_url,
            GATEWAY_URL=self.gateway_url,  # a tenant's admins
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(self.smtp.port),
            EMAIL_FROM="office@fieldbook-e2e.example",
            SMTP_RETRY_BASE_SECONDS="0.5",
            SMTP_RETRY_MAX_SECONDS="2",
            SMTP_MAX_ATTEMPTS="100",
            SENDER_POLL_SECONDS="0.2",
            MASS_EMAIL_POLL_SECONDS="0.3",
            MASS_EMAIL_WAIT_SECONDS="30",
            # the suite's SMS simulator; its receipts come back through the gateway
            SMS_PROVIDER_URL=self.sms_url,
            SMS_API_KEY=self.sms_api_key,
            SMS_RECEIPT_SECRET=self.sms_receipt_secret,
            SMS_STATUS_CALLBACK_URL=f"{self.gateway_url}/v1/public/sms-receipts",
            SMS_RETRY_BASE_SECONDS="0.5",
            SMS_RETRY_MAX_SECONDS="2",
            SMS_POLL_SECONDS="0.2",
        )

    def migrate(self) -> None:
        for service in service_table.SERVICES:  # the gateway last, as `make up` does
            if (
                service.kind == "service" or service.name == service_table.GATEWAY
            ):  # the console has no database
                self.python("-m", f"{service.package}.manage", "migrate")

    def start_all(self) -> None:
        self.build()
        self.migrate()
        # the simulators first (accounting-sync talks to Sage's, comms to the SMS provider's), then
        # the table's order: the gateway last
        order = ["sage-simulator", "sms-simulator"] + [
            f"{s.name}-{p}" for s in service_table.SERVICES for p in s.processes
        ]
        for name in order:
            self.processes[name].start()
        for name in order:
            self.wait_ready(name)

    def wait_ready(self, name: str, timeout: float = READY_TIMEOUT) -> None:
        proc = self.processes[name]
        service = name.removesuffix("-worker")
        if name.endswith("-worker"):  # a worker is ready once it consumes its service's queue
            proc.wait_ready(timeout, check=lambda: self._consuming(f"{service}.events"))
        else:
            proc.wait_ready(timeout)

    def _consuming(self, queue: str, at_least: int = 1) -> tuple[bool, str]:
        """Ready when the service's queue exists and has a consumer (`at_least` of them)."""
        try:
            conn = pika.BlockingConnection(amqp_parameters(self.amqp_url))
        except Exception as exc:  # noqa: BLE001
            return False, f"broker: {exc}"
        try:
            ch = conn.channel()
            ok = ch.queue_declare(queue, passive=True)
            consumers = ok.method.consumer_count
            return consumers >= at_least, f"{queue} has {consumers} consumers"
        except pika.exceptions.ChannelClosedByBroker as exc:
            return False, f"{queue}: {exc.reply_text}"
        finally:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass

    def kill(self, name: str) -> None:
        self.processes[name].kill()

    def start(self, name: str, wait: bool = True) -> None:
        self.processes[name].start()
        if wait:
            self.wait_ready(name)

    def restart(self, name: str, wait: bool = True) -> None:
        """SIGKILL the process (as a crash would) and start it again."""
        self.kill(name)
        self.start(name, wait=wait)

    def start_extra_gateway(self, name: str, **env: str) -> str:
        """Another gateway process on the same database with different settings; returns its URL.

        Remove it with `remove_process(name)`.
        """
        if name in self.processes:
            raise RuntimeError(f"process {name} exists")
        port = free_port()
        self.processes[name] = self.gunicorn(name, "gateway.app:create_app()", port, self.gateway_env(**env))
        self.start(name)
        return f"http://127.0.0.1:{port}"

    def start_extra_worker(self, service: str, name: str) -> None:
        """Another worker process of `service`, with the environment of its first; started and
        consuming (its queue then has two consumers). Remove it with `remove_process(name)`."""
        if name in self.processes:
            raise RuntimeError(f"process {name} exists")
        first = self.processes[f"{service}-worker"]
        self.processes[name] = self.python_module(name, first.argv[2], dict(first.env))
        self.processes[name].start()
        self.processes[name].wait_ready(check=lambda: self._consuming(f"{service}.events", at_least=2))

    def partition_consumers(self, service: str, partitions: int, workers: int) -> list[str]:
        """Run `service`'s consumer as `workers` processes over `partitions` partition queues
        (CONSUMER_PARTITIONS, WORKER_COUNT, WORKER_INDEX): its worker restarted so configured, the
        others added as `<service>-worker-<i>`; returns their names. `unpartition_consumers` undoes it."""
        first = self.processes[f"{service}-worker"]
        first.stop()
        first.env.update(CONSUMER_PARTITIONS=str(partitions), WORKER_COUNT=str(workers), WORKER_INDEX="0")
        names = [f"{service}-worker"]
        for index in range(1, workers):
            name = f"{service}-worker-{index}"
            self.processes[name] = self.python_module(
                name, first.argv[2], {**first.env, "WORKER_INDEX": str(index)}
            )
            names.append(name)
        for name in names:
            self.processes[name].start()
        for name in names:
            self.processes[name].wait_ready(
                check=lambda: self._consuming(f"{service}.events", at_least=workers)
            )
        return names

    def unpartition_consumers(self, service: str, names: list[str], partitions: int) -> None:
        """Back to one worker on the one queue: the extra workers removed, the partition exchange and
        queues deleted (the service queue is bound again by the worker's start)."""
        for name in names[1:]:
            self.remove_process(name)
        first = self.processes[names[0]]
        first.stop()
        for key in ("CONSUMER_PARTITIONS", "WORKER_COUNT", "WORKER_INDEX"):
            first.env.pop(key, None)
        with pika.BlockingConnection(amqp_parameters(self.amqp_url)) as conn:
            channel = conn.channel()
            channel.exchange_delete(f"{service}.events.partitions")
            for k in range(partitions):
                channel.queue_delete(f"{service}.events.p{k}")
        self.start(names[0])

    def remove_process(self, name: str) -> None:
        self.processes.pop(name).stop()

    def stop_all(self) -> None:
        procs = [p for p in self.processes.values() if p.popen is not None]
        for p in procs:  # SIGTERM all groups first, so they shut down in parallel
            p._signal_group(signal.SIGTERM)
        for p in procs:
            p.stop(timeout=20)
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None

    def log_tails(self, lines: int = 20) -> str:
        parts = []
        for name, proc in self.processes.items():
            state = "running" if proc.alive else f"exited {proc.popen.returncode if proc.popen else '-'}"
            parts.append(f"----- {name} ({state}) {proc.log_path}\n{proc.tail(lines)}")
        commands = self.log_dir / "commands.log"
        if commands.exists():
            parts.append(f"----- commands\n{tail(commands, lines)}")
        return "\n".join(parts)

    # -------------------------------------------------------------------------------- the clock

    def set_clock(self, when: datetime | None, *, ticking: bool = False) -> None:
        """Every service's clock (fieldbook_shared.clock) to `when` (timezone-aware), standing
        there, or running on from there with `ticking`; None: the real time again. Each service's
        `PUT /internal/clock` (or DELETE), with the internal token; every process of a service
        reads its table, so the web and worker processes agree the moment this returns."""
        for service in service_table.SERVICES:
            if not service.url_env or service.kind != "service":  # gateway, console: no dates of their own
                continue
            url = getattr(self, service.url_env.lower()) + "/internal/clock"
            headers = {INTERNAL_TOKEN_HEADER: self.internal_token}
            if when is None:
                r = requests.delete(url, headers=headers, timeout=HTTP_TIMEOUT)
                assert r.status_code == 204, f"{service.name}: {r.status_code} {r.text}"
            else:
                body = {"now": when.isoformat(), "ticking": ticking}
                r = requests.put(url, json=body, headers=headers, timeout=HTTP_TIMEOUT)
                assert r.status_code == 200, f"{service.name}: {r.status_code} {r.text}"

    # ------------------------------------------------------------------------- tenants and keys

    def create_tenant(self, name: str) -> str:
        out = self.python("-m", "gateway.manage", "create-tenant", name).stdout.strip()
        assert out and "\n" not in out, f"create-tenant should print only the id, printed {out!r}"
        return out

    def create_key(self, tenant_id: str, role: str, name: str | None = None) -> str:
        name = name or f"e2e-{role}"
        out = self.python(
            "-m", "gateway.manage", "create-key", "--tenant", tenant_id, "--role", role, "--name", name
        ).stdout.strip()
        assert out and "\n" not in out, f"create-key should print only the key, printed {out!r}"
        return out

    def client(self, key: str | None = None, base_url: str | None = None) -> ApiSession:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return ApiSession(base_url or self.gateway_url, headers)

    def dead_letters(self, *args: str, check: bool = True):
        """Run `fieldbook-dead-letters` against the run's vhost."""
        return self.run([executable("fieldbook-dead-letters"), *args], check=check)


def new_system(
    infra: Infrastructure, services: list[str], prefix: str, **options
) -> tuple[System, RunResources]:
    """A System (not started) on resources of its own on `infra` (a vhost, a database per service)
    and a fresh run directory named `prefix`-<run id>; the resources, to release once it stopped."""
    run_id = secrets.token_hex(4)
    resources = allocate(infra, run_id, services)
    system = System(
        run_dir=Path(tempfile.mkdtemp(prefix=f"{prefix}-{run_id}-")),
        amqp_url=resources.amqp_url,
        broker=infra.broker,
        database_urls={s: resources.database_url(s) for s in services},
        **options,
    )
    return system, resources
