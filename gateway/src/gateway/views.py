"""The gateway's HTTP surface: the /v1 pipeline, the merged OpenAPI document and the docs page.

Every /v1 request goes through the same steps, in this order: URL length (414) →
key (401; 429 for an address sending too many invalid keys) →
route (404) → rate limit (429) → body size (413) → role (403) → forward (502/503/504).
Public pages (`/v1/public/...`, e.g. a quote's acceptance link) skip the key and the role: URL
length → route → rate limit per client address → body size → forward, with no tenant header.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Response, g, request, send_from_directory

from fieldbook_shared.context import PUBLIC_PREFIX
from fieldbook_shared.problems import problem_response

from . import (
    asyncapi,
    credentials_api,
    fanout,
    identity,
    oauth,
    overview,
    roles,
    routing,
    scopes,
    timeline,
)
from .auth import presented_key
from .keys import Principal
from .state import current_gateway

bp = Blueprint("gateway", __name__, static_folder="static", static_url_path="/docs")

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# The larger body limits: a POST to exactly these paths, as the services themselves allow
# (customers: CSV uploads; comms: emails with attachments, base64 in JSON; files: an upload to a
# record's files). Everything else: MAX_BODY_BYTES.
IMPORTS = "/v1/imports"
EMAILS = ("/v1/emails", "/v1/mass-emails")
FILE_UPLOADS = tuple(
    routing.compile_pattern(p, prefix=False)
    for p in (
        "/v1/customers/{id}/files",
        "/v1/work-addresses/{id}/files",
        "/v1/jobs/{id}/files",
        "/v1/assets/{id}/files",
    )
)
# A longer URL is answered 414 as a problem, before anything else. gunicorn refuses request lines
# over 8190 bytes itself (fieldbook_shared.gunicorn_conf), with its own page; the services take
# those the gateway forwards.
MAX_URL_BYTES = 4096
# the routes the gateway answers itself, by their last segment (routing.GATEWAY)
GATEWAY_PAGES = {"overview": overview.customer_overview, "timeline": timeline.customer_timeline}
SWAGGER_ASSETS = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-16x16.png",
    "favicon-32x32.png",
}


def _is_clean(path: str) -> bool:
    """No empty, `.` or `..` segments: the HTTP client would collapse them after the role check."""
    segments = path.split("/")[1:]
    if segments and segments[-1] == "":
        segments = segments[:-1]
    return all(s not in ("", ".", "..") for s in segments)


DRAIN_LIMIT = 32 * 1024 * 1024


def _read_body(limit: int) -> bytes | None:
    """The request body, or None when it is larger than `limit`.

    Reads at most `limit + 1` bytes from the stream, so a chunked body without Content-Length is
    measured too (werkzeug's own limit would silently cut it). A body refused on its declared
    length is read and discarded up to a bound first: clients that send the whole body before
    reading the answer then get the 413 instead of a reset connection.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        _discard(request.stream, min(declared, DRAIN_LIMIT))
        return None
    chunks, size = [], 0
    while size <= limit:
        chunk = request.stream.read(min(65536, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    _discard(request.stream, DRAIN_LIMIT)
    return None


class StreamedBody:
    """A request body forwarded as it is read, not held whole: a file upload (up to
    MAX_FILE_BODY_BYTES) whose length the client declared. `requests` sends it with that
    Content-Length, reading it a block at a time (`read`); werkzeug's stream stops at the declared
    length, so nothing past it is read."""

    def __init__(self, stream, length: int):
        self.stream, self.length = stream, length

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def __iter__(self):
        while chunk := self.stream.read(65536):
            yield chunk


def _streamed_upload(path: str, limit: int) -> tuple[StreamedBody | None, Response | None]:
    """An upload to a record's files with a declared length within `limit`: its body to stream on
    (a declared length over the limit: the 413; no declared length: None, it is read as any body)."""
    declared = request.content_length
    if request.method != "POST" or declared is None or not any(u.match(path) for u in FILE_UPLOADS):
        return None, None
    if declared > limit:
        return _body(limit)  # refused on its declared length, as any body
    return StreamedBody(request.stream, declared), None


def _request_body(path: str) -> tuple[bytes | StreamedBody | None, Response | None]:
    """The body to forward (an upload to a record's files streamed on, any other read whole
    within its limit), or the 413 that refuses it."""
    limit = _body_limit(request.method, path)
    streamed, refused = _streamed_upload(path, limit)
    if streamed is not None or refused is not None:
        return streamed, refused
    return _body(limit)


def _discard(stream, at_most: int) -> None:
    left = at_most
    while left > 0:
        chunk = stream.read(min(65536, left))
        if not chunk:
            return
        left -= len(chunk)


def _json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # the service answers it with its own 422
        return None


def _body_limit(method: str, path: str) -> int:
    settings = current_gateway().settings
    if method == "POST":
        path = path.rstrip("/")
        if path == IMPORTS:
            return settings.max_import_body_bytes
        if path in EMAILS:
            return settings.max_email_body_bytes
        if any(upload.match(path) for upload in FILE_UPLOADS):
            return settings.max_file_body_bytes
    return settings.max_body_bytes


@bp.route("/v1", methods=METHODS, defaults={"rest": ""})
@bp.route("/v1/<path:rest>", methods=METHODS)
def public_api(rest: str) -> Response:
    gw = current_gateway()
    path = request.path
    if len(path.encode()) + len(request.query_string) > MAX_URL_BYTES:
        return problem_response(
            414, detail=f"The URL is longer than {MAX_URL_BYTES} bytes.", max_bytes=MAX_URL_BYTES
        )

    if path.startswith(PUBLIC_PREFIX):
        return _public_page(gw, path)

    principal, refusal = authenticate(gw)
    if refusal is not None:
        return refusal
    g.tenant_id, g.actor = principal.tenant_id, principal.actor

    if credentials_api.handles(path):  # the gateway's own keys and clients
        return _credentials(gw, principal, path)

    route = routing.resolve(path) if _is_clean(path) else None
    if route is None:
        return problem_response(404, detail=f"There is no resource at {path}.")
    customer_id = page = None
    if route.service == routing.GATEWAY:  # overview, timeline: read only, of a customer id that is a UUID
        page = path.rstrip("/").rsplit("/", 1)[-1]
        if request.method not in fanout.METHODS:
            return problem_response(
                405,
                detail=f"{request.method} is not allowed on the {page}; it is read only.",
                headers={"Allow": ", ".join(fanout.METHODS)},
            )
        customer_id = fanout.customer_id_from(path)
        if customer_id is None:
            return problem_response(404, detail=f"There is no resource at {path}.")

    limit_headers, refused = _rate_limit(gw, principal, "This key may make {limit} requests a minute")
    if refused is not None:
        return refused

    body, refused = _request_body(path)
    if refused is not None:
        return refused

    refused = _refusal(principal, path, body)
    if refused is not None:
        if isinstance(body, StreamedBody):  # read, so the client hears the 403 rather than a reset connection
            _discard(request.stream, DRAIN_LIMIT)
        return refused

    if customer_id is not None:
        answer = GATEWAY_PAGES[page or ""](gw, principal, customer_id)
        for key, value in limit_headers.items():
            answer.headers[key] = value
        return answer

    return _forward(gw, route.service, principal, body, limit_headers)


def _credentials(gw, principal: Principal, path: str) -> Response:
    """/v1/api-keys, /v1/oauth-clients: rate limited like the rest, answered by the gateway."""
    limit_headers, refused = _rate_limit(gw, principal, "This key may make {limit} requests a minute")
    if refused is not None:
        return refused
    answer = credentials_api.answer(gw, principal, path)
    answer.headers.update(limit_headers)
    return answer


def _refusal(principal: Principal, path: str, body) -> Response | None:
    """The 403 when the caller's scopes (a token, a scoped key) or role do not allow the request."""
    needed = scopes.required_scope(request.method, path)
    if not principal.may_use(needed):
        return problem_response(
            403, detail=scopes.refusal_detail(needed, request.method, path), required_scope=needed
        )
    allowed = roles.allowed_roles(
        request.method, path, None if isinstance(body, StreamedBody) else _json_or_none(body)
    )
    if principal.role not in allowed:
        return problem_response(
            403,
            detail=roles.refusal_detail(allowed, request.method, path, principal.kind),
            allowed_roles=list(allowed),
        )
    return None


def _rate_limit(gw, principal: Principal, allowance: str) -> tuple[dict[str, str], Response | None]:
    """The rate-limit headers of this request, and the 429 that refuses it when over the limit
    (`allowance` says who may make how many: "This key may make {limit} requests a minute")."""
    decision = gw.limiter.hit(principal.key_id)
    headers = {"X-RateLimit-Limit": str(decision.limit), "X-RateLimit-Remaining": str(decision.remaining)}
    if decision.allowed:
        return headers, None
    return headers, problem_response(
        429,
        detail=f"{allowance.format(limit=decision.limit)}; try again in {decision.retry_after} s.",
        headers={"Retry-After": str(decision.retry_after), **headers},
    )


def _body(limit: int) -> tuple[bytes | None, Response | None]:
    """The request's body, or the 413 that refuses it when larger than `limit`."""
    body = _read_body(limit)
    if body is None:
        return None, problem_response(
            413, detail=f"The request body is larger than {limit} bytes.", max_bytes=limit
        )
    return body, None


def _forward(gw, service: str, principal: Principal, body, limit_headers: dict[str, str]) -> Response:
    if service not in gw.settings.enabled_upstreams:
        return problem_response(503, detail=f"The {service} service is not available in this deployment.")
    response = gw.proxy.forward(service, principal, body)
    for key, value in limit_headers.items():
        response.headers[key] = value
    return response


def _public_page(gw, path: str) -> Response:
    """A public page (a quote's acceptance link): no API key, so no role either; the same URL,
    route, rate limit (per client address instead of per key) and body checks as the rest. The
    service gets no tenant: it reads it from the signed token in the path, and still requires the
    gateway's internal token."""
    g.tenant_id, g.actor = None, "public"
    route = routing.resolve(path) if _is_clean(path) else None
    if route is None or route.service == routing.GATEWAY:
        return problem_response(404, detail=f"There is no resource at {path}.")
    address = hashlib.sha256((request.remote_addr or "").encode("utf-8", "replace")).hexdigest()
    principal = Principal.public("public:" + address[:29])  # fits the 36 characters of key_id
    allowance = "This address may make {limit} requests a minute to public pages"
    limit_headers, refused = _rate_limit(gw, principal, allowance)
    if refused is not None:
        return refused
    body, refused = _body(gw.settings.max_body_bytes)
    if refused is not None:
        return refused
    return _forward(gw, route.service, principal, body, limit_headers)


def authenticate(gw) -> tuple[Principal | None, Response | None]:
    """The principal of the request's API key, OAuth2 token or session, or the 401 / 429 problem
    that refuses it. A token is checked by its signature and claims alone (no database)."""
    plain = presented_key(request.headers)
    principal = None
    session_token = bool(plain) and identity.is_session_token(plain or "")
    token = bool(plain) and not session_token and oauth.looks_like_token(plain or "")
    if plain and session_token:
        with gw.sessions() as session:  # never cached: a session ended is ended at once
            principal = identity.principal_of(plain, session)
    elif plain:
        principal = gw.tokens.principal(plain) if token else gw.authenticator.authenticate(plain)
        if principal is None:
            # a valid key always passes, even from an address over the limit (behind a load balancer
            # every client shares one): only the guesses are answered 429
            address = request.remote_addr or ""
            wait = gw.auth_throttle.blocked_for(address) or gw.auth_throttle.record_failure(address)
            if wait:
                return None, problem_response(
                    429,
                    detail=f"Too many invalid API keys from this address; try again in {wait} s.",
                    headers={"Retry-After": str(wait)},
                )
    if principal is None:
        challenge = 'Bearer realm="fieldbook"'
        if token:
            detail = "The access token is not valid or has expired; ask /oauth/token for a new one."
            challenge += ', error="invalid_token"'
        elif session_token:
            detail = "The session has ended or is not valid."
        elif plain:
            detail = "The API key is not valid or has been revoked."
        else:
            detail = "Send your API key as `Authorization: Bearer <key>` (or `X-API-Key: <key>`)."
        return None, problem_response(401, detail=detail, headers={"WWW-Authenticate": challenge})
    return principal, None


@bp.post("/oauth/token")
def oauth_token() -> Response:
    """OAuth2 client credentials (authlib): a short-lived JWT. Its refusals are problems that also
    carry RFC 6749's `error` and `error_description`, so OAuth2 libraries read them as well."""
    response = current_gateway().oauth_server.create_token_response()
    if response.status_code < 400:
        return response
    body = json.loads(response.get_data() or b"{}")
    error = str(body.get("error") or "invalid_request")
    description = str(body.get("error_description") or error.replace("_", " "))
    headers = {k: v for k, v in response.headers.items() if k == "WWW-Authenticate"}
    return problem_response(
        response.status_code, detail=description, error=error, error_description=description, headers=headers
    )


@bp.get("/.well-known/jwks.json")
def jwks_json() -> Response:
    """The public key that signs access tokens (RFC 7517); clients and services may cache it."""
    response = Response(json.dumps(current_gateway().jwks), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/openapi.json")
def openapi_json() -> Response:
    doc = current_gateway().specs.document()
    return Response(json.dumps(doc), mimetype="application/json")


@bp.get("/asyncapi.json")
def asyncapi_json() -> Response:
    """The public events partners receive by webhook (gateway/asyncapi.py); no key needed."""
    return Response(json.dumps(asyncapi.document()), mimetype="application/json")


@bp.get("/docs")
def docs_page() -> Response:
    return send_from_directory(bp.static_folder, "docs.html")  # type: ignore[arg-type]


@bp.get("/docs/assets/<name>")
def docs_asset(name: str) -> Response:
    if name not in SWAGGER_ASSETS:
        return problem_response(404, detail=f"There is no docs asset {name}.")
    return send_from_directory(str(swagger_ui_bundle.swagger_ui_path), name, max_age=3600)
