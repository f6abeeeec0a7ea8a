"""/console: the office console (console/, a process of its own) served through the gateway.

A plain pass-through: the console does its own login (against /v1/sessions) and keeps its own
cookies, so the gateway only relays the request and the answer, cookies included. What the console
does with the API it does through the gateway's /v1 like any client, with the person's session.
"""

from __future__ import annotations

from http.cookiejar import DefaultCookiePolicy

import requests
from flask import Blueprint, Response, request

from fieldbook_shared.keepalive import fresh_session
from fieldbook_shared.problems import problem_response

from .proxy import HOP_BY_HOP
from .state import current_gateway

console_bp = Blueprint("console_proxy", __name__)
_http = fresh_session()
_http.trust_env = False  # the console is never reached through a proxy
# keep no cookies: the session is shared by every person's requests, and a cookie it kept from one
# answer would be sent with the next person's request
_http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
DROPPED = HOP_BY_HOP | {"host", "content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


@console_bp.route("/console", methods=["GET", "POST"], defaults={"rest": ""})
@console_bp.route("/console/<path:rest>", methods=["GET", "POST"])
def console(rest: str) -> Response:
    settings = current_gateway().settings
    headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED}
    headers["X-Forwarded-Proto"] = request.scheme  # the console marks its cookies Secure over HTTPS
    headers["X-Forwarded-For"] = request.remote_addr or ""
    headers["X-Forwarded-Host"] = request.host
    url = settings.console_url.rstrip("/") + request.full_path.rstrip("?")
    try:
        upstream = _http.request(
            request.method,
            url,
            headers=headers,
            data=request.get_data(),
            allow_redirects=False,
            timeout=(settings.connect_timeout, settings.read_timeout),
        )
    except requests.RequestException:
        return problem_response(503, detail="The console is not available right now.")
    relayed = [  # every Set-Cookie, not only the last
        (key, value)
        for key, value in upstream.raw.headers.items()
        if key.lower() not in DROPPED and key.lower() not in ("content-encoding", "server", "date")
    ]
    return Response(upstream.content, status=upstream.status_code, headers=relayed)
