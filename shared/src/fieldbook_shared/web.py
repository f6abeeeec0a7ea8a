"""The Flask side of every service: one `create_service_app` so every service is wired the same way.

It gives a service: settings in `app.config`, the engine and session factory, the tenant + actor
context from the gateway's headers (and refusal of requests without the internal token outside
test mode), problem+json errors, request logging and metrics, health, pagination Link headers,
the Idempotency-Key store, and `current_uow()` for the API layer.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pika
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import apidoc, clock, idempotency, inputs
from .context import (
    ACTOR_HEADER,
    INTERNAL_TOKEN_HEADER,
    PUBLIC_PREFIX,
    ROLE_HEADER,
    ROLES,
    TENANT_HEADER,
    RequestContext,
)
from .db import create_engine, reads_only, session_factory
from .observability import configure_logging, init_health, init_request_logging
from .pagination import init_link_headers
from .problems import Forbidden, Unauthorised, register_error_handlers
from .settings import Settings
from .uow import UnitOfWork

OPEN_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json")
# Requests that never write; their unit of work begins a transaction that only reads.
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    uow_class: type[UnitOfWork]
    # for requests that only read (GET, HEAD): on SQLite they neither wait for nor hold the write lock
    read_sessions: sessionmaker[Session]

    def sessions_for(self, method: str) -> sessionmaker[Session]:
        """The session factory for a request: reads-only for GET and HEAD, else one that writes."""
        if method in READ_METHODS:
            return self.read_sessions
        return self.sessions


def create_service_app(
    settings: Settings,
    *,
    title: str,
    blueprints: Iterable[Blueprint],
    uow_class: type[UnitOfWork] = UnitOfWork,
    version: str = "1.0",
    extra_checks: dict[str, Callable[[], None]] | None = None,
) -> Flask:
    configure_logging(settings.service, settings.log_level)
    app = Flask(settings.service)
    app.config.update(
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TESTING=settings.testing,
        FIELDBOOK_SETTINGS=settings,
    )
    engine = create_engine(settings.database_url)
    state = ServiceState(
        settings, engine, session_factory(engine), uow_class, session_factory(engine, writes=False)
    )
    app.extensions["fieldbook"] = state
    clock.install(settings)

    init_request_logging(app, settings.service)
    _init_tenancy(app, settings)
    idempotency.init_app(app, state.sessions, settings)
    init_link_headers(app)
    register_error_handlers(app)

    api = apidoc.FieldbookApi(
        app,
        spec_kwargs={
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
            "extra_plugins": [
                apidoc.PageLimitPlugin(settings.page_size_default, settings.page_size_max),
                apidoc.ContractPlugin(),
            ],
        },
    )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    apidoc.init_decimal_docs(api)
    apidoc.init_contract_docs(api)
    apidoc.init_page_limit(app)
    inputs.init_nul_refusal(app)
    inputs.init_json_bodies(app)
    for blp in blueprints:
        api.register_blueprint(blp)
    if settings.test_clock:
        app.register_blueprint(clock.blueprint)
    # flask-smorest registers its own error handler; ours answers every error path the same way
    register_error_handlers(app)

    checks = {"database": lambda: _check_database(state), "broker": lambda: _check_broker(settings)}
    checks.update(extra_checks or {})
    init_health(app, checks)
    return app


def schema_name(schema) -> str:
    """OpenAPI component names: `CustomerIn`, and `CustomerInPatch` for a partial copy of it."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial and not name.endswith("Patch"):
        name += "Patch"
    return name


def state() -> ServiceState:
    return current_app.extensions["fieldbook"]


def request_context() -> RequestContext:
    return g.context


def current_uow() -> UnitOfWork:
    """A unit of work for this request's tenant and actor. A GET or HEAD reads only: on SQLite its
    transaction begins deferred; any other request's takes the write lock when it begins."""
    s = state()
    return s.uow_class(s.sessions_for(request.method), g.context, s.settings.service)


def _init_tenancy(app: Flask, settings: Settings) -> None:
    @app.before_request
    def _identity():
        if request.path in OPEN_PATHS or request.method == "OPTIONS":
            return None
        if not settings.testing:
            token = request.headers.get(INTERNAL_TOKEN_HEADER, "")
            if not settings.internal_token or not hmac.compare_digest(token, settings.internal_token):
                raise Unauthorised("This service only answers requests that come through the gateway.")
        if request.path == clock.PATH:  # the test clock is the service's, no tenant's
            g.context = None
            return None
        if request.path.startswith(PUBLIC_PREFIX):
            # no tenant header: the view reads the tenant from the signed token in its path and sets
            # g.context itself; until then nothing tenant-bound (idempotency keys) applies
            g.context = None
            return None
        tenant = request.headers.get(TENANT_HEADER, "").strip()
        if not tenant:
            raise Unauthorised("No tenant on the request.")
        role = request.headers.get(ROLE_HEADER, "readonly")
        if role not in ROLES:
            raise Forbidden(f"Unknown role {role!r}.")
        g.tenant_id = tenant
        g.actor = request.headers.get(ACTOR_HEADER, "anonymous")
        g.context = RequestContext(
            tenant_id=tenant,
            actor=g.actor,
            role=role,
            request_id=g.request_id,
            correlation_id=g.correlation_id,
        )
        return None


def _check_database(s: ServiceState) -> None:
    with reads_only(s.engine).connect() as conn:
        conn.execute(text("SELECT 1"))


def _check_broker(settings: Settings) -> None:
    params = pika.URLParameters(settings.amqp_url)
    params.socket_timeout = 2
    params.connection_attempts = 1
    params.blocked_connection_timeout = 2
    conn = pika.BlockingConnection(params)
    conn.close()


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    resp = Response(json.dumps(body), status=status, mimetype="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp
