"""Each tenant syncs to its own Sage business: matching and linking never cross tenants."""

from sqlalchemy import select

from accounting_sync.store.models import CustomerSync

from ..conftest import BUSINESS, customer, deliver

A, B = "tenant-a", "tenant-b"
CID_A = "3f1c2b8e-0000-4000-8000-00000000a001"
CID_B = "3f1c2b8e-0000-4000-8000-00000000b001"


def rows(sessions):
    with sessions() as s:
        return {r.tenant_id: r for r in s.scalars(select(CustomerSync))}


def test_the_same_person_in_two_tenants_is_created_once_in_each_tenants_business(
    api, bus, engine, sessions, sim
):
    assert (
        api.as_(role="admin", tenant=B)
        .put("/v1/accounting/business", json={"business_id": "biz-b"})
        .status_code
        == 200
    )
    deliver(bus, "customer.created", customer(id=CID_A), tenant=A)
    deliver(bus, "customer.created", customer(id=CID_B), tenant=B)
    engine.drain()
    synced = rows(sessions)
    assert synced[A].status == synced[B].status == "synced"
    assert synced[A].sage_contact_id != synced[B].sage_contact_id, (
        "tenant B must not link to tenant A's contact"
    )
    [in_a] = sim.contacts(business=BUSINESS)
    [in_b] = sim.contacts(business="biz-b")
    assert (in_a["id"], in_b["id"]) == (synced[A].sage_contact_id, synced[B].sage_contact_id)


def test_the_business_setting_shows_the_default_validates_and_is_refused_once_customers_are_linked(
    api, bus, engine
):
    admin = api.as_(role="admin")
    shown = admin.get("/v1/accounting/business").get_json()
    assert shown["is_default"] is True and shown["business_id"]
    bad = admin.put("/v1/accounting/business", json={"business_id": "no spaces"})
    assert bad.status_code == 422 and "business_id" in bad.get_json()["errors"]
    assert admin.put("/v1/accounting/business", json={}).status_code == 422
    assert admin.put("/v1/accounting/business", json={"business_id": BUSINESS}).status_code == 200
    shown = admin.get("/v1/accounting/business").get_json()
    assert (shown["business_id"], shown["is_default"], shown["updated_by"]) == (BUSINESS, False, "test:admin")

    deliver(bus, "customer.created", customer())
    engine.drain()
    moved = admin.put("/v1/accounting/business", json={"business_id": "biz-elsewhere"})
    assert moved.status_code == 409 and BUSINESS in moved.get_json()["detail"]
    assert (
        admin.put("/v1/accounting/business", json={"business_id": BUSINESS}).status_code == 200
    )  # same: fine
    assert admin.get("/v1/accounting/business").get_json()["business_id"] == BUSINESS


def test_a_business_used_by_another_tenant_cannot_be_chosen(api):
    admin_a, admin_b = api.as_(role="admin", tenant=A), api.as_(role="admin", tenant="tenant-b")
    default = admin_b.get("/v1/accounting/business").get_json()["business_id"]
    assert admin_a.put("/v1/accounting/business", json={"business_id": default}).status_code == 200
    assert admin_a.put("/v1/accounting/business", json={"business_id": "biz-a"}).status_code == 200
    r = admin_b.put("/v1/accounting/business", json={"business_id": "biz-a"})
    assert r.status_code == 409
    assert "another Fieldbook tenant" in r.get_json()["detail"] and A not in r.get_json()["detail"]
    assert admin_b.get("/v1/accounting/business").get_json()["business_id"] == default
    # the deployment's shared default (dev, demos) stays open to every tenant
    assert admin_b.put("/v1/accounting/business", json={"business_id": default}).status_code == 200
    assert admin_a.put("/v1/accounting/business", json={"business_id": "biz-a"}).status_code == 200
