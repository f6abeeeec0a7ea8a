"""Gateway test fixtures: a gateway on a SQLite file in tmp_path, and fake services on loopback.

The fake services are tiny Flask apps served by werkzeug in a thread on 127.0.0.1, so the
gateway's real HTTP client, timeouts and header handling are what is tested.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from flask import Flask, Response, request
from sqlalchemy.orm import sessionmaker
from werkzeug.serving import make_server

from fieldbook_shared import service_table
from fieldbook_shared.db import session_factory
from gateway import keys
from gateway.app import create_app
from gateway.manage import migrate
from gateway.settings import Settings
from gateway.store import ApiKey, Tenant, make_engine

INTERNAL_TOKEN = "test-internal-token"


class FakeService:
    """Echoes what it received as JSON; `/slow` sleeps; `/openapi.json` and `/readyz` are settable."""

    def __init__(self, name: str):
        self.name = name
        self.calls: list[dict] = []
        self.spec: dict = {"openapi": "3.0.3", "info": {"title": name, "version": "1"}, "paths": {}}
        self.ready_status = 200
        self.slow_seconds = 2.5  # past the read timeout (1.0) by a margin a busy machine keeps
        app = Flask(name)

        @app.get("/openapi.json")
        def openapi():
            return self.spec

        @app.get("/readyz")
        def readyz():
            return {"status": "ok" if self.ready_status == 200 else "unavailable"}, self.ready_status

        @app.route("/<path:path>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        def echo(path):
            call = {
                "service": self.name,
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode(),
                "raw_uri": request.environ.get("RAW_URI"),  # the request target as it came, undecoded
                "headers": dict(request.headers),
                "body_length": len(request.get_data()),
                "body_sha256": hashlib.sha256(request.get_data()).hexdigest(),
                "content_length": request.headers.get("Content-Length"),
                "chunked": request.headers.get("Transfer-Encoding"),
            }
            self.calls.append(call)
            if path.endswith("/slow"):
                time.sleep(self.slow_seconds)
            status = 201 if request.method == "POST" else 200
            resp = Response(json.dumps(call), status=status, mimetype="application/json")
            raw_path = (request.environ.get("RAW_URI") or request.path).split("?")[0]  # still %-encoded
            if status == 201:
                resp.headers["Location"] = f"{self.url}{raw_path}/123"
            resp.headers["ETag"] = '"v1"'
            resp.headers["X-Pagination"] = '{"total": 1, "page": 1}'
            resp.headers.add("Link", f'<{self.url}{raw_path}?page=2>; rel="next"')
            return resp

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.calls.clear()
        self.ready_status = 200
        self.spec = {"openapi": "3.0.3", "info": {"title": self.name, "version": "1"}, "paths": {}}

    @property
    def last(self) -> dict:
        assert self.calls, f"{self.name} received no request"
        return self.calls[-1]


def closed_port_url() -> str:
    """An address where nothing listens: connections are refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def fake_services():
    services = {"customers": FakeService("customers"), "billing": FakeService("billing")}
    yield services
    for service in services.values():
        service.server.shutdown()


@dataclass
class GatewayHarness:
    app: Flask
    settings: Settings
    tenant_id: str
    keys: dict[str, str] = field(default_factory=dict)  # role → plain key

    @property
    def client(self):
        return self.app.test_client()

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def session(self):
        return self.app.extensions["fieldbook_gateway"].sessions()


@pytest.fixture
def make_gateway(tmp_path, fake_services):
    """Build a migrated gateway with one tenant and a key per role; keyword args override settings."""
    for service in fake_services.values():
        service.reset()
    dead = closed_port_url()

    def build(upstreams: dict[str, str] | None = None, **overrides) -> GatewayHarness:
        """`upstreams` points services at other fakes, e.g. {"customers": scripted.url}."""
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
            internal_token=INTERNAL_TOKEN,
            upstream_urls={
                **{s.name: dead for s in service_table.upstreams()},  # every other one is down
                "customers": fake_services["customers"].url,
                "billing": fake_services["billing"].url,
                **(upstreams or {}),
            },
            enabled_upstreams=tuple(s.name for s in service_table.upstreams()),
            connect_timeout=2.0,
            read_timeout=1.0,
            readyz_timeout=1.0,
            openapi_timeout=1.0,
            testing=True,
        ).with_(**overrides)
        migrate(settings)
        app = create_app(settings)
        with app.extensions["fieldbook_gateway"].sessions() as session:
            tenant = keys.create_tenant(session, "Acme Heating")
            plain = {}
            for role in ("admin", "accounts", "sales", "engineer", "readonly", "partner"):
                _, plain[role] = keys.create_key(session, tenant.id, role, name=f"{role}-key")
            session.commit()
            return GatewayHarness(app, settings, tenant.id, plain)

    return build


@pytest.fixture
def gw(make_gateway) -> GatewayHarness:
    return make_gateway()


@dataclass
class KeyStore:
    """A migrated gateway database (SQLite) holding one tenant and one sales key."""

    sessions: sessionmaker
    tenant: Tenant
    key: ApiKey
    plain: str


@pytest.fixture
def key_store(tmp_path) -> KeyStore:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gw.db'}")
    migrate(settings)
    sessions = session_factory(make_engine(settings.database_url))
    with sessions() as session:
        tenant = keys.create_tenant(session, "T")
        row, plain = keys.create_key(session, tenant.id, "sales")
        session.commit()
    return KeyStore(sessions, tenant, row, plain)
