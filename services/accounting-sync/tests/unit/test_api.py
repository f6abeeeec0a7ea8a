"""The API: status per customer, the list by status, re-sync, reviews, balance polls; 422s write nothing."""

from ..conftest import customer, deliver

CID = "3f1c2b8e-0000-4000-8000-000000000001"
OTHER = "3f1c2b8e-0000-4000-8000-0000000000ff"


def test_unknown_customer_is_404_and_another_tenants_too(api, bus):
    assert api.get(f"/v1/customers/{OTHER}/accounting").status_code == 404
    deliver(bus, "customer.created", customer())
    assert api.get(f"/v1/customers/{CID}/accounting").status_code == 200
    assert api.as_(tenant="tenant-b").get(f"/v1/customers/{CID}/accounting").status_code == 404


def test_list_filters_by_status_and_pages(api, bus, engine):
    for i in range(3):
        deliver(
            bus,
            "customer.created",
            customer(
                id=f"3f1c2b8e-0000-4000-8000-00000000010{i}",
                surname=f"Zed{chr(65 + i)}",
                email=None,
                address={"line_1": "x", "postcode": f"M{i} 1AA"},
            ),
        )
    engine.drain()
    deliver(bus, "customer.created", customer(email=None))
    r = api.get("/v1/accounting/sync", query_string={"status": "synced", "page_size": 2})
    assert r.status_code == 200
    assert [row["status"] for row in r.get_json()] == ["synced", "synced"]
    assert "next" in r.headers["Link"]
    pending = api.get("/v1/accounting/sync", query_string={"status": "pending"}).get_json()
    assert [p["customer_id"] for p in pending] == [CID]
    assert pending[0]["next_attempt_at"]
    assert api.get("/v1/accounting/sync", query_string={"status": "nope"}).status_code == 422


def test_resync_needs_known_customers_and_marks_them_pending(api, bus, engine, sim):
    deliver(bus, "customer.created", customer())
    engine.drain()
    r = api.post("/v1/accounting/resync", json={"customer_ids": [CID, OTHER]})
    assert r.status_code == 422
    assert list(r.get_json()["errors"]) == ["customer_ids.1"]
    assert api.get(f"/v1/customers/{CID}/accounting").get_json()["status"] == "synced"
    assert api.post("/v1/accounting/resync", json={"customer_ids": ["not-a-uuid"]}).status_code == 422
    assert api.post("/v1/accounting/resync", json={"customer_ids": [CID], "x": 1}).status_code == 422
    r = api.post("/v1/accounting/resync", json={"customer_ids": [CID]})
    assert r.status_code == 202 and r.get_json()[0]["status"] == "pending"
    engine.drain()
    assert api.get(f"/v1/customers/{CID}/accounting").get_json()["status"] == "synced"
    assert len(sim.contacts()) == 1


def test_review_rules(api, bus, engine, sim):
    deliver(bus, "customer.created", customer())
    engine.drain()
    r = api.post(f"/v1/accounting/reviews/{CID}", json={"action": "create"})
    assert r.status_code == 409, "only a needs_review can be resolved"
    r = api.post(f"/v1/accounting/reviews/{CID}", json={"action": "link"})
    assert r.status_code == 422 and "sage_contact_id" in r.get_json()["errors"]
    assert api.post(f"/v1/accounting/reviews/{CID}", json={"action": "merge"}).status_code == 422


def test_link_to_a_contact_already_linked_elsewhere_is_refused(api, bus, engine, sim):
    deliver(bus, "customer.created", customer())
    engine.drain()
    first_contact = sim.contacts()[0]["id"]
    second = "3f1c2b8e-0000-4000-8000-000000000009"
    deliver(bus, "customer.created", customer(id=second))  # same email: already linked → review
    engine.drain()
    assert api.get(f"/v1/customers/{second}/accounting").get_json()["status"] == "needs_review"
    r = api.post(
        f"/v1/accounting/reviews/{second}", json={"action": "link", "sage_contact_id": first_contact}
    )
    assert r.status_code == 409
    assert CID in r.get_json()["detail"]


def test_balance_poll_on_demand_is_accepted_for_known_customers(api, bus):
    deliver(bus, "customer.created", customer())
    r = api.post("/v1/accounting/balances/poll", json={"customer_ids": [CID]})
    assert r.status_code == 202 and r.get_json()["customer_ids"] == [CID]
    assert api.post("/v1/accounting/balances/poll", json={"customer_ids": [OTHER]}).status_code == 422


def test_a_review_links_only_to_one_of_its_candidates(api, bus, engine, sim):
    a = sim.seed(name="John Smith", main_address={"postal_code": "LS1 4AB"}, reference="SMITHJ01")
    sim.seed(name="John Smith", main_address={"postal_code": "LS1 4AB"}, reference="SMITHJ02")
    stranger = sim.seed(name="Someone Else", reference="ELSE01")
    deliver(bus, "customer.created", customer(email=None))
    engine.drain()
    r = api.post(f"/v1/accounting/reviews/{CID}", json={"action": "link", "sage_contact_id": stranger["id"]})
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["sage_contact_id"]
    assert api.get(f"/v1/customers/{CID}/accounting").get_json()["status"] == "needs_review"
    r = api.post(f"/v1/accounting/reviews/{CID}", json={"action": "link", "sage_contact_id": a["id"]})
    assert r.status_code == 202
