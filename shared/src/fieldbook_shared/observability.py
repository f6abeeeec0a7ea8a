"""JSON logs with request and correlation ids, Prometheus metrics that add up across gunicorn
workers, health.

Every request gets one access line with its request id, tenant and correlation id. The correlation
id is the request's `X-Correlation-Id` (the gateway always sends one) or else its request id: the
same id the events written by the request carry (`correlationid`), so a request's line and the
lines of the events it caused, in every service, share it.

Metrics: when `PROMETHEUS_MULTIPROC_DIR` is set (gunicorn, see `gunicorn_conf`), every worker
writes its samples there and `/metrics` aggregates them; otherwise the process registry is used.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from .context import CORRELATION_HEADER, REQUEST_ID_HEADER

_STD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields are kept as keys."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log line to stdout as JSON. Safe to call more than once."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("pika").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


HTTP_REQUESTS = Counter(
    "fieldbook_http_requests_total", "HTTP requests handled", ["service", "method", "endpoint", "status"]
)
HTTP_LATENCY = Histogram(
    "fieldbook_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_access = logging.getLogger("fieldbook.access")


_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _printable_id(value: str | None) -> str | None:
    """An id from a header, if it is one: at most 128 of `A-Za-z0-9._:-` (the rule the gateway
    forwards by, so its log and the services' logs carry the same id)."""
    return value if value and _ID.fullmatch(value) else None


def init_request_logging(app: Flask, service: str) -> None:
    """Request id in and out (`X-Request-Id`), the correlation id, one JSON line and one metric
    sample per request."""

    @app.before_request
    def _start():
        g.request_id = _printable_id(request.headers.get(REQUEST_ID_HEADER)) or str(uuid.uuid4())
        g.correlation_id = _printable_id(request.headers.get(CORRELATION_HEADER)) or g.request_id
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or str(uuid.uuid4())
        response.headers[REQUEST_ID_HEADER] = request_id
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if endpoint != "/metrics":
            HTTP_REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
            HTTP_LATENCY.labels(service, request.method, endpoint).observe(elapsed)
        _access.info(
            "request",
            extra={
                "request_id": request_id,
                "correlation_id": g.get("correlation_id") or request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "tenant_id": g.get("tenant_id"),
                "actor": g.get("actor"),
            },
        )
        return response


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        data = generate_latest(registry)
    else:
        data = generate_latest()
    # `headers`, not `mimetype`: CONTENT_TYPE_LATEST already names its charset, and Flask would add
    # a second one to a mimetype
    return Response(data, headers={"Content-Type": CONTENT_TYPE_LATEST})


def init_health(app: Flask, checks: dict[str, Callable[[], None]]) -> None:
    """`/healthz`: the process answers. `/readyz`: every check passes (each raises on failure).

    `/readyz?only=database` runs only the named checks (comma-separated). A web process serves every
    request with the database alone (its events wait in the outbox while the broker is away), so its
    readiness probe asks only for that: a broker outage must not take the API out of rotation. The
    full `/readyz` stays the operator's view of every dependency.
    """

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        wanted = checks
        if only := request.args.get("only"):
            names = [name.strip() for name in only.split(",") if name.strip()]
            unknown = sorted(set(names) - set(checks))
            if unknown:
                return {"status": "unknown check", "unknown": unknown, "checks": sorted(checks)}, 400
            wanted = {name: checks[name] for name in names}
        results, ok = {}, True
        for name, check in wanted.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # a failed dependency is an answer here, not an error
                ok = False
                results[name] = f"unavailable: {type(exc).__name__}"
        return {"status": "ok" if ok else "unavailable", "checks": results}, (200 if ok else 503)

    @app.get("/metrics")
    def metrics():
        return metrics_response()
