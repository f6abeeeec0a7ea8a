"""The OpenAPI document is the contract: what the kit's helpers enforce is what the document says."""

from __future__ import annotations

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from fieldbook_shared.apidoc import (
    Computed,
    accepts_if_match,
    answers,
    file_response,
    requires_if_match,
    sends_etag,
    sends_location,
)
from fieldbook_shared.db import Base, create_engine
from fieldbook_shared.etag import etag_for, expected_version
from fieldbook_shared.pagination import paginate
from fieldbook_shared.settings import Settings
from fieldbook_shared.web import create_service_app


class PlaceSchema(Schema):
    line_1 = fields.String()
    postcode = fields.String()


class GadgetSchema(Schema):
    name = fields.String(required=True)
    place = Computed("_place", PlaceSchema, allow_none=True)
    places = Computed("_places", PlaceSchema, many=True)
    tags = Computed("_tags", {"type": "string"}, many=True)

    def _place(self, obj):
        return {"line_1": obj.get("line_1"), "postcode": obj.get("postcode")}

    def _places(self, obj):
        return [self._place(obj)]

    def _tags(self, obj):
        return ["boiler"]


blp = Blueprint("gadgets", __name__, url_prefix="/v1/gadgets")


@blp.route("")
class Gadgets(MethodView):
    @blp.response(200, GadgetSchema(many=True))
    @paginate(blp)
    def get(self, page):
        """List gadgets."""
        return [{"name": "a", "line_1": "1 Mill Lane", "postcode": "LS1 1AA"}], 1

    @sends_etag
    @sends_location
    @blp.arguments(GadgetSchema)
    @blp.response(201, GadgetSchema)
    def post(self, body):
        """Add a gadget."""
        return body, 201, {"ETag": etag_for(1), "Location": "/v1/gadgets/1"}


@blp.route("/<uuid:gadget_id>")
class Gadget(MethodView):
    @sends_etag
    @blp.response(200, GadgetSchema)
    def get(self, gadget_id):
        """Read a gadget."""
        return {"name": "a"}, 200, {"ETag": etag_for(1)}

    @requires_if_match
    @sends_etag
    @blp.arguments(GadgetSchema(partial=True))
    @blp.response(200, GadgetSchema)
    def patch(self, body, gadget_id):
        """Edit a gadget."""
        expected_version()
        return body, 200, {"ETag": etag_for(2)}

    @blp.response(204)
    @accepts_if_match
    def delete(self, gadget_id):
        """Delete a gadget."""


@blp.route("/<uuid:gadget_id>/manual.pdf")
class Manual(MethodView):
    @answers(409, 410)
    @file_response("application/pdf", description="The manual as a PDF")
    def get(self, gadget_id):
        """The gadget's manual."""


@blp.route("/<uuid:gadget_id>/sheet")
class Sheet(MethodView):
    @blp.response(200, GadgetSchema)
    @file_response("text/csv", "application/zip")
    def get(self, gadget_id):
        """The gadget as JSON, CSV or a ZIP."""


customer_gadgets = Blueprint("customer_gadgets", __name__, url_prefix="/v1/customers")


@customer_gadgets.route("/<uuid:customer_id>/gadgets")
class CustomerGadgets(MethodView):
    @customer_gadgets.response(200, GadgetSchema(many=True))
    def get(self, customer_id):
        """A customer's gadgets."""
        return []


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('apidoc') / 'apidoc.db'}"
    Base.metadata.create_all(create_engine(url))
    settings = Settings(service="gadgets", database_url=url, testing=True, log_level="WARNING")
    app = create_service_app(settings, title="Gadgets", blueprints=[blp, customer_gadgets])
    return app.test_client().get("/openapi.json").get_json()


def op(spec, method, path):
    return spec["paths"][path][method]


def statuses(operation) -> set[int]:
    return {int(code) for code in operation["responses"]}


def header_params(operation) -> dict:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}


def test_errors_are_problem_json_with_the_problem_schema(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["status"]["type"] == "integer"
    assert {"type", "title", "status"} <= set(problem["required"])
    assert problem["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert "Error" not in spec["components"]["schemas"]  # Flask-Smorest's {code, status, message}
    for name, response in spec["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], name
        assert response["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }


def test_no_operation_has_a_catch_all_and_each_lists_its_statuses(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":  # the path's own (its ids)
                continue
            assert "default" not in operation["responses"], (method, path)
            assert {401, 403, 503} <= statuses(operation), (method, path)
    assert statuses(op(spec, "get", "/v1/gadgets")) == {200, 401, 403, 422, 503}  # 422: page, page_size
    assert statuses(op(spec, "post", "/v1/gadgets")) == {201, 401, 403, 409, 413, 415, 422, 503}
    assert 404 in statuses(op(spec, "get", "/v1/gadgets/{gadget_id}"))
    assert 404 not in statuses(op(spec, "get", "/v1/gadgets"))
    # a path of one customer: its merged id is a 410 naming the survivor, in every service
    assert {404, 410} <= statuses(op(spec, "get", "/v1/customers/{customer_id}/gadgets"))
    assert 410 not in statuses(op(spec, "get", "/v1/gadgets/{gadget_id}"))


def test_if_match_is_the_operation_s_own_header_parameter(spec):
    patch = op(spec, "patch", "/v1/gadgets/{gadget_id}")
    assert header_params(patch)["If-Match"]["required"] is True
    assert {412, 428} <= statuses(patch)
    delete = op(spec, "delete", "/v1/gadgets/{gadget_id}")  # decorator below @blp.response: same
    assert header_params(delete)["If-Match"]["required"] is False
    assert 412 in statuses(delete) and 428 not in statuses(delete)
    assert "If-Match" not in header_params(op(spec, "get", "/v1/gadgets/{gadget_id}"))


def test_every_post_takes_an_idempotency_key(spec):
    post = op(spec, "post", "/v1/gadgets")
    key = header_params(post)["Idempotency-Key"]
    assert key["required"] is False and key["schema"]["maxLength"] == 255
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    assert "Idempotency-Key" not in header_params(op(spec, "patch", "/v1/gadgets/{gadget_id}"))


def test_response_headers_where_they_are_sent(spec):
    created = op(spec, "post", "/v1/gadgets")["responses"]["201"]["headers"]
    assert {"ETag", "Location"} <= set(created)
    assert "ETag" in op(spec, "get", "/v1/gadgets/{gadget_id}")["responses"]["200"]["headers"]
    listed = op(spec, "get", "/v1/gadgets")["responses"]["200"]["headers"]
    assert {"X-Pagination", "Link"} <= set(listed)
    assert "headers" not in op(spec, "delete", "/v1/gadgets/{gadget_id}")["responses"]["204"]


def test_a_computed_field_has_the_shape_of_its_schema(spec):
    props = spec["components"]["schemas"]["Gadget"]["properties"]
    assert props["place"]["allOf"] == [{"$ref": "#/components/schemas/Place"}]
    assert props["place"]["nullable"] is True and props["place"]["readOnly"] is True
    assert props["places"]["items"] == {"$ref": "#/components/schemas/Place"}
    assert "line_1" in spec["components"]["schemas"]["Place"]["properties"]
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "readOnly": True}


def test_file_bodies_have_their_media_types(spec):
    manual = op(spec, "get", "/v1/gadgets/{gadget_id}/manual.pdf")
    assert manual["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    assert manual["responses"]["200"]["description"] == "The manual as a PDF"
    assert {409, 410} <= statuses(manual)
    sheet = op(spec, "get", "/v1/gadgets/{gadget_id}/sheet")["responses"]["200"]["content"]
    assert set(sheet) == {"application/json", "text/csv", "application/zip"}  # beside the JSON


def test_the_marks_do_not_leak_into_the_document(spec):
    assert "x-fieldbook-contract" not in str(spec)
