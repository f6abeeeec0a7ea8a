"""Forward a public request to its service, with the identity the gateway vouches for.

What a client sent as identity (X-Tenant-Id, X-Actor, X-Role, X-Internal-Token, X-Forwarded-*,
its API key) never reaches a service: those headers are dropped and the gateway sets its own.
Each upstream has connect and read timeouts and a circuit breaker, so a dead service costs a
client a quick 503 rather than a hung request.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote, unquote_to_bytes

import requests
import urllib3
from flask import Response, g, request
from prometheus_client import Counter, Histogram
from urllib3 import exceptions as u3

from fieldbook_shared.context import (
    ACTOR_HEADER,
    CORRELATION_HEADER,
    GATEWAY_SET_HEADERS,
    INTERNAL_TOKEN_HEADER,
    REQUEST_ID_HEADER,
    ROLE_HEADER,
    TENANT_HEADER,
)
from fieldbook_shared.keepalive import fresh_pool, mount_fresh
from fieldbook_shared.problems import problem_response

from .keys import Principal
from .settings import Settings

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# Never taken from the client: identity the gateway sets, the key itself, and framing it recomputes.
CLIENT_HEADERS_DROPPED = frozenset(
    {
        "host",
        "content-length",
        "accept-encoding",  # so services answer uncompressed and bodies pass through byte for byte
        "authorization",
        "x-api-key",
        "forwarded",
        *GATEWAY_SET_HEADERS,
        # ways to make a service (or a framework in front of it) see another method, URL or address
        # than the one the gateway routed and judged
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
        "x-original-url",
        "x-rewrite-url",
        "x-real-ip",
    }
)
UPSTREAM_HEADERS_DROPPED = frozenset({"content-length", "server", "date"})
# Answers that say the service (or what stands in front of it) is down: they count toward the breaker.
# A 503 problem+json is the service itself answering that something it needs (customers, its
# database) is down: the service is there, so it does not open the breaker for every tenant.
BREAKER_STATUSES = frozenset({502, 503, 504})


def _says_unreachable(upstream: requests.Response) -> bool:
    if upstream.status_code not in BREAKER_STATUSES:
        return False
    mimetype = upstream.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return not (upstream.status_code == 503 and mimetype == "application/problem+json")


# An upstream 5xx reaches the client only as one of these; any other body is logged, not passed on.
JSON_TYPES = frozenset({"application/problem+json", "application/json"})
ERROR_LOG_BYTES = 2048
STREAM_CHUNK_BYTES = 64 * 1024

log = logging.getLogger("fieldbook.gateway.proxy")


def _mimetype(upstream: requests.Response) -> str:
    return (upstream.headers.get("Content-Type") or "").split(";")[0].strip().lower()


UPSTREAM_REQUESTS = Counter(
    "fieldbook_gateway_upstream_requests_total", "Requests forwarded by the gateway", ["upstream", "outcome"]
)
UPSTREAM_LATENCY = Histogram(
    "fieldbook_gateway_upstream_seconds",
    "Time an upstream took to answer",
    ["upstream"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Headers named in `Connection:` are hop-by-hop too (RFC 9110 §7.6.1)."""
    names: set[str] = set()
    for key, value in headers:
        if key.lower() == "connection":
            names.update(t.strip().lower() for t in value.split(",") if t.strip())
    return names


def forwardable_request_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    headers = list(headers)
    dropped = HOP_BY_HOP | CLIENT_HEADERS_DROPPED | _connection_tokens(headers)
    return [
        (k, v) for k, v in headers if k.lower() not in dropped and not k.lower().startswith("x-forwarded-")
    ]


_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _token(value: str | None) -> str | None:
    return value if value and _TOKEN.fullmatch(value) else None


def correlation_id() -> str:
    """What services hear as X-Correlation-Id: the client's when it is a plain token (at most 128 of
    `A-Za-z0-9._:-`), else the request id when that is one, else a new id. It lands in every log line
    and event of the services, so nothing else gets through."""
    return _token(request.headers.get(CORRELATION_HEADER)) or _token(g.get("request_id")) or str(uuid.uuid4())


# What may stand as it is in a path segment / a query (RFC 3986 §3.3, §3.4); the rest is %-encoded.
PATH_SAFE = "/:@!$&'()*+,;=~-._"
QUERY_SAFE = PATH_SAFE + "?%"  # a query's own %-escapes are kept as the client wrote them


def _upstream_target() -> str:
    """The path and query of the current request, as the bytes the client sent, ready for the service.

    The path's bytes come from the raw request target (RAW_URI / REQUEST_URI) when it spells the
    very path routing and the role table judged, else from PATH_INFO (WSGI carries bytes as
    Latin-1); either way they are %-encoded afresh, so `%FF` stays `%FF` instead of becoming
    U+FFFD. The query goes on as the client sent it, with only the bytes a query may not hold (raw
    UTF-8, spaces, `#`) %-encoded, so `q=café` is encoded once, not twice.
    """
    environ = request.environ
    raw_path = None
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw_uri:
        path = raw_uri.split("?", 1)[0].split("#", 1)[0]
        if "://" in path:  # absolute form: http://host/path
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        candidate = unquote_to_bytes(path)
        if candidate.decode("utf-8", "replace") == request.path:
            raw_path = candidate
    if raw_path is None:
        try:
            raw_path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
        except UnicodeEncodeError:  # a server outside the WSGI rules: the decoded path is all there is
            raw_path = request.path.encode("utf-8")
    target = quote(raw_path, safe=PATH_SAFE)
    if request.query_string:
        target += "?" + quote(request.query_string, safe=QUERY_SAFE)
    return target


def unsendable_header(headers: dict[str, str]) -> str | None:
    """The first header whose value HTTP/1.1 cannot carry (values are Latin-1), or None.

    A key named before names had to be printable ASCII may hold any character; its X-Actor would
    make the HTTP client raise mid-request.
    """
    for name, value in headers.items():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return name
    return None


def unsendable_problem(name: str) -> Response:
    log.error("request not forwarded: its %s header cannot be encoded as Latin-1", name)
    detail = (
        "This key's name cannot be sent to the services; use a key whose name is plain ASCII."
        if name == ACTOR_HEADER
        else f"The gateway cannot send the {name} header to the services."
    )
    return problem_response(500, detail=detail)


class CircuitBreaker:
    """Closed → (N consecutive failures) → open for `open_seconds` → half-open: one trial request.

    Per process and per upstream. What counts as a failure is the proxy's call (`Proxy._send`):
    a failed connection, a connect timeout, a 502/503/504; any other answer, even a 500, shows the
    service is there and closes the breaker.
    """

    def __init__(
        self, failures: int = 5, open_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ):
        self.threshold = failures
        self.open_seconds = open_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._trial_thread: int | None = None

    def allow(self) -> tuple[bool, int]:
        """(may this request go?, seconds to wait when not)."""
        with self._lock:
            if self._opened_at is None:
                return True, 0
            waited = self._clock() - self._opened_at
            if waited < self.open_seconds:
                return False, max(1, int(self.open_seconds - waited + 0.999))
            if self._trial_running:
                return False, 1
            self._trial_running = True
            self._trial_thread = threading.get_ident()
            return True, 0

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def release(self) -> None:
        """End this thread's half-open trial if no verdict was recorded for it (it raised, or its
        outcome does not count). Called in a `finally`: a trial left running would answer 503 to
        every later request of this worker, for ever."""
        with self._lock:
            if self._trial_running and self._trial_thread == threading.get_ident():
                self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial_running = False

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None


def _as_requests_error(exc: Exception) -> Exception:
    """urllib3's error as the `requests` one `Proxy._send` judges (requests' own adapter mapping)."""
    if isinstance(exc, u3.NewConnectionError):  # a subclass of ConnectTimeoutError: first
        return requests.ConnectionError(exc)
    if isinstance(exc, u3.ConnectTimeoutError):
        return requests.ConnectTimeout(exc)
    if isinstance(exc, u3.ReadTimeoutError):
        return requests.ReadTimeout(exc)
    if isinstance(exc, u3.ProtocolError | u3.SSLError | u3.ProxyError | u3.ClosedPoolError | OSError):
        return requests.ConnectionError(exc)
    return requests.RequestException(exc)  # a malformed answer


class Upstream:
    """A service's answer to a forwarded request, read from urllib3 under the names of a
    `requests.Response` (`status_code`, `headers`, `raw`, `iter_content`, `close`), so one breaker
    and one set of checks serve both clients."""

    def __init__(self, raw: urllib3.BaseHTTPResponse, url: str):
        self.raw, self.url = raw, url
        self.status_code = raw.status
        self.headers = raw.headers

    def iter_content(self, size: int) -> Iterator[bytes]:
        try:
            yield from self.raw.stream(size, decode_content=True)
        except (u3.HTTPError, OSError) as exc:
            raise _as_requests_error(exc) from exc

    def close(self) -> None:
        """Back to the pool when its body was read to the end; else the connection is closed (the
        rest of the body would be read as the next answer)."""
        if not self.raw.closed:
            self.raw.close()
        self.raw.release_conn()


class Proxy:
    """Forwarding: one urllib3 connection pool per upstream and process (keep-alive connections,
    none of `requests`' per-request work: `requests` cost as much CPU as the rest of the gateway).
    The gateway's own calls (`fetch_json`): one `requests.Session` per process. One breaker per
    upstream."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.breakers = {
            name: CircuitBreaker(settings.breaker_failures, settings.breaker_open_seconds)
            for name in settings.upstream_urls
        }
        self._session: requests.Session | None = None
        self._session_pid: int | None = None
        self._pools: dict[str, urllib3.HTTPConnectionPool] = {}
        self._pools_pid: int | None = None
        self._lock = threading.Lock()
        self._timeout = urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout)

    @property
    def session(self) -> requests.Session:
        """Made lazily and again after a fork: gunicorn workers must not share sockets."""
        with self._lock:
            if self._session is None or self._session_pid != os.getpid():
                session = requests.Session()
                session.headers.clear()  # no default User-Agent / Accept-Encoding of our own
                session.trust_env = False  # never route service calls through an environment proxy
                mount_fresh(session, pool_connections=8, pool_maxsize=32, max_retries=0)
                self._session, self._session_pid = session, os.getpid()
            return self._session

    def _pool(self, service: str) -> tuple[urllib3.HTTPConnectionPool, str]:
        """The upstream's pool (made lazily, and again after a fork) and its base URL's path."""
        base = urllib3.util.parse_url(self.settings.upstream_url(service))
        with self._lock:
            if self._pools_pid != os.getpid():
                self._pools, self._pools_pid = {}, os.getpid()
            pool = self._pools.get(service)
            if pool is None:
                pool = fresh_pool(base.url, maxsize=32, block=False, retries=False, timeout=self._timeout)
                self._pools[service] = pool
        return pool, (base.path or "").rstrip("/")

    def _open(self, pool: urllib3.HTTPConnectionPool, method: str, target: str, headers, body) -> Upstream:
        try:
            raw = pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,  # the body follows as the client reads it (`_response`)
                decode_content=True,
            )
        except (u3.HTTPError, OSError) as exc:
            raise _as_requests_error(exc) from exc
        return Upstream(raw, pool.scheme + "://" + str(pool.host) + target)

    def forward(self, service: str, principal: Principal, body: bytes) -> Response:
        """Send the current request to `service`; its answer, or a problem saying what failed."""
        headers = self._headers(principal)
        unsendable = unsendable_header(headers)
        if unsendable:
            return unsendable_problem(unsendable)
        base = self.settings.upstream_url(service)
        pool, prefix = self._pool(service)
        target = prefix + _upstream_target()
        if body and not isinstance(body, bytes):  # a streamed upload: urllib3 would send it chunked
            headers["Content-Length"] = str(len(body))
        outcome, upstream, wait = self._send(
            service, lambda: self._open(pool, request.method, target, headers, body or None)
        )
        if outcome == "circuit_open":
            return problem_response(
                503,
                detail=f"The {service} service is unavailable; try again in a few seconds.",
                headers={"Retry-After": str(wait)},
            )
        if outcome == "timeout":
            return problem_response(504, detail=f"The {service} service did not answer in time.")
        if upstream is None:
            return problem_response(502, detail=f"The {service} service is unavailable.")
        if upstream.status_code >= 500 and _mimetype(upstream) not in JSON_TYPES:
            # an error page (a traceback, a database host) is for the operator, not the client
            try:
                head = next(upstream.iter_content(ERROR_LOG_BYTES), b"")
            except requests.RequestException:
                head = b""
            finally:
                upstream.close()
            log.error(
                "%s answered %s with %s; not passed on. Its first 2 KB: %r",
                service,
                upstream.status_code,
                upstream.headers.get("Content-Type") or "no content type",
                head,
            )
            return problem_response(502, detail=f"The {service} service gave an unexpected answer.")
        return self._response(upstream, base)

    def fetch_json(
        self,
        service: str,
        principal: Principal,
        path: str,
        *,
        params: dict | None,
        ids: dict[str, str],
        timeout: float,
    ) -> tuple[str, int | None, dict, object]:
        """A GET for the gateway's own use (the overview, the timeline), callable from any thread.

        Returns (outcome, status, headers, json body): outcome is "ok", "unavailable", "timeout" or
        "unsendable" (an identity header HTTP cannot carry; nothing was sent).
        Goes through the upstream's circuit breaker like any forwarded request.
        """
        headers = self._identity(principal, ids["request_id"], ids["correlation_id"])
        headers["Accept"] = "application/json"
        if unsendable_header(headers):
            return "unsendable", None, {}, None
        outcome, upstream, _ = self._send(
            service,
            lambda: self.session.get(
                self.settings.upstream_url(service) + path,
                params=params,
                headers=headers,
                timeout=(min(self.settings.connect_timeout, timeout), timeout),
                allow_redirects=False,
            ),
        )
        if upstream is None:
            return ("timeout" if outcome == "timeout" else "unavailable"), None, {}, None
        try:
            body = upstream.json()
        except ValueError:
            body = None
        return "ok", upstream.status_code, dict(upstream.headers), body

    def _send(
        self, service: str, send: Callable[[], requests.Response]
    ) -> tuple[str, requests.Response | None, int]:
        """`send()` under `service`'s circuit breaker: (outcome, answer or None, Retry-After).

        Outcome "ok" (any HTTP answer), "circuit_open", "timeout", "unavailable" or "error". Only
        signs that the service itself is down count toward opening the breaker: a refused or failed
        connection, a connect timeout, an unexpected exception, an answer 502/503/504. A read
        timeout does not: one client's slow requests on one endpoint must not shut the service
        for every tenant.
        """
        breaker = self.breakers[service]
        allowed, wait = breaker.allow()
        if not allowed:
            UPSTREAM_REQUESTS.labels(service, "circuit_open").inc()
            return "circuit_open", None, wait
        started = time.perf_counter()
        try:
            upstream = send()
        except requests.ConnectTimeout:
            breaker.record_failure()
            outcome = "timeout"
        except requests.Timeout:  # the read timeout: the service is there, this request is slow
            outcome = "timeout"
        except requests.ConnectionError:
            breaker.record_failure()
            outcome = "unavailable"
        except requests.RequestException:  # a malformed answer: the service is there
            outcome = "unavailable"
        except Exception:
            breaker.record_failure()
            log.exception("calling %s failed unexpectedly", service)
            outcome = "error"
        else:
            if _says_unreachable(upstream):
                breaker.record_failure()
            else:
                breaker.record_success()
            UPSTREAM_REQUESTS.labels(service, str(upstream.status_code)).inc()
            UPSTREAM_LATENCY.labels(service).observe(time.perf_counter() - started)
            return "ok", upstream, 0
        finally:
            breaker.release()
        UPSTREAM_REQUESTS.labels(service, outcome).inc()
        return outcome, None, 0

    def _identity(self, principal: Principal, request_id: str, correlation: str) -> dict[str, str]:
        """The headers that tell a service who asks (GATEWAY_SET_HEADERS), set by the gateway only."""
        headers = {
            TENANT_HEADER: principal.tenant_id,
            ACTOR_HEADER: principal.actor,
            ROLE_HEADER: principal.role,
            REQUEST_ID_HEADER: request_id,
            CORRELATION_HEADER: correlation,
            INTERNAL_TOKEN_HEADER: self.settings.internal_token,
        }
        if principal.is_public:  # a public page names no tenant: the service reads it from the signed path
            del headers[TENANT_HEADER]
        return headers

    def _headers(self, principal: Principal) -> dict[str, str]:
        headers = dict(forwardable_request_headers(request.headers.items()))
        headers.update(self._identity(principal, g.get("request_id") or "", correlation_id()))
        headers["X-Forwarded-For"] = request.remote_addr or ""
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        return headers

    @staticmethod
    def _response(upstream: requests.Response, base: str) -> Response:
        """The service's answer, streamed to the client as it comes: never held whole in memory.

        The upstream response is closed when the client's response is (however it ends: read to
        the end, cut off, or never read, as for HEAD), so its connection goes back to the pool.
        """
        raw = (
            list(upstream.raw.headers.items()) if upstream.raw is not None else list(upstream.headers.items())
        )
        dropped = HOP_BY_HOP | UPSTREAM_HEADERS_DROPPED | _connection_tokens(raw)
        public_base = request.host_url.rstrip("/")
        headers: list[tuple[str, str]] = []
        decoded = False
        for key, value in raw:
            lower = key.lower()
            if lower in dropped:
                continue
            if lower == "content-encoding" and value.strip().lower() in ("gzip", "deflate"):
                decoded = True  # requests decodes the body as it streams
                continue
            if lower in ("location", "link", "content-location"):
                value = value.replace(base, public_base)  # a service's own address never leaks out
            headers.append((key, value))
        response = Response(_stream(upstream), status=upstream.status_code, direct_passthrough=True)
        response.call_on_close(upstream.close)
        del response.headers["Content-Type"]
        for key, value in headers:
            response.headers.add(key, value)
        length = upstream.headers.get("Content-Length")
        if length is not None and not decoded:  # the decoded body's length is not the one announced
            response.headers["Content-Length"] = length  # HEAD too: the size a GET would have
        return response


def _stream(upstream: requests.Response) -> Iterator[bytes]:
    try:
        yield from upstream.iter_content(STREAM_CHUNK_BYTES)
    except requests.RequestException as exc:
        # the status is sent already: raising makes the server cut the connection (no final chunk,
        # or fewer bytes than Content-Length), so the client sees a broken answer, not a short file
        log.warning("the answer from %s broke off while streaming: %s", upstream.url, exc)
        raise
    finally:
        upstream.close()
