"""What schemathesis found in the kit (issue 7): decimals and pages documented truthfully, NUL refused,
and JSON bodies Python cannot read (or text no database can store) refused instead of a 500."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldbook_shared.apidoc import MAX_PAGE
from fieldbook_shared.db import Base, create_engine
from fieldbook_shared.settings import Settings
from fieldbook_shared.web import create_service_app

H = {"X-Tenant-Id": "t1", "X-Role": "admin", "X-Actor": "tester"}


class PriceSchema(Schema):
    amount = fields.Decimal(
        places=2,
        rounding=ROUND_HALF_UP,
        as_string=True,
        required=True,
        validate=validate.Range(min=Decimal("0.01"), max=Decimal("9999999999.99")),
    )
    rate = fields.Decimal(places=2, validate=validate.Range(min=Decimal("0"), max=Decimal("100")))
    balance = fields.Decimal(places=2, as_string=True, dump_only=True)
    label = fields.String()


blp = Blueprint("prices", __name__, url_prefix="/v1/prices")


@blp.route("")
class Prices(MethodView):
    @blp.arguments(PriceSchema)
    @blp.response(201, PriceSchema)
    def post(self, body):
        return {**body, "balance": Decimal("-3.5")}

    @blp.response(200, PriceSchema(many=True))
    @blp.paginate(page_size=10, max_page_size=100)
    def get(self, pagination_parameters):
        pagination_parameters.item_count = 1
        offset = (pagination_parameters.page - 1) * pagination_parameters.page_size
        assert offset < 2**63, "the page limit should have refused this request"
        return [{"amount": Decimal("1"), "balance": Decimal("0")}]


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'doc.db'}"
    Base.metadata.create_all(create_engine(url))
    settings = Settings(service="prices", database_url=url, testing=True, log_level="WARNING")
    return create_service_app(settings, title="Prices", blueprints=[blp])


def test_decimals_are_documented_as_strings_with_valid_bounds(app):
    spec = app.test_client().get("/openapi.json").get_json()
    props = spec["components"]["schemas"]["Price"]["properties"]

    assert props["amount"]["type"] == "string"
    assert props["amount"]["pattern"] == r"^[0-9]+(\.[0-9]+)?$"
    assert props["amount"]["x-minimum"] == "0.01" and "minimum" not in props["amount"]
    assert props["rate"]["type"] == "string" and "maximum" not in props["rate"]
    assert props["balance"]["pattern"] == r"^-?[0-9]+(\.[0-9]+)?$"  # no lower bound: may be negative


def test_decimal_strings_in_and_out_match_the_document(app):
    r = app.test_client().post("/v1/prices", json={"amount": "12.5", "rate": "20"}, headers=H)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"amount": "12.50", "rate": "20.00", "balance": "-3.50"}


def test_page_is_bounded_in_the_document(app):
    spec = app.test_client().get("/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/v1/prices"]["get"]["parameters"]}
    assert params["page"]["schema"]["maximum"] == MAX_PAGE


def test_a_page_past_the_limit_is_422_not_a_database_error(app):
    client = app.test_client()
    r = client.get("/v1/prices?page=304759553687498826790384770559770551", headers=H)
    assert r.status_code == 422
    assert r.content_type.startswith("application/problem+json")
    assert "page" in r.get_json()["errors"]
    assert client.get(f"/v1/prices?page={MAX_PAGE}", headers=H).status_code == 200


def test_a_nul_character_anywhere_in_the_input_is_422_naming_the_field(app):
    """PostgreSQL text cannot hold U+0000: refused before it reaches the database."""
    client = app.test_client()
    r = client.post("/v1/prices", json={"amount": "1.00", "note": {"lines": ["ok", "bad\x00"]}}, headers=H)
    assert r.status_code == 422
    assert r.content_type.startswith("application/problem+json")
    assert list(r.get_json()["errors"]) == ["note.lines.1"]
    r = client.get("/v1/prices?q=a%00b", headers=H)
    assert r.status_code == 422 and "q" in r.get_json()["errors"]
    r = client.post("/v1/prices", data={"name\x00": "x"}, headers=H)
    assert r.status_code == 422


def test_a_body_that_is_not_json_is_415_where_the_endpoint_reads_json(app):
    client = app.test_client()
    for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        r = client.post("/v1/prices", data="amount=1.00", headers={**H, "Content-Type": content_type})
        assert r.status_code == 415, (content_type, r.get_json())
        assert r.content_type.startswith("application/problem+json")
    assert client.post("/v1/prices", json={"amount": "1.00"}, headers=H).status_code == 201
    r = client.post("/v1/prices", data=b"", headers={**H, "Content-Type": "text/plain"})
    assert r.status_code == 422  # no body at all: the schema's own answer (amount is required)


def post_raw(app, body: bytes):
    return app.test_client().post("/v1/prices", data=body, headers={**H, "Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"amount": ' + b"1" * 5000 + b"}", "a number has too many digits"),  # a ValueError
        (b"[" * 5000 + b"]" * 5000, "nested more than 100 levels deep"),  # RecursionError in the parser
        (b'{"amount": "1.00", "label": ' + b"[" * 150 + b"]" * 150 + b"}", "nested more than 100 levels"),
        (b'{"amount": "1.00",', "Expecting property name enclosed in double quotes"),
        (b'{"amount": "\xff"}', "not UTF-8"),
    ],
    ids=["5000-digits", "5000-deep", "150-deep", "syntax", "not-utf8"],
)
def test_a_json_body_that_cannot_be_read_is_422_saying_why(app, body, reason):
    r = post_raw(app, body)
    assert r.status_code == 422
    assert r.content_type.startswith("application/problem+json")
    [message] = r.get_json()["errors"]["json"]
    assert message.startswith("Invalid JSON: ") and reason in message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"amount": "1.00", "label": "caf\\udfff"}', "label"),
        (b'{"amount": "1.00", "label": "\\ud800"}', "label"),
        (b'{"amount": "1.00", "lines": [{"x\\udc00y": 1}]}', "lines.0.x\udc00y"),
    ],
    ids=["low-surrogate", "high-surrogate", "in-a-key"],
)
def test_an_unpaired_surrogate_is_422_naming_the_field(app, body, field):
    r = post_raw(app, body)
    assert r.status_code == 422
    assert r.content_type.startswith("application/problem+json")
    assert r.get_json()["errors"] == {
        field: ["Must not contain an unpaired surrogate (U+D800 to U+DFFF); text must be valid Unicode."]
    }


def test_text_beyond_the_basic_plane_is_still_accepted(app):
    # JSON's escapes of a surrogate pair (U+1F600): one character once parsed, nothing unpaired
    r = post_raw(app, rb'{"amount": "1.00", "label": "caf\u00e9 \ud83d\ude00"}')
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["label"] == "caf\u00e9 \U0001f600"


def test_a_json_body_with_a_byte_order_mark_is_422_saying_so(app):
    # RFC 8259: senders must not add a BOM; webargs would refuse it anyway, here the reason is named
    r = post_raw(app, b'\xef\xbb\xbf{"amount": "1.00", "label": "ok"}')
    assert r.status_code == 422
    [message] = r.get_json()["errors"]["json"]
    assert "BOM" in message


def test_a_get_is_not_refused_for_a_body_it_never_reads(app):
    r = app.test_client().get(
        "/v1/prices", data=b"not json", headers={**H, "Content-Type": "application/json"}
    )
    assert r.status_code == 200, r.get_json()
