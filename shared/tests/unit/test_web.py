"""The web kit: problem responses, tenancy, Idempotency-Key, ETag, pagination links, health."""

from __future__ import annotations

import json

import pytest
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.exc import OperationalError

from fieldbook_shared.db import Base, create_engine
from fieldbook_shared.etag import check_version, etag_for, expected_version
from fieldbook_shared.pagination import paginate
from fieldbook_shared.problems import Conflict, PreconditionFailed, flatten_errors
from fieldbook_shared.settings import Settings
from fieldbook_shared.web import create_service_app, current_uow

calls = {"n": 0}


class ThingSchema(Schema):
    name = fields.String(required=True)
    size = fields.Integer()


blp = Blueprint("things", __name__, url_prefix="/v1/things")


@blp.route("")
class Things(MethodView):
    @blp.arguments(ThingSchema)
    @blp.response(201, ThingSchema)
    def post(self, body):
        calls["n"] += 1
        if body["name"] == "clash":
            raise Conflict("That thing clashes.", other="x")
        if body["name"] == "boom":
            raise RuntimeError("internal detail")
        if body["name"] == "db-gone":
            raise OperationalError(
                "INSERT INTO things (email) VALUES (?)",
                ("sam.ellis@example.com",),
                RuntimeError("server closed the connection\nmore lines from the server"),
            )
        uow = current_uow()
        assert uow.tenant_id
        return body, 201, {"Location": f"/v1/things/{calls['n']}"}

    @blp.response(200, ThingSchema(many=True))
    @blp.paginate(page_size=2)
    def get(self, pagination_parameters):
        pagination_parameters.item_count = 5
        return [{"name": "a"}, {"name": "b"}]


@blp.route("/paged")
class Paged(MethodView):
    @blp.response(200, ThingSchema(many=True))
    @paginate(blp)
    def get(self, page):
        return [{"name": "x", "size": page.size}], 10


@blp.route("/own-pages")
class OwnPages(MethodView):
    @blp.response(200, ThingSchema(many=True))
    @paginate(blp, page_size=4, max_page_size=6)
    def get(self, page):
        number, size = page  # unpacks as the two arguments a use case takes
        return [{"name": str(number), "size": size}], 50


@blp.route("/upload")
class Upload(MethodView):
    def post(self):
        calls["n"] += 1
        file = request.files["file"]
        return {"n": calls["n"], "name": request.form["name"], "bytes": len(file.read())}, 201


@blp.route("/versioned")
class Versioned(MethodView):
    def patch(self):
        check_version(3, expected_version())
        return {"ok": True}, 200, {"ETag": etag_for(4)}


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    Base.metadata.create_all(create_engine(url))
    settings = Settings(
        service="things", database_url=url, testing=True, max_body_bytes=10_000, log_level="WARNING"
    )
    app = create_service_app(settings, title="Things", blueprints=[blp])
    return app.test_client()


H = {"X-Tenant-Id": "t1", "X-Role": "admin", "X-Actor": "tester"}


def test_validation_errors_are_problem_json_with_field_errors(client):
    resp = client.post("/v1/things", json={"size": "big", "extra": 1}, headers=H)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 422 and body["title"] == "Validation failed"
    assert set(body["errors"]) == {"name", "size", "extra"}


def test_domain_refusal_is_409_with_detail(client):
    resp = client.post("/v1/things", json={"name": "clash"}, headers=H)
    assert resp.status_code == 409
    assert resp.get_json()["detail"] == "That thing clashes."
    assert resp.get_json()["other"] == "x"


def test_unexpected_error_is_500_without_traceback(client):
    resp = client.post("/v1/things", json={"name": "boom"}, headers=H)
    assert resp.status_code == 500
    text = resp.get_data(as_text=True)
    assert "internal detail" not in text and "Traceback" not in text
    assert resp.get_json()["request_id"] == resp.headers["X-Request-Id"]


def test_a_database_that_went_away_is_503_with_retry_after(client, caplog):
    with caplog.at_level("WARNING", logger="fieldbook.errors"):
        resp = client.post("/v1/things", json={"name": "db-gone"}, headers=H)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "2"
    assert resp.mimetype == "application/problem+json"
    text = resp.get_data(as_text=True)
    assert "server closed" not in text and "INSERT" not in text and "Traceback" not in text
    # the log line names the cause (the driver's class and first line), never the SQL or its values
    [line] = [r.getMessage() for r in caplog.records if r.name == "fieldbook.errors"]
    assert line == "database unavailable: RuntimeError: server closed the connection"


def test_not_found_method_not_allowed_and_too_large_are_problems(client):
    assert client.get("/v1/nothing", headers=H).mimetype == "application/problem+json"
    assert client.delete("/v1/things", headers=H).status_code == 405
    big = client.post("/v1/things", data="x" * 20_000, content_type="application/json", headers=H)
    assert big.status_code == 413 and big.mimetype == "application/problem+json"


def test_requests_need_a_tenant(client):
    assert client.post("/v1/things", json={"name": "a"}).status_code == 401


def test_idempotency_key_replays_and_refuses_a_different_body(client):
    calls["n"] = 0
    h = {**H, "Idempotency-Key": "k1"}
    first = client.post("/v1/things", json={"name": "a"}, headers=h)
    second = client.post("/v1/things", json={"name": "a"}, headers=h)
    assert calls["n"] == 1
    assert first.get_data() == second.get_data() and second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert client.post("/v1/things", json={"name": "b"}, headers=h).status_code == 422
    # keys are per tenant
    other = client.post("/v1/things", json={"name": "a"}, headers={**h, "X-Tenant-Id": "t2"})
    assert other.status_code == 201 and calls["n"] == 2


def test_a_multipart_request_sent_again_is_the_same_request_whatever_its_boundary(client):
    import io

    calls["n"] = 0
    h = {**H, "Idempotency-Key": "k-multipart"}

    def send(content: bytes):
        data = {"name": "boiler", "file": (io.BytesIO(content), "boiler.png", "image/png")}
        return client.post("/v1/things/upload", data=data, content_type="multipart/form-data", headers=h)

    first, again = send(b"\x89PNG one"), send(b"\x89PNG one")  # a new random boundary each time
    assert (first.status_code, again.status_code) == (201, 201), again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert calls["n"] == 1 and first.get_json()["bytes"] == 8  # the view still read the whole file
    assert send(b"\x89PNG two").status_code == 422  # another file under the same key


def test_a_time_with_an_offset_is_stored_as_the_same_instant_in_utc(tmp_path):
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import select

    from fieldbook_shared.db import IdempotencyRecord, session_factory

    engine = create_engine(f"sqlite:///{tmp_path / 'tz.db'}")
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    at = datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    with sessions() as s:
        s.add(IdempotencyRecord(tenant_id="t1", key="k", request_hash="h", created_at=at))
        s.commit()
    with sessions() as s:
        stored = s.scalar(select(IdempotencyRecord.created_at))
    assert stored == datetime(2026, 1, 1, 5, 0, tzinfo=UTC) and stored.utcoffset() == timedelta(0)


def test_a_failed_request_releases_its_idempotency_key(client):
    h = {**H, "Idempotency-Key": "k-boom"}
    assert client.post("/v1/things", json={"name": "boom"}, headers=h).status_code == 500
    assert (
        client.post("/v1/things", json={"name": "boom"}, headers=h).status_code == 500
    )  # retried, not replayed


def test_if_match_required_and_checked(client):
    assert client.patch("/v1/things/versioned", headers=H).status_code == 428
    assert client.patch("/v1/things/versioned", headers={**H, "If-Match": '"2"'}).status_code == 412
    ok = client.patch("/v1/things/versioned", headers={**H, "If-Match": '"3"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"4"'


@pytest.mark.parametrize(
    "if_match, status",
    [
        ("*", 200),  # RFC 9110: any current version of a record that exists
        (' "2", "3" ', 200),  # one of the listed tags matches
        ('W/"3"', 412),  # If-Match compares strongly: a weak tag never matches
        ('W/"3", "2"', 412),
        ('W/"2", "3"', 200),
        ("3", 412),  # not a quoted entity tag
        ('"abc"', 412),
        ('"²"', 412),
        ("   ", 428),
    ],
)
def test_if_match_star_list_and_strong_comparison(client, if_match, status):
    assert client.patch("/v1/things/versioned", headers={**H, "If-Match": if_match}).status_code == status


def test_check_version_accepts_a_plain_version_a_set_or_any():
    check_version(3, 3)
    check_version(3, frozenset({2, 3}))
    check_version(3, None)
    with pytest.raises(PreconditionFailed):
        check_version(3, frozenset({1, 2}))
    with pytest.raises(PreconditionFailed):
        check_version(3, 2)


def test_pagination_adds_link_headers(client):
    resp = client.get("/v1/things?page=2&page_size=2", headers=H)
    assert json.loads(resp.headers["X-Pagination"])["total"] == 5
    assert (
        "<" in resp.headers["Link"]
        and 'rel="next"' in resp.headers["Link"]
        and 'rel="prev"' in resp.headers["Link"]
    )


def test_health_and_metrics_need_no_tenant(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert b"fieldbook_http_requests_total" in client.get("/metrics").data


def test_metrics_content_type_names_its_charset_once(client):
    from prometheus_client import CONTENT_TYPE_LATEST

    resp = client.get("/metrics")
    assert resp.headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert resp.headers["Content-Type"].count("charset") == 1


def test_flatten_errors_dots_nested_fields():
    assert flatten_errors({"address": {"postcode": ["Missing."]}, "phones": {0: {"type": ["Bad."]}}}) == {
        "address.postcode": ["Missing."],
        "phones.0.type": ["Bad."],
    }


def test_an_abandoned_idempotency_claim_is_taken_over_after_the_timeout(client):
    import hashlib
    from datetime import timedelta

    from fieldbook_shared.db import IdempotencyRecord, utcnow

    body = '{"name": "a"}'
    digest = hashlib.sha256(b"POST/v1/things?" + body.encode()).hexdigest()
    sessions = client.application.extensions["fieldbook"].sessions
    with sessions() as s:  # a claim left without a response by a process that died mid-request
        s.add(IdempotencyRecord(tenant_id="t1", key="k-dead", request_hash=digest, created_at=utcnow()))
        s.commit()
    h = {**H, "Idempotency-Key": "k-dead"}
    fresh = client.post("/v1/things", data=body, content_type="application/json", headers=h)
    assert fresh.status_code == 409  # a live claim: still being processed
    with sessions() as s:
        s.query(IdempotencyRecord).filter_by(key="k-dead").one().created_at = utcnow() - timedelta(minutes=5)
        s.commit()
    taken_over = client.post("/v1/things", data=body, content_type="application/json", headers=h)
    assert taken_over.status_code == 201
    replayed = client.post("/v1/things", data=body, content_type="application/json", headers=h)
    assert replayed.headers["Idempotent-Replayed"] == "true"


@pytest.fixture
def small_pages_client(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    Base.metadata.create_all(create_engine(url))
    settings = Settings(
        service="things",
        database_url=url,
        testing=True,
        log_level="WARNING",
        page_size_default=2,
        page_size_max=3,
    )
    return create_service_app(settings, title="Things", blueprints=[blp]).test_client()


def page_size_used(resp) -> int:
    return resp.get_json()[0]["size"]


def test_list_pages_follow_the_services_page_size_settings(small_pages_client):
    client = small_pages_client
    default = client.get("/v1/things/paged", headers=H)
    assert page_size_used(default) == 2
    assert json.loads(default.headers["X-Pagination"])["total_pages"] == 5
    assert page_size_used(client.get("/v1/things/paged?page_size=3", headers=H)) == 3

    too_big = client.get("/v1/things/paged?page_size=4", headers=H)
    assert too_big.status_code == 422 and too_big.mimetype == "application/problem+json"
    assert too_big.get_json()["errors"] == {
        "page_size": ["Must be greater than or equal to 1 and less than or equal to 3."]
    }
    assert client.get("/v1/things/paged?page_size=0", headers=H).status_code == 422
    assert client.get("/v1/things/paged?page_size=99999999999999", headers=H).status_code == 422


def test_an_endpoint_with_page_sizes_of_its_own_keeps_them(small_pages_client):
    client = small_pages_client  # the service's sizes are 2 and 3
    first = client.get("/v1/things/own-pages", headers=H)
    assert page_size_used(first) == 4 and first.get_json()[0]["name"] == "1"
    assert json.loads(first.headers["X-Pagination"])["total"] == 50
    assert page_size_used(client.get("/v1/things/own-pages?page_size=6&page=2", headers=H)) == 6
    assert client.get("/v1/things/own-pages?page_size=7", headers=H).status_code == 422
    spec = client.get("/openapi.json").get_json()
    own = {p["name"]: p for p in spec["paths"]["/v1/things/own-pages"]["get"]["parameters"]}
    assert own["page_size"]["schema"]["default"] == 4 and own["page_size"]["schema"]["maximum"] == 6


def test_the_default_page_size_never_exceeds_the_maximum(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    settings = Settings(
        service="things", database_url=url, testing=True, log_level="WARNING", page_size_max=10
    )
    client = create_service_app(settings, title="Things", blueprints=[blp]).test_client()
    assert page_size_used(client.get("/v1/things/paged", headers=H)) == 10  # not the default 25


def test_openapi_documents_the_configured_page_sizes(small_pages_client):
    spec = small_pages_client.get("/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/v1/things/paged"]["get"]["parameters"]}
    assert params["page_size"]["schema"]["maximum"] == 3
    assert params["page_size"]["schema"]["default"] == 2
    # an endpoint with its own limits keeps them
    own = {p["name"]: p for p in spec["paths"]["/v1/things"]["get"]["parameters"]}
    assert own["page_size"]["schema"]["default"] == 2 and own["page_size"]["schema"]["maximum"] == 100


def test_settings_read_page_sizes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PAGE_SIZE_DEFAULT", "10")
    monkeypatch.setenv("PAGE_SIZE_MAX", "500")
    settings = Settings.from_env("things")
    assert (settings.page_size_default, settings.page_size_max) == (10, 500)


def access_lines(caplog) -> list:
    return [r for r in caplog.records if r.name == "fieldbook.access"]


def test_the_access_log_carries_the_correlation_id(client, caplog):
    with caplog.at_level("INFO", logger="fieldbook.access"):
        client.get("/v1/things?page=1", headers={**H, "X-Correlation-Id": "corr-1", "X-Request-Id": "req-1"})
        client.get("/v1/things?page=1", headers={**H, "X-Request-Id": "req-2"})
        client.get("/healthz", headers={"X-Correlation-Id": "x" * 500})
    carried, own, refused = access_lines(caplog)
    assert (carried.request_id, carried.correlation_id, carried.tenant_id) == ("req-1", "corr-1", "t1")
    # without one, the request id: the correlation id its events carry
    assert (own.request_id, own.correlation_id) == ("req-2", "req-2")
    assert refused.correlation_id == refused.request_id  # an oversized header is not an id


def test_the_unit_of_work_carries_the_logged_correlation_id(client):
    app = client.application
    with app.test_request_context(headers={**H, "X-Correlation-Id": "corr-9"}):
        app.preprocess_request()
        assert current_uow().context.correlation_id == "corr-9"


def test_readyz_only_runs_the_named_checks(tmp_path):
    """A web pod's readiness asks for the database alone: a broker outage leaves the API serving."""
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    settings = Settings(
        service="things",
        database_url=url,
        amqp_url="amqp://guest:guest@127.0.0.1:1/%2F",  # nothing listens there
        testing=True,
        log_level="WARNING",
    )
    client = create_service_app(settings, title="Things", blueprints=[]).test_client()

    full = client.get("/readyz")
    assert full.status_code == 503
    assert full.get_json()["checks"]["database"] == "ok"
    assert full.get_json()["checks"]["broker"].startswith("unavailable")

    database_only = client.get("/readyz?only=database")
    assert database_only.status_code == 200
    assert database_only.get_json() == {"status": "ok", "checks": {"database": "ok"}}

    unknown = client.get("/readyz?only=database,disk")
    assert unknown.status_code == 400
    assert unknown.get_json()["unknown"] == ["disk"]


def test_a_get_or_head_reads_without_the_write_lock_and_other_methods_take_it(client):
    state = client.application.extensions["fieldbook"]
    for method in ("GET", "HEAD"):
        assert state.sessions_for(method) is state.read_sessions
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert state.sessions_for(method) is state.sessions
    assert state.read_sessions is not state.sessions
