"""Where RabbitMQ and PostgreSQL come from, and how one run is isolated on them.

Resolution, in this order:
1. `E2E_AMQP_URL` and `E2E_DATABASE_URL` are set: use those servers (the database URL names a
   maintenance database, e.g. postgresql://postgres@127.0.0.1:5432/postgres).
2. A Docker engine answers (`docker info`): start RabbitMQ 3.10 and PostgreSQL 15 with testcontainers.
3. Neither: `InfrastructureUnavailable`. The conftest turns that into a failure when `CI` is set and
   a skip (with the reason) otherwise. The same applies when the given servers do not answer.

A run never touches anything it did not create: it makes its own databases
(`fbe2e_<runid>_<service>`) and, when it can drive `rabbitmqctl`, its own vhost (`fbe2e-<runid>`),
and removes them at the end.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pika
import psycopg
from psycopg import sql

from fieldbook_shared.messaging.topology import PLUGIN

RABBITMQ_IMAGE = "rabbitmq:3.10"
POSTGRES_IMAGE = "postgres:15"


class InfrastructureUnavailable(RuntimeError):
    """No broker or database to run against; the message says what was tried and what to do."""


class BrokerControlUnavailable(RuntimeError):
    """The harness cannot stop/start this broker (no local rabbitmqctl and no container)."""


# --------------------------------------------------------------------------------------- broker


def amqp_parameters(url: str, timeout: float = 3.0) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.socket_timeout = timeout
    params.blocked_connection_timeout = timeout
    params.connection_attempts = 1
    params.retry_delay = 0
    return params


def where(url: str) -> str:
    """host:port/path of a URL, without credentials, for messages."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}{parts.path}"


def broker_answers(url: str) -> str | None:
    """None when an AMQP connection to `url` opens; otherwise the reason it did not."""
    try:
        conn = pika.BlockingConnection(amqp_parameters(url))
    except Exception as exc:  # noqa: BLE001 - any failure means "does not answer"
        return f"{type(exc).__name__} {exc!r}" if str(exc) else type(exc).__name__
    conn.close()
    return None


def with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


def vhost_of(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


class Broker:
    """Stops and starts the broker *application* (the node stays up, as with `rabbitmqctl stop_app`)."""

    def __init__(self, amqp_url: str, ctl: Callable[[list[str]], tuple[int, str]] | None, location: str):
        self.amqp_url = amqp_url
        self._ctl = ctl
        self.location = location

    @property
    def can_control(self) -> bool:
        return self._ctl is not None

    def ctl(self, *args: str) -> str:
        if self._ctl is None:
            raise BrokerControlUnavailable(
                f"cannot control the broker at {self.location}: no local rabbitmqctl and no container"
            )
        code, output = self._ctl(list(args))
        if code != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed ({code}): {output}")
        return output

    def is_up(self) -> bool:
        return broker_answers(self.amqp_url) is None

    def stop(self, timeout: float = 60.0) -> None:
        self.ctl("stop_app")
        self._wait(lambda: not self.is_up(), timeout, "broker still accepts connections after stop_app")

    def start(self, timeout: float = 60.0) -> None:
        self.ctl("start_app")
        self._wait(self.is_up, timeout, "broker does not accept connections after start_app")

    @staticmethod
    def _wait(condition: Callable[[], bool], timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{message} (waited {timeout:.0f}s)")
            time.sleep(0.25)


def _is_loopback(host: str | None) -> bool:
    if not host or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == socket.gethostname()


def local_rabbitmqctl(amqp_url: str) -> Callable[[list[str]], tuple[int, str]] | None:
    """A rabbitmqctl runner when the broker is on this machine and rabbitmqctl may drive it."""
    exe = shutil.which("rabbitmqctl")
    if exe is None or not _is_loopback(urlsplit(amqp_url).hostname):
        return None

    def run(args: list[str]) -> tuple[int, str]:
        proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
        return proc.returncode, (proc.stdout + proc.stderr).strip()

    try:
        code, _ = run(["-q", "status"])
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run if code == 0 else None


# ------------------------------------------------------------------------------------- database


def _pg_conninfo(url: str) -> str:
    """psycopg wants postgresql://; accept SQLAlchemy-style postgresql+psycopg:// too."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def database_url(server_url: str, dbname: str, driver: str | None = "psycopg") -> str:
    parts = urlsplit(server_url)
    scheme = f"postgresql+{driver}" if driver else "postgresql"
    return urlunsplit((scheme, parts.netloc, "/" + dbname, parts.query, ""))


def database_answers(url: str) -> str | None:
    try:
        with psycopg.connect(_pg_conninfo(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).strip()}"
    return None


def create_database(server_url: str, dbname: str) -> None:
    with psycopg.connect(_pg_conninfo(server_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def drop_database(server_url: str, dbname: str) -> None:
    with psycopg.connect(_pg_conninfo(server_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))


# -------------------------------------------------------------------------------- resolution


@dataclass
class Infrastructure:
    """The servers of this session. `amqp_url` is the vhost the run may use before isolation."""

    amqp_url: str
    database_server_url: str
    broker: Broker
    source: str
    _cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        while self._cleanups:
            try:
                self._cleanups.pop()()
            except Exception as exc:  # noqa: BLE001 - keep tearing down the rest
                print(f"e2e teardown: {exc}")


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def resolve() -> Infrastructure:
    amqp_url = os.environ.get("E2E_AMQP_URL", "").strip()
    db_url = os.environ.get("E2E_DATABASE_URL", "").strip()
    if amqp_url or db_url:
        if not (amqp_url and db_url):
            raise InfrastructureUnavailable(
                "set both E2E_AMQP_URL and E2E_DATABASE_URL (only one of them is set)"
            )
        return _from_env(amqp_url, db_url)
    if docker_answers():
        return _from_testcontainers()
    raise InfrastructureUnavailable(
        "no RabbitMQ/PostgreSQL for the e2e suite: set E2E_AMQP_URL and E2E_DATABASE_URL "
        "(e.g. amqp://guest:guest@127.0.0.1:5672/%2F and postgresql://postgres@127.0.0.1:5432/postgres) "
        "or start a Docker engine so testcontainers can run them"
    )


def _from_env(amqp_url: str, db_url: str) -> Infrastructure:
    problems = []
    if (why := broker_answers(amqp_url)) is not None:
        problems.append(f"RabbitMQ at {where(amqp_url)} (E2E_AMQP_URL) does not answer ({why})")
    if (why := database_answers(db_url)) is not None:
        problems.append(f"PostgreSQL at {where(db_url)} (E2E_DATABASE_URL) does not answer ({why})")
    if problems:
        raise InfrastructureUnavailable("; ".join(problems))
    broker = Broker(amqp_url, local_rabbitmqctl(amqp_url), location=where(amqp_url))
    _enable_plugin_locally(amqp_url)
    return Infrastructure(amqp_url, db_url, broker, source="env")


def _enable_plugin_locally(amqp_url: str) -> None:
    """The consistent-hash exchange partitioned consumers need (fieldbook_shared.messaging.topology),
    enabled with the local rabbitmq-plugins (idempotent); a test that needs it and finds it off
    says so."""
    exe = shutil.which("rabbitmq-plugins")
    if exe is None or not _is_loopback(urlsplit(amqp_url).hostname):
        return
    try:
        subprocess.run([exe, "-q", "enable", PLUGIN], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        pass


def _import_containers():
    try:  # testcontainers >= 4.15 keeps the modules under testcontainers.community
        from testcontainers.community.postgres import PostgresContainer
        from testcontainers.community.rabbitmq import RabbitMqContainer
    except ImportError:  # older releases
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer
    return RabbitMqContainer, PostgresContainer


def _from_testcontainers() -> Infrastructure:
    RabbitMqContainer, PostgresContainer = _import_containers()
    infra_cleanups: list[Callable[[], None]] = []
    try:
        rabbit = RabbitMqContainer(RABBITMQ_IMAGE)
        rabbit.start()
        infra_cleanups.append(rabbit.stop)
        pg = PostgresContainer(
            POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres", driver=None
        )
        pg.start()
        infra_cleanups.append(pg.stop)
    except Exception as exc:
        for cleanup in reversed(infra_cleanups):
            cleanup()
        raise InfrastructureUnavailable(f"Docker answers but the containers did not start: {exc}") from exc

    host = rabbit.get_container_host_ip()
    port = rabbit.get_exposed_port(rabbit.port)
    amqp_url = f"amqp://{rabbit.username}:{rabbit.password}@{host}:{port}/%2F"
    db_url = pg.get_connection_url(driver=None)

    def ctl(args: list[str]) -> tuple[int, str]:
        result = rabbit.exec(["rabbitmqctl", *args])
        output = result.output.decode() if isinstance(result.output, bytes) else str(result.output)
        return result.exit_code, output.strip()

    rabbit.exec(["rabbitmq-plugins", "-q", "enable", PLUGIN])  # partitioned consumers' exchange
    broker = Broker(amqp_url, ctl, location=f"container {RABBITMQ_IMAGE}")
    infra = Infrastructure(amqp_url, db_url, broker, source="testcontainers")
    infra._cleanups.extend(infra_cleanups)
    return infra


# ---------------------------------------------------------------------------- per-run isolation


@dataclass
class RunResources:
    """The databases and vhost of one run; `release()` removes them."""

    run_id: str
    infra: Infrastructure
    databases: dict[str, str]  # service -> database name
    amqp_url: str
    vhost: str | None  # created by this run, or None when the run uses the given vhost

    def database_url(self, service: str) -> str:
        return database_url(self.infra.database_server_url, self.databases[service])

    def release(self) -> None:
        for name in self.databases.values():
            try:
                drop_database(self.infra.database_server_url, name)
            except Exception as exc:  # noqa: BLE001
                print(f"e2e teardown: could not drop database {name}: {exc}")
        if self.vhost is not None:
            try:
                if not self.infra.broker.is_up():
                    self.infra.broker.start()
                self.infra.broker.ctl("delete_vhost", self.vhost)
            except Exception as exc:  # noqa: BLE001
                print(f"e2e teardown: could not delete vhost {self.vhost}: {exc}")


def allocate(infra: Infrastructure, run_id: str, services: list[str]) -> RunResources:
    databases: dict[str, str] = {}
    resources = RunResources(run_id, infra, databases, infra.amqp_url, None)
    try:
        for service in services:
            name = f"fbe2e_{run_id}_{service.replace('-', '_')}"
            create_database(infra.database_server_url, name)
            databases[service] = name
        if infra.source == "env" and infra.broker.can_control:
            vhost = f"fbe2e-{run_id}"
            user = unquote(urlsplit(infra.amqp_url).username or "guest")
            infra.broker.ctl("add_vhost", vhost)
            resources.vhost = vhost
            infra.broker.ctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            resources.amqp_url = with_vhost(infra.amqp_url, vhost)
    except Exception:
        resources.release()
        raise
    return resources
