"""The customer read model: fed by customers' events, out-of-order safe, fetched once when unknown."""

from __future__ import annotations

import uuid

from ..conftest import customer_data, landlords_flat, line, publish, system_uow


def test_an_older_snapshot_does_not_overwrite_a_newer_one(api, bus, sessions):
    cid = str(uuid.uuid4())
    publish(bus, "customer.blocked", customer_data(cid, version=3, blocked=True, block_reason="unpaid"))
    publish(bus, "customer.created", customer_data(cid, version=1, blocked=False))
    bus.drain()
    with system_uow(sessions) as uow:
        row = uow.customers.get(cid)
        assert (row.version, row.blocked, row.block_reason) == (3, True, "unpaid")
    publish(bus, "customer.unblocked", customer_data(cid, version=4, blocked=False))
    bus.drain()
    assert api.get(f"/v1/customers/{cid}/account").get_json()["blocked"] is False


def test_an_unknown_customer_is_fetched_once_from_customers(api, customers_service):
    cid = str(uuid.uuid4())
    customers_service.held[("tenant-a", cid)] = {**customer_data(cid, version=2), "credit_limit": "500.00"}
    assert api.post(f"/v1/customers/{cid}/quotes", {"lines": [line()]}).status_code == 201
    assert api.post(f"/v1/customers/{cid}/quotes", {"lines": [line()]}).status_code == 201
    assert customers_service.calls == [("tenant-a", cid)]
    assert api.get(f"/v1/customers/{cid}/account").get_json()["credit_limit"] == "500.00"


def test_a_customer_unknown_to_customers_too_is_404(api):
    r = api.post(f"/v1/customers/{uuid.uuid4()}/quotes", {"lines": [line()]})
    assert r.status_code == 404


def test_another_tenants_customer_is_404(api, customer):
    assert api.as_(tenant="tenant-b").get(f"/v1/customers/{customer}/account").status_code == 404


def test_work_address_snapshot_feeds_the_landlord_tag(api, bus, customer):
    wid = landlords_flat(bus, customer)
    with_landlord = api.post(
        f"/v1/customers/{customer}/invoices", {"lines": [line()], "work_address_id": wid}
    ).get_json()
    assert with_landlord["invoice_address"] == "Ada Lovelace c/o Mr John Smith\nLS1 4AB"
    without = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    assert without["invoice_address"] == "Mr John Smith\nLS1 4AB"


def test_merge_moves_every_record_to_the_survivor_and_is_idempotent(api, bus, customer):
    survivor = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(survivor))
    bus.drain()
    assert api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).status_code == 201
    invoice = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line(unit_price="50.00")]})
    assert invoice.status_code == 201, invoice.get_json()
    before = api.get(f"/v1/customers/{customer}/account").get_json()

    event = publish(bus, "customer.merged", {"survivor_id": survivor, "merged_id": customer})
    bus.drain()
    bus.publish("customer.merged", event.to_json(), event.id, "tenant-a")  # redelivered
    bus.drain()

    assert len(api.get(f"/v1/customers/{survivor}/quotes").get_json()) == 1
    assert len(api.get(f"/v1/customers/{survivor}/invoices").get_json()) == 1
    after = api.get(f"/v1/customers/{survivor}/account").get_json()
    assert after["balance"] == before["balance"]
    # the old id: 410 naming the survivor, for reads and writes alike (the kit's CustomerMerged)
    for answer in (
        api.get(f"/v1/customers/{customer}/invoices"),
        api.get(f"/v1/customers/{customer}/account"),
        api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}),
    ):
        assert answer.status_code == 410, answer.get_json()
        assert answer.get_json()["merged_into"] == survivor


def test_a_deleted_customers_quotes_and_jobs_go_with_it(api, bus, customer, sessions):
    from sqlalchemy import func, select

    from billing.store.models import Quote

    assert api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).status_code == 201
    publish(bus, "customer.deleted", {"customer_id": customer})
    bus.drain()
    with system_uow(sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Quote)) == 0


def test_an_erased_customer_keeps_its_invoices_and_billing_reports_what_it_did(api, bus, customer, outbox):
    invoice = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})
    assert invoice.status_code == 201
    publish(bus, "customer.erased", {"customer_id": customer})
    bus.drain()
    assert api.get(f"/v1/invoices/{invoice.get_json()['id']}").status_code == 200
    (report,) = outbox("customer.erasure_reported")
    assert report["subject"] == customer
    assert report["data"]["service"] == "billing"
    assert report["data"]["actions"]["customer_name_anonymised"] is True
    assert report["data"]["actions"]["invoices_kept"] == 1
