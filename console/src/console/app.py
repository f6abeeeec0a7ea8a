"""create_app: wiring only. Run with
`gunicorn -c python:fieldbook_shared.gunicorn_conf "console.app:create_app()"`.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldbook_shared.observability import configure_logging, init_health, init_request_logging

from . import attached_files, imports, mass_email, record_tabs, work_addresses  # noqa: F401  (routes of bp)
from .people import people_bp
from .settings import Settings
from .views import bp

SERVICE = "console"
EXTENSION = "fieldbook_console"
log = logging.getLogger("fieldbook.console")


class CookieSessions(SecureCookieSessionInterface):
    """The console's cookie: HttpOnly, SameSite=Lax, and Secure whenever the page came over HTTPS
    (the gateway says so in X-Forwarded-Proto), so one deployment serves both without a setting."""

    def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
        return request.is_secure or bool(app.config["SESSION_COOKIE_SECURE"])


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(SERVICE, settings.log_level)
    secret = settings.secret_key
    if not secret:
        # cookies then last only as long as this process: fine for a test, never for a deployment
        log.warning("CONSOLE_SECRET_KEY is empty: using a random key (sessions end on restart)")
        secret = secrets.token_urlsafe(32)

    app = Flask(SERVICE, static_url_path="/console/static")
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="fb_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/console",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session (the gateway ends that)
    )
    app.session_interface = CookieSessions()
    app.extensions[EXTENSION] = settings
    # the gateway is the one proxy in front: its X-Forwarded-Proto says whether the page was HTTPS
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    CSRFProtect(app)
    init_request_logging(app, SERVICE)
    init_health(app, {})
    app.register_blueprint(bp)
    app.register_blueprint(people_bp)
    return app
