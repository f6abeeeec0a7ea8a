"""The proxy under trouble: exceptions, unsendable headers, slow clients, upstream failures."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

from gateway import keys
from gateway.proxy import CircuitBreaker
from gateway.store import ApiKey

CUSTOMER = str(uuid.uuid4())
PROBLEM = "application/problem+json"


def _proxy(gw):
    return gw.app.extensions["fieldbook_gateway"].proxy


def test_a_trial_that_ends_without_a_verdict_is_released():
    now = [0.0]
    breaker = CircuitBreaker(failures=1, open_seconds=10, clock=lambda: now[0])
    breaker.record_failure()
    now[0] = 11
    assert breaker.allow() == (True, 0)  # the half-open trial
    assert breaker.allow()[0] is False
    breaker.release()  # it ended in an exception: no verdict
    assert breaker.allow() == (True, 0)  # the next request is the trial, not a 503 forever


def test_an_unexpected_exception_in_the_half_open_trial_does_not_lock_the_breaker(make_gateway, monkeypatch):
    gw = make_gateway(breaker_failures=1, breaker_open_seconds=0.2)
    proxy = _proxy(gw)
    proxy.breakers["customers"].record_failure()  # open
    time.sleep(0.3)  # half-open

    def boom(*args, **kwargs):
        raise RuntimeError("not a RequestException")

    monkeypatch.setattr(proxy, "_open", boom)  # the forwarding call
    resp = gw.client.get("/v1/customers", headers=gw.auth("sales"))  # the trial
    assert resp.status_code == 502
    assert resp.mimetype == PROBLEM
    monkeypatch.undo()
    time.sleep(0.3)  # the failed trial opened it again, for open_seconds only
    assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code == 200
    assert not proxy.breakers["customers"].is_open


def _key_named(gw, name: str) -> str:
    """A key whose name predates the printable-ASCII rule (written to the table directly)."""
    with gw.session() as session:
        row, plain = keys.create_key(session, gw.tenant_id, "sales", name="placeholder")
        session.get(ApiKey, row.id).name = name
        session.commit()
    return plain


def test_a_key_name_that_cannot_go_in_a_header_is_a_500_problem_and_the_breaker_stays_closed(
    make_gateway, fake_services
):
    gw = make_gateway(breaker_failures=1)
    plain = _key_named(gw, "李 office")
    for _ in range(3):
        resp = gw.client.get("/v1/customers", headers={"Authorization": f"Bearer {plain}"})
        assert resp.status_code == 500
        assert resp.mimetype == PROBLEM
    assert fake_services["customers"].calls == []
    assert not _proxy(gw).breakers["customers"].is_open
    assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code == 200
    overview = gw.client.get(
        f"/v1/customers/{CUSTOMER}/overview", headers={"Authorization": f"Bearer {plain}"}
    )
    assert overview.status_code == 500
    assert not _proxy(gw).breakers["customers"].is_open


def test_a_latin1_key_name_reaches_the_service(make_gateway, fake_services):
    gw = make_gateway()
    plain = _key_named(gw, "Zoë")
    assert gw.client.get("/v1/customers", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    assert fake_services["customers"].last["headers"]["X-Actor"] == "key:Zoë"


@pytest.mark.parametrize("name", ["李", "tab\there", "new\nline", "Zoë", ""])
def test_create_key_refuses_names_that_are_not_printable_ascii(gw, name):
    with gw.session() as session, pytest.raises(ValueError, match="printable ASCII"):
        keys.create_key(session, gw.tenant_id, "sales", name=name or "\x7f")


def test_create_key_accepts_a_plain_name(gw):
    with gw.session() as session:
        row, _ = keys.create_key(session, gw.tenant_id, "sales", name="  Web console #2  ")
    assert row.name == "Web console #2"


class _LogRecords(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class ScriptedService:
    """A service whose next answers are set by the test: status, content type, body."""

    def __init__(self):
        self.status, self.content_type, self.body = 200, "application/json", b"{}"
        self.calls: list[str] = []
        app = Flask("scripted")

        @app.route("/<path:path>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        def answer(path):
            self.calls.append(request.full_path)
            return Response(self.body, status=self.status, content_type=self.content_type)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer_with(self, status: int, content_type: str | None, body: bytes) -> None:
        self.status, self.content_type, self.body = status, content_type, body


@pytest.fixture
def scripted():
    service = ScriptedService()
    yield service
    service.server.shutdown()


def test_read_timeouts_answer_504_but_do_not_open_the_breaker(make_gateway, fake_services):
    gw = make_gateway(read_timeout=0.3, breaker_failures=3)
    for _ in range(5):  # one client, one slow endpoint
        resp = gw.client.get(f"/v1/customers/{CUSTOMER}/slow", headers=gw.auth("sales"))
        assert resp.status_code == 504
        assert resp.json["detail"] == "The customers service did not answer in time."
    assert not _proxy(gw).breakers["customers"].is_open
    assert gw.client.get("/v1/customers", headers=gw.auth("admin")).status_code == 200  # other tenants


@pytest.mark.parametrize(
    ("status", "content_type"),
    [(502, "application/problem+json"), (503, "text/html"), (504, "application/problem+json")],
)
def test_upstream_gateway_errors_open_the_breaker(make_gateway, scripted, status, content_type):
    """What stands in front of a service (or nothing) answering 502/503/504."""
    gw = make_gateway(breaker_failures=3, upstreams={"customers": scripted.url})
    scripted.answer_with(status, content_type, b'{"status": %d, "title": "down"}' % status)
    for _ in range(3):
        assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code in (502, status)
    resp = gw.client.get("/v1/customers", headers=gw.auth("sales"))
    assert resp.status_code == 503 and "Retry-After" in resp.headers
    assert len(scripted.calls) == 3


def test_a_services_own_503_problem_does_not_open_the_breaker(make_gateway, scripted):
    """billing answering 503 because customers (or its database) is down: billing is there, and one
    tenant's trouble must not shut billing off for every tenant."""
    gw = make_gateway(breaker_failures=2, upstreams={"customers": scripted.url})
    scripted.answer_with(
        503,
        "application/problem+json",
        b'{"status": 503, "title": "Service Unavailable", "detail": "customers is down"}',
    )
    for _ in range(4):
        resp = gw.client.get("/v1/customers", headers=gw.auth("sales"))
        assert resp.status_code == 503 and resp.get_json()["detail"] == "customers is down"
    assert len(scripted.calls) == 4


def test_an_upstream_500_does_not_open_the_breaker(make_gateway, scripted):
    gw = make_gateway(breaker_failures=2, upstreams={"customers": scripted.url})
    scripted.answer_with(
        500, "application/problem+json", b'{"status": 500, "title": "Internal Server Error"}'
    )
    for _ in range(4):
        assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code == 500
    assert len(scripted.calls) == 4


@pytest.mark.parametrize(
    ("status", "content_type"), [(500, "text/html; charset=utf-8"), (503, "text/plain"), (500, None)]
)
def test_an_upstream_error_page_never_reaches_the_client(make_gateway, scripted, status, content_type):
    gw = make_gateway()
    logged = _LogRecords()
    logging.getLogger("fieldbook.gateway.proxy").addHandler(logged)
    gw.settings.upstream_urls["customers"] = scripted.url
    scripted.answer_with(
        status,
        content_type,
        b"<pre>Traceback (most recent call last): connect to db-host-7.internal:5432</pre>",
    )
    resp = gw.client.get("/v1/customers", headers=gw.auth("sales"))
    assert resp.status_code == 502
    assert resp.mimetype == PROBLEM
    assert resp.json["detail"] == "The customers service gave an unexpected answer."
    assert b"db-host-7" not in resp.data
    logging.getLogger("fieldbook.gateway.proxy").removeHandler(logged)
    assert any("db-host-7" in m for m in logged.messages)  # for the operator, in the log


def test_an_upstream_problem_passes_through(make_gateway, scripted):
    gw = make_gateway(upstreams={"customers": scripted.url})
    scripted.answer_with(
        500,
        "application/problem+json",
        b'{"status": 500, "title": "Internal Server Error", "request_id": "r1"}',
    )
    resp = gw.client.get("/v1/customers", headers=gw.auth("sales"))
    assert (resp.status_code, resp.mimetype, resp.data) == (500, PROBLEM, scripted.body)


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (500, "text/html", b"<h1>Internal Server Error</h1>"),
        (500, "application/json", b"not json at all"),
        (200, "application/json", b"[1, 2, 3]"),
        (200, "application/json", b'"a string"'),
        (200, "text/html", b"<html></html>"),
        (404, "text/html", b"<h1>Not Found</h1>"),
        (301, "application/json", b"[]"),
    ],
)
def test_overview_answers_502_when_customers_gives_an_unexpected_answer(
    make_gateway, scripted, status, content_type, body
):
    resp = _overview_as_customers_answers(make_gateway, scripted, status, content_type, body)
    assert resp.status_code == 502
    assert resp.mimetype == PROBLEM
    assert resp.json["detail"] == "The customers service gave an unexpected answer."


def test_overview_passes_on_customers_own_404_problem(make_gateway, scripted):
    problem = b'{"status": 404, "title": "Not Found", "detail": "No customer here."}'
    resp = _overview_as_customers_answers(make_gateway, scripted, 404, "application/problem+json", problem)
    assert resp.status_code == 404
    assert resp.mimetype == PROBLEM
    assert resp.json["detail"] == "No customer here."


def _overview_as_customers_answers(make_gateway, scripted, status, content_type, body):
    """The overview, as admin, while customers answers with `status`, `content_type` and `body`."""
    gw = make_gateway(upstreams={"customers": scripted.url})
    scripted.answer_with(status, content_type, body)
    return gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=gw.auth("admin"))


def test_head_keeps_the_services_content_length(make_gateway, scripted):
    gw = make_gateway(upstreams={"customers": scripted.url})
    scripted.body = b'{"name": "Acme"}'
    resp = gw.client.head("/v1/customers", headers=gw.auth("sales"))
    assert resp.status_code == 200
    assert resp.headers["Content-Length"] == str(len(scripted.body))
    assert resp.data == b""


@pytest.fixture
def trickling():
    """A service that sends the first part of its answer, then waits for `go` before the rest."""
    app, go, closed = Flask("trickling"), threading.Event(), threading.Event()

    @app.get("/v1/exports/<export_id>")
    def export(export_id):
        def parts():
            try:
                yield b"first part;"
                go.wait(4)
                yield b"second part"
            finally:
                closed.set()

        return Response(parts(), mimetype="text/csv")

    @app.get("/v1/exports")
    def sized():
        body = b"x" * 300_000
        return Response(body, mimetype="application/octet-stream", headers={"Content-Length": str(len(body))})

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", go, closed
    server.shutdown()


def test_the_answer_streams_through_without_waiting_for_the_whole_body(make_gateway, trickling):
    url, go, closed = trickling
    gw = make_gateway(read_timeout=5.0, upstreams={"customers": url})
    started = time.monotonic()
    resp = gw.client.get(f"/v1/exports/{CUSTOMER}", headers=gw.auth("admin"), buffered=False)
    assert time.monotonic() - started < 2.0  # the status and headers came before the rest of the body
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    parts = iter(resp.response)
    assert next(parts) == b"first part;"
    go.set()
    assert b"".join(parts) == b"second part"
    resp.close()
    assert closed.wait(2)


def test_a_streamed_answer_keeps_its_content_length(make_gateway, trickling):
    url, _go, _closed = trickling
    gw = make_gateway(upstreams={"customers": url})
    before = _streamed_count(gw)
    resp = gw.client.get("/v1/exports", headers=gw.auth("admin"))
    assert resp.status_code == 200
    assert resp.headers["Content-Length"] == "300000"
    assert resp.data == b"x" * 300_000
    assert _streamed_count(gw) == before + 1  # the request metric still sees the status


def _streamed_count(gw) -> float:
    for line in gw.client.get("/metrics").get_data(as_text=True).splitlines():
        if line.startswith("fieldbook_http_requests_total{") and 'method="GET"' in line:
            if (
                'endpoint="/v1/<path:rest>"' in line
                and 'status="200"' in line
                and 'service="gateway"' in line
            ):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_body_nested_past_the_parser_reaches_the_service_which_answers_it(gw, fake_services):
    body = b"[" * 5000 + b"]" * 5000
    resp = gw.client.post(
        "/v1/customers", data=body, headers={**gw.auth("admin"), "Content-Type": "application/json"}
    )
    assert resp.status_code != 500 and resp.mimetype != "text/html"


def test_an_answer_that_breaks_off_while_streaming_is_cut_not_ended_cleanly():
    import requests

    from gateway.proxy import _stream

    class Broken:
        url, closed = "http://customers/v1/exports", False

        def iter_content(self, size):
            yield b"id,name\n"
            raise requests.exceptions.ChunkedEncodingError("connection reset")

        def close(self):
            self.closed = True

    upstream = Broken()
    chunks = _stream(upstream)
    assert next(chunks) == b"id,name\n"
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        next(chunks)  # the server then drops the connection: the client sees a broken download
    assert upstream.closed
