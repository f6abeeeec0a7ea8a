"""Creating a customer through the gateway: the response a client sees and the event others see."""

from harness.api import company_customer, create_customer, expect, private_customer


def test_create_private_customer_returns_201_location_etag_and_the_record(tenant):
    body = private_customer()
    r = expect(tenant.admin.post("/v1/customers", json=body), 201)
    created = r.json()

    assert r.headers["Location"] == f"/v1/customers/{created['id']}"
    assert r.headers["ETag"] == f'"{created["version"]}"'
    for field in ("type", "title", "first_name", "surname", "email", "phone"):
        assert created[field] == body[field], field
    for field, value in body["address"].items():
        assert created["address"][field] == value, field
    assert created["display_name"]
    assert "Smith" in created["display_name"]
    assert created["status"] == "active"
    assert created["blocked"] is False

    fetched = expect(tenant.admin.get(r.headers["Location"]), 200)
    assert fetched.json()["id"] == created["id"]
    assert fetched.headers["ETag"] == r.headers["ETag"]


def test_create_company_customer_is_named_by_its_company(tenant):
    created = create_customer(tenant.admin, company_customer(company_name="Acme Ltd"))
    assert created["type"] == "company"
    assert created["company_name"] == "Acme Ltd"
    assert created["display_name"] == "Acme Ltd"


def test_create_publishes_exactly_one_customer_created_cloudevent(tenant, events):
    queue = events("customer.created")
    r = expect(tenant.admin.post("/v1/customers", json=private_customer(surname="Eventful")), 201)
    customer = r.json()
    mine = lambda body: body.get("subject") == customer["id"]  # noqa: E731

    [message] = queue.wait_for(1, "customer.created", timeout=60, where=mine)
    queue.get_all(timeout=3)  # a little longer: a duplicate would show up here
    assert len(queue.matching("customer.created", mine)) == 1, "customer.created delivered more than once"

    assert message.routing_key == "customer.created"
    assert message.properties.content_type == "application/cloudevents+json"
    assert message.properties.delivery_mode == 2, "events must be persistent"
    event = message.body
    assert event["specversion"] == "1.0"
    assert event["type"] == "customer.created"
    assert event["source"] == "customers"
    assert event["id"] and event["time"] and event["correlationid"]
    assert event["tenantid"] == tenant.id
    assert event["subject"] == customer["id"]

    data = event["data"]
    # every fact the event and the API response share is the same (the response may show more,
    # e.g. links; the event may carry more, e.g. read-model fields)
    shared = set(data) & set(customer)
    assert {"id", "version", "type", "surname", "display_name", "email", "phone", "address"} <= shared
    assert {"status", "blocked", "credit_limit", "payment_terms_days", "custom_fields"} <= shared
    assert {field: data[field] for field in shared} == {field: customer[field] for field in shared}
