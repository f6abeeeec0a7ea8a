"""`verbs.reader`, `lister`, `creator`, `editor`, `deleter`: whole views, as the hand-written views
they stand for."""

from __future__ import annotations

import uuid

import pytest
from flask.views import MethodView
from marshmallow import Schema, fields

from fieldbook_shared.db import Base, create_engine
from fieldbook_shared.etag import optional_version, with_etag
from fieldbook_shared.problems import NotFound
from fieldbook_shared.settings import Settings
from fieldbook_shared.testing import Api
from fieldbook_shared.uow import UnitOfWork
from fieldbook_shared.verbs import acts, blueprint, creator, deleter, editor, lister, reader
from fieldbook_shared.web import create_service_app


class BoilerSchema(Schema):
    id = fields.String()
    customer_id = fields.String()
    version = fields.Integer()


class BoilerInSchema(Schema):
    make = fields.String(required=True)


class Boiler:
    def __init__(self, customer_id: str, boiler_id: str):
        self.id, self.customer_id, self.version = boiler_id, customer_id, 3


def listed(uow, customer_id, number, size):
    return [Boiler(customer_id, f"{number}-{size}")], 7


def added(uow, customer_id, body):
    assert body == {"make": "Worcester"}
    return Boiler(customer_id, "b-1")


def load(uow, customer_id, boiler_id):
    assert isinstance(uow, UnitOfWork)
    if boiler_id == str(uuid.UUID(int=0)):
        raise NotFound("No such boiler.")
    return Boiler(customer_id, boiler_id)


def changed(uow, customer_id, boiler_id, version, body):
    boiler = Boiler(customer_id, boiler_id)
    boiler.version, boiler.id = 4, f"{boiler_id}:{version}:{body['make']}"
    return boiler


REMOVED: list[tuple] = []


def removed(uow, *args):
    REMOVED.append(args)


blp = blueprint("boilers", "/v1/customers/<uuid:customer_id>/boilers", "A customer's boilers.")


@blp.route("")
class Boilers(MethodView):
    get = lister(blp, BoilerSchema(many=True), listed, "The customer's boilers.")
    post = creator(
        blp, BoilerInSchema, BoilerSchema, added, "/v1/customers/{customer_id}/boilers/{id}", "Add one."
    )


@blp.route("/all")
class AllBoilers(MethodView):
    get = lister(blp, BoilerSchema(many=True), listed, "Every boiler of the customer.", query=None)


@blp.route("/<uuid:boiler_id>")
class BoilerItem(MethodView):
    get = reader(blp, BoilerSchema, load, "Read a boiler.\n\n        Its ETag is its version.")
    delete = deleter(blp, removed, "Delete a boiler. Needs `If-Match`.")


@blp.route("/<uuid:boiler_id>/make")
class BoilerMake(MethodView):
    patch = editor(blp, BoilerInSchema, BoilerSchema, changed, "Change the make. Needs `If-Match`.")
    delete = deleter(blp, removed, "Forget the make.", version=optional_version)


@blp.route("/<uuid:boiler_id>/service")
class BoilerService(MethodView):
    @acts(blp, BoilerInSchema, BoilerSchema)
    def post(self, body, customer_id, boiler_id):
        """Service the boiler."""
        return with_etag(Boiler(customer_id, body["make"]))


@blp.route("/<uuid:boiler_id>/plate")
class BoilerPlate(MethodView):
    delete = deleter(blp, removed, "Remove the plate.", version=None)


@blp.route("/<uuid:boiler_id>/status")
class BoilerStatus(MethodView):
    get = reader(blp, BoilerSchema, load, "The boiler's status.", etag=False)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('verbs') / 'verbs.db'}"
    Base.metadata.create_all(create_engine(url))
    settings = Settings(service="boilers", database_url=url, testing=True, log_level="WARNING")
    return create_service_app(settings, title="Boilers", blueprints=[blp], uow_class=UnitOfWork)


def test_the_record_by_the_url_s_ids_in_their_order_with_its_etag(app):
    customer_id, boiler_id = str(uuid.uuid4()), str(uuid.uuid4())
    r = Api(app.test_client()).get(f"/v1/customers/{customer_id}/boilers/{boiler_id}")
    assert r.status_code == 200
    assert r.get_json() == {"id": boiler_id, "customer_id": customer_id, "version": 3}
    assert r.headers["ETag"] == '"3"'


def test_without_an_etag_when_asked(app):
    r = Api(app.test_client()).get(f"/v1/customers/{uuid.uuid4()}/boilers/{uuid.uuid4()}/status")
    assert r.status_code == 200 and "ETag" not in r.headers


def test_the_load_s_404_is_the_answer(app):
    r = Api(app.test_client()).get(f"/v1/customers/{uuid.uuid4()}/boilers/{uuid.UUID(int=0)}")
    assert r.status_code == 404 and r.get_json()["title"]


def test_the_operation_is_documented_as_a_hand_written_view_would_be(app):
    spec = app.test_client().get("/openapi.json").get_json()
    item = spec["paths"]["/v1/customers/{customer_id}/boilers/{boiler_id}"]["get"]
    assert item["summary"] == "Read a boiler."
    assert item["description"] == "Its ETag is its version."
    assert "ETag" in item["responses"]["200"]["headers"]
    status = spec["paths"]["/v1/customers/{customer_id}/boilers/{boiler_id}/status"]["get"]
    assert status["summary"] == "The boiler's status."
    assert "headers" not in status["responses"]["200"]


def test_a_list_pages_by_the_url_s_ids_and_refuses_a_query_it_does_not_know(app):
    customer_id = str(uuid.uuid4())
    api = Api(app.test_client())
    r = api.get(f"/v1/customers/{customer_id}/boilers?page=2&page_size=5")
    assert r.status_code == 200
    assert r.get_json() == [{"id": "2-5", "customer_id": customer_id, "version": 3}]
    assert r.headers["X-Pagination"]
    assert api.get(f"/v1/customers/{customer_id}/boilers?colour=red").status_code == 422
    assert api.get(f"/v1/customers/{customer_id}/boilers/all?colour=red").status_code == 200


def test_a_create_answers_201_with_the_record_its_etag_and_its_location(app):
    customer_id = str(uuid.uuid4())
    r = Api(app.test_client()).post(f"/v1/customers/{customer_id}/boilers", json={"make": "Worcester"})
    assert r.status_code == 201
    assert r.get_json() == {"id": "b-1", "customer_id": customer_id, "version": 3}
    assert r.headers["ETag"] == '"3"'
    assert r.headers["Location"] == f"/v1/customers/{customer_id}/boilers/b-1"


def test_an_edit_needs_if_match_and_answers_the_record_with_its_new_etag(app):
    customer_id, boiler_id = str(uuid.uuid4()), str(uuid.uuid4())
    api = Api(app.test_client())
    url = f"/v1/customers/{customer_id}/boilers/{boiler_id}/make"
    assert api.patch(url, json={"make": "Ideal"}).status_code == 428
    r = api.patch(url, json={"make": "Ideal"}, headers={"If-Match": '"3"'})
    assert r.status_code == 200
    assert r.get_json() == {"id": f"{boiler_id}:3:Ideal", "customer_id": customer_id, "version": 4}
    assert r.headers["ETag"] == '"4"'


def test_a_delete_hands_the_url_s_ids_and_the_if_match_as_its_version_says(app):
    customer_id, boiler_id = str(uuid.uuid4()), str(uuid.uuid4())
    api = Api(app.test_client())
    base = f"/v1/customers/{customer_id}/boilers/{boiler_id}"
    REMOVED.clear()
    assert api.delete(base).status_code == 428
    assert api.delete(base, headers={"If-Match": '"3"'}).status_code == 204
    assert api.delete(f"{base}/make").status_code == 204
    assert api.delete(f"{base}/plate", headers={"If-Match": '"7"'}).status_code == 204
    assert REMOVED == [(customer_id, boiler_id, 3), (customer_id, boiler_id, None), (customer_id, boiler_id)]


def test_edits_and_deletes_are_documented_as_hand_written_views_would_be(app):
    paths = app.test_client().get("/openapi.json").get_json()["paths"]
    make = paths["/v1/customers/{customer_id}/boilers/{boiler_id}/make"]
    assert make["patch"]["summary"] == "Change the make. Needs `If-Match`."
    assert "ETag" in make["patch"]["responses"]["200"]["headers"]
    assert "428" in make["patch"]["responses"] and "428" in make["delete"]["responses"]
    item = paths["/v1/customers/{customer_id}/boilers/{boiler_id}"]["delete"]
    assert item["summary"] == "Delete a boiler. Needs `If-Match`." and "204" in item["responses"]
    plate = paths["/v1/customers/{customer_id}/boilers/{boiler_id}/plate"]["delete"]
    assert "428" not in plate["responses"] and "204" in plate["responses"]


def test_an_action_asks_no_if_match_and_answers_the_record_with_its_etag(app):
    customer_id = str(uuid.uuid4())
    r = Api(app.test_client()).post(
        f"/v1/customers/{customer_id}/boilers/{uuid.uuid4()}/service", json={"make": "Ideal"}
    )
    assert r.status_code == 200 and r.headers["ETag"] == '"3"'
    assert r.get_json() == {"id": "Ideal", "customer_id": customer_id, "version": 3}
    spec = app.test_client().get("/openapi.json").get_json()
    service = spec["paths"]["/v1/customers/{customer_id}/boilers/{boiler_id}/service"]["post"]
    assert "requestBody" in service and "428" not in service["responses"]
    assert "ETag" in service["responses"]["200"]["headers"]


def test_the_blueprint_is_its_resource_s_tag(app):
    tags = app.test_client().get("/openapi.json").get_json()["tags"]
    assert {"name": "boilers", "description": "A customer's boilers."} in tags
