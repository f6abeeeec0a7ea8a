"""create_app: wiring only. Run with
`gunicorn -c python:fieldbook_shared.gunicorn_conf "gateway.app:create_app()"`.
"""

from __future__ import annotations

import logging

import requests
from flask import Flask
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldbook_shared.db import session_factory
from fieldbook_shared.observability import (
    configure_logging,
    init_health,
    init_request_logging,
)
from fieldbook_shared.problems import register_error_handlers

from . import oauth
from .auth import FailedKeyThrottle, KeyAuthenticator
from .console_proxy import console_bp
from .identity_views import identity_bp
from .openapi import SpecAggregator
from .proxy import Proxy
from .ratelimit import RateLimiter
from .settings import Settings
from .state import EXTENSION, Gateway
from .store import make_engine
from .views import bp

SERVICE = "gateway"
log = logging.getLogger("fieldbook.gateway")


class UpstreamNotReady(Exception):
    pass


def _upstream_ready(url: str, timeout: float):
    def check() -> None:
        with requests.Session() as session:
            session.trust_env = False  # service addresses are never reached through a proxy
            response = session.get(f"{url}/readyz", timeout=timeout)
        if response.status_code != 200:
            raise UpstreamNotReady(f"readyz answered {response.status_code}")

    return check


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(SERVICE, settings.log_level)
    if not settings.internal_token and not settings.testing:
        log.warning("INTERNAL_TOKEN is empty: services outside test mode will refuse forwarded requests")

    app = Flask(SERVICE, static_folder=None)
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    signing = oauth.signing_key(settings.oauth_signing_key)
    app.extensions[EXTENSION] = Gateway(
        settings=settings,
        engine=engine,
        sessions=sessions,
        authenticator=KeyAuthenticator(sessions, settings.key_cache_seconds),
        auth_throttle=FailedKeyThrottle(RateLimiter(engine, settings.auth_failures_per_minute)),
        limiter=RateLimiter(engine, settings.rate_limit_per_minute),
        proxy=Proxy(settings),
        specs=SpecAggregator(
            {name: settings.upstream_url(name) for name in settings.enabled_upstreams},
            timeout=settings.openapi_timeout,
            ttl=settings.openapi_cache_seconds,
        ),
        tokens=oauth.TokenVerifier(signing, settings.oauth_issuer),
        oauth_server=oauth.authorization_server(
            app, sessions, signing, settings.oauth_issuer, settings.oauth_token_seconds
        ),
        jwks=oauth.jwks(signing),
    )

    if settings.trusted_proxy_hops:
        # the client's address (the failed-key throttle, what services hear) from the proxies' headers;
        # without them a client could name any address it likes in X-Forwarded-For
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxy_hops, x_proto=settings.trusted_proxy_hops
        )
    register_error_handlers(app)
    init_request_logging(app, SERVICE)

    def database() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    checks = {"database": database}
    for name in settings.enabled_upstreams:
        checks[name] = _upstream_ready(settings.upstream_url(name), settings.readyz_timeout)
    init_health(app, checks)

    app.register_blueprint(identity_bp)  # /v1/users, /v1/sessions: before the /v1 catch-all
    app.register_blueprint(bp)
    app.register_blueprint(console_bp)

    @app.after_request
    def _no_sniffing(response):
        # JSON stays JSON: a browser never runs a stored `<script>` sniffed out of an API answer
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app
