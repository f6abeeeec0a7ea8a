"""Helpers of `scripts/up.sh`, run with the virtualenv's python. Each prints plain lines for bash.

devstack.py modules                      which packages can run: "<service> <package> <port> <parts>"
devstack.py preflight --ports 8000 8001  broker, PostgreSQL (when configured) and ports answer / are free
devstack.py wait-ready URL --pid PID     poll URL until 200 (deadline), fail early if PID dies
devstack.py status URL [--key KEY]       print the HTTP status of one GET (000 when nothing answers)
devstack.py amqp-url                     the AMQP_URL of this stack: a vhost of its own off port 8000
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from fieldbook_shared import service_table

# service name → (import package, local port as an offset from FIELDBOOK_PORT_BASE, default 8000),
# from the service table (docs/architecture.md §1). The gateway comes last on purpose: it is migrated
# after the services and started in front of them.
SERVICES = [(s.name, s.package, s.port_offset) for s in service_table.SERVICES]


def port_base() -> int:
    return int(os.environ.get("FIELDBOOK_PORT_BASE") or "8000")


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def cmd_modules(_args) -> int:
    """One line per installed service package: name, package, port, and which of app/worker/manage exist."""
    for service, package, offset in SERVICES:
        port = port_base() + offset
        if not _has(package):
            continue
        parts = [m for m in ("app", "worker", "manage") if _has(f"{package}.{m}")]
        print(service, package, port, ",".join(parts) or "-")
    return 0


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def broker_problem(url: str) -> str | None:
    try:
        import pika
    except ImportError:  # the kit depends on pika; without it, a TCP check is the best we can do
        parts = urlsplit(url)
        return _tcp_problem(parts.hostname or "127.0.0.1", parts.port or 5672)
    params = pika.URLParameters(url)
    params.connection_attempts = 1
    params.socket_timeout = 3
    params.blocked_connection_timeout = 3
    try:
        pika.BlockingConnection(params).close()
    except Exception as exc:  # noqa: BLE001 - any failure means "does not answer"
        # pika's connection errors often carry no text: say whether the port itself is closed
        tcp = _tcp_problem(params.host, params.port)
        return tcp or _one_line(f"{type(exc).__name__}: {exc}".rstrip(": "))
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def postgres_problem(url: str) -> str | None:
    parts = urlsplit(url)
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    try:
        import psycopg
    except ImportError:
        return _tcp_problem(parts.hostname or "127.0.0.1", parts.port or 5432)
    try:
        psycopg.connect(conninfo, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001
        return _one_line(f"{type(exc).__name__}: {exc}")
    return None


def _tcp_problem(host: str, port: int) -> str | None:
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _postgres_version() -> str:
    try:
        versions = sorted(os.listdir("/etc/postgresql"))
    except OSError:
        versions = []
    return versions[-1] if versions else "<version>"


def cmd_preflight(args) -> int:
    problems: list[str] = []
    amqp_url = os.environ.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/%2F"
    if (why := broker_problem(amqp_url)) is not None:
        parts = urlsplit(amqp_url)
        if _tcp_problem(parts.hostname or "127.0.0.1", parts.port or 5672) is None:
            problems.append(
                f"RabbitMQ at {redact(amqp_url)} answers but refuses the connection ({why}).\n"
                "  Check the user, password and vhost in AMQP_URL."
            )
        else:
            problems.append(
                f"RabbitMQ does not answer at {redact(amqp_url)} ({why}).\n"
                "  Start the local broker:   rabbitmq-server -detached   (give it a few seconds)\n"
                "  or point AMQP_URL at a running one."
            )
    postgres = {
        name: value
        for name, value in sorted(os.environ.items())
        if (name.startswith("DATABASE_URL_") or name == "DATABASE_URL") and value.startswith("postgres")
    }
    for name, url in postgres.items():
        if (why := postgres_problem(url)) is not None:
            start = f"pg_ctlcluster --skip-systemctl-redirect {_postgres_version()} main start"
            problems.append(
                f"PostgreSQL does not answer for {name}={redact(url)} ({why}).\n"
                f"  Start the local server:  {start}\n"
                f"  or unset {name} to use the embedded SQLite default under var/."
            )
    for port in args.ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # as gunicorn binds: SO_REUSEADDR, so connections of a previous run in TIME_WAIT don't count
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                problems.append(
                    f"Port {port} on 127.0.0.1 is already in use. If an earlier `make up` is still running, "
                    "run `make down`; otherwise stop what holds the port."
                )
    if problems:
        print("Fieldbook cannot start yet:\n", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}\n", file=sys.stderr)
        return 1
    print(
        f"broker {redact(amqp_url)} answers"
        + (f"; PostgreSQL answers for {', '.join(postgres)}" if postgres else "")
    )
    return 0


def get(url: str, key: str | None = None, timeout: float = 3.0) -> tuple[int, str]:
    """(HTTP status, start of the body) of a GET; (0, reason) when nothing answers. No proxies."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(getattr(exc, "reason", exc))


def _pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def cmd_wait_ready(args) -> int:
    deadline = time.monotonic() + args.timeout
    while True:
        if args.pid and not _pid_alive(args.pid):
            print(f"the process runner (pid {args.pid}) exited while starting", file=sys.stderr)
            return 1
        status, body = get(args.url)
        if status == 200:
            return 0
        if time.monotonic() >= deadline:
            answer = f"last answer {status}: {_one_line(body)[:600]}" if status else f"no answer: {body}"
            print(f"{args.url} was not ready within {args.timeout:.0f} s ({answer})", file=sys.stderr)
            return 1
        time.sleep(0.5)


def cmd_status(args) -> int:
    print(f"{get(args.url, args.key)[0]:03d}")
    return 0


# ----------------------------------------------------------------------------- a vhost per stack

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_PORT_BASE = 8000


def vhost_of(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


def stack_amqp_url(amqp_url: str, base: int) -> str:
    """The broker URL of the stack on port `base`. The first stack (8000) uses AMQP_URL as it is;
    another one, on the default vhost `/`, gets the vhost `fieldbook-<base>` of the same broker, so
    two stacks on one machine never share a queue. A vhost AMQP_URL names itself is kept."""
    if base == DEFAULT_PORT_BASE or vhost_of(amqp_url) != "/":
        return amqp_url
    return with_vhost(amqp_url, f"fieldbook-{base}")


def _is_local(host: str | None) -> bool:
    if not host or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rabbitmqctl(amqp_url: str, vhost: str) -> str | None:
    """Create the vhost with the local rabbitmqctl; None when done, else why not."""
    exe = shutil.which("rabbitmqctl")
    if exe is None or not _is_local(urlsplit(amqp_url).hostname):
        return "no rabbitmqctl for this broker"
    user = unquote(urlsplit(amqp_url).username or "guest")
    for args in (["add_vhost", vhost], ["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]):
        try:
            done = subprocess.run([exe, "-q", *args], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"rabbitmqctl {args[0]}: {type(exc).__name__}"
        if done.returncode != 0 and "already" not in (done.stdout + done.stderr):
            return f"rabbitmqctl {args[0]}: {_one_line(done.stderr or done.stdout)[:200]}"
    return None


def _management_api(amqp_url: str, vhost: str, management_url: str | None = None) -> str | None:
    """Create the vhost through the management API (RABBITMQ_MANAGEMENT_URL, default
    http://<broker host>:15672) with AMQP_URL's user; None when done, else why not."""
    parts = urlsplit(amqp_url)
    user, password = unquote(parts.username or "guest"), unquote(parts.password or "guest")
    management_url = management_url or os.environ.get("RABBITMQ_MANAGEMENT_URL")
    base = (management_url or f"http://{parts.hostname or '127.0.0.1'}:15672").rstrip("/")
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    name = quote(vhost, safe="")
    for path, body in (
        (f"/api/vhosts/{name}", {}),
        (f"/api/permissions/{name}/{quote(user, safe='')}", {"configure": ".*", "write": ".*", "read": ".*"}),
    ):
        request = urllib.request.Request(
            base + path,
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        )
        try:
            opener.open(request, timeout=5).close()
        except urllib.error.HTTPError as exc:
            return f"management API {path}: HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return f"management API at {base}: {getattr(exc, 'reason', exc)}"
    return None


def ensure_vhost(
    url: str,
    answers: Callable[[str], str | None] = broker_problem,
    creators: tuple[Callable[[str, str], str | None], ...] = (_rabbitmqctl, _management_api),
) -> str | None:
    """Make sure the vhost of `url` exists; None when it does (or the broker does not answer at
    all: the preflight says how to start it), else what to do by hand."""
    if answers(url) is None:
        return None
    if answers(with_vhost(url, "/")) is not None:
        return None  # no broker to talk to yet: the preflight reports it
    vhost = vhost_of(url)
    tried = []
    for create in creators:
        why = create(url, vhost)
        if why is None and answers(url) is None:
            print(f"created the RabbitMQ vhost {vhost!r} for this stack", file=sys.stderr)
            return None
        tried.append(why or "created, but the connection is still refused")
    user = unquote(urlsplit(url).username or "guest")
    return (
        f"This stack needs a RabbitMQ vhost of its own, {vhost!r}, and it could not be created "
        f"({'; '.join(tried)}).\n"
        f"  Create it:  rabbitmqctl add_vhost {vhost}\n"
        f"              rabbitmqctl set_permissions -p {vhost} {user} '.*' '.*' '.*'\n"
        "  or set AMQP_URL to a vhost of this stack's own."
    )


def cmd_amqp_url(_args) -> int:
    url = stack_amqp_url(os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL, port_base())
    if (why := ensure_vhost(url)) is not None:
        print(f"Fieldbook cannot start yet:\n\n- {why}\n", file=sys.stderr)
        return 1
    print(url)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("modules").set_defaults(run=cmd_modules)
    p = sub.add_parser("preflight")
    p.add_argument("--ports", type=int, nargs="*", default=[])
    p.set_defaults(run=cmd_preflight)
    p = sub.add_parser("wait-ready")
    p.add_argument("url")
    p.add_argument("--timeout", type=float, default=90.0)
    p.add_argument("--pid", type=int, default=0)
    p.set_defaults(run=cmd_wait_ready)
    p = sub.add_parser("status")
    p.add_argument("url")
    p.add_argument("--key")
    p.set_defaults(run=cmd_status)
    sub.add_parser("amqp-url").set_defaults(run=cmd_amqp_url)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
