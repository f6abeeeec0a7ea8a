"""Change type, merge (preview, repeat), delete (refused with transactions), erase, merge branches."""

from __future__ import annotations

import json

from customers.store.models import Contact, Customer, WorkAddress

from ..conftest import count, private_customer, system_uow


def _new(api, **overrides):
    resp = api.post("/v1/customers", private_customer(**overrides))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_change_type_checks_the_new_types_required_fields(api, outbox):
    customer = _new(api)
    path = f"/v1/customers/{customer['id']}/type"
    if_match = {"If-Match": '"1"'}
    refused = api.post(path, {"type": "company"}, headers=if_match)
    assert refused.status_code == 422 and "company_name" in refused.get_json()["errors"]
    changed = api.post(path, {"type": "company", "company_name": "Smith Plumbing Ltd"}, headers=if_match)
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert (
        changed.get_json()["type"] == "company" and changed.get_json()["display_name"] == "Smith Plumbing Ltd"
    )
    [event] = outbox("customer.type_changed")
    assert event["data"]["previous_type"] == "private" and event["data"]["type"] == "company"
    assert (
        api.as_(role="sales").post(path, {"type": "private"}, headers={"If-Match": '"2"'}).status_code == 200
    )  # role rules live at the gateway


def test_merge_preview_then_merge_moves_everything_and_repeating_is_a_no_op(api, outbox):
    a = _new(api, surname="Alpha", primary_contact={"surname": "Alpha"})
    b = _new(api, surname="Bravo", primary_contact={"surname": "Bravo"})
    api.post(f"/v1/customers/{a['id']}/contacts", {"surname": "Second"})
    api.post(
        f"/v1/customers/{a['id']}/work-addresses", {"address": {"line_1": "1 Mill St", "postcode": "LS2 1AA"}}
    )

    preview = api.post(f"/v1/customers/{a['id']}/merge/preview", {"survivor_id": b["id"]}).get_json()
    assert preview["moves"]["customers"] == {"contacts": 2, "branches": 0, "work_addresses": 1}
    assert [c["kind"] for c in preview["conflicts"]] == ["two_primary_contacts"]
    assert api.get(f"/v1/customers/{a['id']}").status_code == 200  # the preview changed nothing

    merged = api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]})
    assert merged.status_code == 200 and merged.get_json()["already_merged"] is False
    assert merged.get_json()["merged_by"] == "test:admin"
    contacts = api.get(f"/v1/customers/{b['id']}/contacts").get_json()
    assert sorted(c["surname"] for c in contacts) == ["Alpha", "Bravo", "Second"]
    assert [c["surname"] for c in contacts if c["primary"]] == ["Bravo"]
    assert len(api.get(f"/v1/customers/{b['id']}/work-addresses").get_json()) == 1

    # the old id: 410 naming the survivor in `merged_into`, for reads and writes alike
    old = api.get(f"/v1/customers/{a['id']}")
    assert old.status_code == 410 and old.get_json()["merged_into"] == b["id"]
    assert old.get_json()["type"] == "https://fieldbook.dev/problems/customer-merged"
    patched = api.patch(f"/v1/customers/{a['id']}", {"surname": "x"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 410 and patched.get_json()["merged_into"] == b["id"]
    contacts_of_old = api.get(f"/v1/customers/{a['id']}/contacts")
    assert contacts_of_old.status_code == 410 and contacts_of_old.get_json()["merged_into"] == b["id"]
    assert [r["id"] for r in api.get("/v1/customers").get_json()] == [b["id"]]

    again = api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]})
    assert again.status_code == 200 and again.get_json()["already_merged"] is True
    assert len(outbox("customer.merged")) == 1
    assert outbox("customer.merged")[0]["data"] == {"survivor_id": b["id"], "merged_id": a["id"]}


def test_merge_refuses_itself_and_an_unknown_survivor(api):
    a = _new(api)
    assert api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": a["id"]}).status_code == 422
    unknown = api.post(
        f"/v1/customers/{a['id']}/merge", {"survivor_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert unknown.status_code == 422 and "survivor_id" in unknown.get_json()["errors"]


def test_work_addresses_merged_onto_a_dormant_survivor_go_dormant(api, outbox):
    a = _new(api, surname="Alpha")
    b = _new(api, surname="Bravo", status="dormant")
    site = api.post(
        f"/v1/customers/{a['id']}/work-addresses", {"address": {"line_1": "1 Mill St", "postcode": "LS2 1AA"}}
    ).get_json()
    assert site["status"] == "active"
    preview = api.post(f"/v1/customers/{a['id']}/merge/preview", {"survivor_id": b["id"]}).get_json()
    assert "survivor_is_dormant" in [c["kind"] for c in preview["conflicts"]]
    assert api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]}).status_code == 200
    [moved] = api.get(f"/v1/customers/{b['id']}/work-addresses").get_json()
    assert moved["status"] == "dormant"
    [changed] = outbox("work_address.status_changed")
    assert changed["data"]["id"] == site["id"] and changed["data"]["status"] == "dormant"
    assert changed["data"]["customer_id"] == b["id"]


def test_erase_takes_the_work_addresses_dormant_with_the_customer(api, outbox):
    customer = _new(api)
    path = f"/v1/customers/{customer['id']}"
    api.post(f"{path}/work-addresses", {"address": {"line_1": "1 Mill St", "postcode": "LS2 1AA"}})
    assert api.post(f"{path}/erase").status_code == 200
    assert api.get(path).get_json()["status"] == "dormant"
    assert [wa["status"] for wa in api.get(f"{path}/work-addresses").get_json()] == ["dormant"]
    assert [e["data"]["status"] for e in outbox("work_address.status_changed")] == ["dormant"]


def test_merging_a_blocked_customer_blocks_the_survivor(api):
    a = _new(api, surname="Alpha")
    b = _new(api, surname="Bravo")
    api.post(f"/v1/customers/{a['id']}/block", {"reason": "Bounced cheque"})
    api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]})
    survivor = api.get(f"/v1/customers/{b['id']}").get_json()
    assert survivor["blocked"] is True and "Bounced cheque" in survivor["block_reason"]


def test_merge_keeps_the_survivors_block_reason_within_its_column(api, sessions):
    a = _new(api, type="company", company_name="C" * 200, surname="Alpha")
    b = _new(api, surname="Bravo")
    assert api.post(f"/v1/customers/{a['id']}/block", {"reason": "R" * 500}).status_code == 200
    assert api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]}).status_code == 200
    survivor = api.get(f"/v1/customers/{b['id']}").get_json()
    assert survivor["blocked"] is True
    assert len(survivor["block_reason"]) == 500
    assert survivor["block_reason"].startswith("Merged from " + "C" * 200 + ": RRR")
    assert survivor["block_reason"].endswith("…")


def test_merge_gives_clashing_branch_codes_new_codes_within_the_column(api):
    a = _new(api, surname="Alpha")
    b = _new(api, surname="Bravo")
    address = {"line_1": "Unit 1", "postcode": "LS10 1AB"}
    long_code = "X" * 50
    for code in ("D1", "D1-M", long_code):
        assert api.post(f"/v1/customers/{b['id']}/branches", {"name": code, "code": code, "address": address})
    for code in ("D1", long_code):
        api.post(
            f"/v1/customers/{a['id']}/branches", {"name": f"moved {code}", "code": code, "address": address}
        )
    preview = api.post(f"/v1/customers/{a['id']}/merge/preview", {"survivor_id": b["id"]}).get_json()
    assert sorted(c["detail"] for c in preview["conflicts"] if c["kind"] == "branch_code_clash") == [
        "Branch code 'D1' exists on both; the moved branch becomes 'D1-M2'.",
        f"Branch code '{long_code}' exists on both; the moved branch becomes '{'X' * 48}-M'.",
    ]
    assert api.post(f"/v1/customers/{a['id']}/merge", {"survivor_id": b["id"]}).status_code == 200
    codes = {x["name"]: x["code"] for x in api.get(f"/v1/customers/{b['id']}/branches").get_json()}
    assert codes["moved D1"] == "D1-M2" and codes[f"moved {long_code}"] == "X" * 48 + "-M"
    assert all(len(code) <= 50 for code in codes.values()) and len(set(codes.values())) == 5


def test_delete_needs_if_match_and_removes_everything(api, sessions, outbox):
    customer = _new(api, primary_contact={"surname": "P"})
    path = f"/v1/customers/{customer['id']}"
    api.post(f"{path}/work-addresses", {"address": {"line_1": "1 Mill St", "postcode": "LS2 1AA"}})
    assert api.delete(path).status_code == 428
    etag = api.get(path).headers["ETag"]
    assert api.delete(path, headers={"If-Match": etag}).status_code == 204
    assert api.get(path).status_code == 404
    assert count(sessions, Customer) == count(sessions, Contact) == count(sessions, WorkAddress) == 0
    assert outbox("customer.deleted")[0]["data"] == {"customer_id": customer["id"]}


def test_delete_is_refused_while_the_customer_has_financial_transactions(api, sessions):
    customer = _new(api)
    with system_uow(sessions) as uow:
        uow.customers.get(customer["id"]).has_transactions = True
        uow.commit()
    path = f"/v1/customers/{customer['id']}"
    resp = api.delete(path, headers={"If-Match": api.get(path).headers["ETag"]})
    assert resp.status_code == 409 and "financial transactions" in resp.get_json()["detail"]
    assert api.get(path).status_code == 200


def test_erase_anonymises_and_reports(api, outbox):
    customer = _new(api, primary_contact={"surname": "Smith", "email": "jane@example.com"})
    path = f"/v1/customers/{customer['id']}"
    report = api.post(f"{path}/erase")
    assert report.status_code == 200
    assert report.get_json()["services"]["customers"]["contacts_anonymised"] == 1
    body = api.get(path).get_json()
    assert body["display_name"] == "Erased customer"
    assert body["email"] is None and body["phone"] is None and body["address"]["postcode"] is None
    assert "jane@example.com" not in str(api.get(f"{path}/contacts").get_json())
    assert api.get("/v1/customers", query_string={"q": "john.smith"}).get_json() == []
    assert len(outbox("customer.erased")) == 1
    assert api.post(f"{path}/erase").get_json()["already_erased"] is True


def test_erase_leaves_no_archived_contact_primary_nor_a_branchs_default(api, outbox):
    customer = _new(api, primary_contact={"surname": "Smith"})
    path = f"/v1/customers/{customer['id']}"
    contact_id = customer["primary_contact"]["id"]
    branch = api.post(
        f"{path}/branches",
        {
            "name": "Depot",
            "address": {"line_1": "Unit 4", "postcode": "LS10 1AB"},
            "default_contact_id": contact_id,
        },
    )
    assert api.post(f"{path}/erase").status_code == 200
    [contact] = api.get(f"{path}/contacts").get_json()
    assert contact["archived"] is True and contact["primary"] is False
    assert api.get(path).get_json()["primary_contact"] is None
    assert outbox("contact.updated")[-1]["data"]["primary"] is False
    assert api.get(branch.headers["Location"]).get_json()["default_contact_id"] is None
    assert outbox("branch.updated")[-1]["data"]["default_contact_id"] is None


def test_merge_branches_within_one_customer_only(api, outbox):
    a = _new(api)
    b = _new(api)
    address = {"line_1": "Unit 1", "postcode": "LS10 1AB"}
    one = api.post(
        f"/v1/customers/{a['id']}/branches", {"name": "North", "address": address, "emails": ["n@x.com"]}
    )
    two = api.post(
        f"/v1/customers/{a['id']}/branches", {"name": "South", "address": address, "emails": ["s@x.com"]}
    )
    other = api.post(f"/v1/customers/{b['id']}/branches", {"name": "Other", "address": address}).get_json()
    one_id, two_id = one.get_json()["id"], two.get_json()["id"]
    across = api.post(f"/v1/customers/{a['id']}/branches/{one_id}/merge", {"survivor_branch_id": other["id"]})
    assert across.status_code == 409
    merged = api.post(f"/v1/customers/{a['id']}/branches/{one_id}/merge", {"survivor_branch_id": two_id})
    assert merged.status_code == 200 and sorted(merged.get_json()["emails"]) == ["n@x.com", "s@x.com"]
    assert [x["id"] for x in api.get(f"/v1/customers/{a['id']}/branches").get_json()] == [two_id]
    assert outbox("branch.merged")[0]["data"]["survivor_id"] == two_id


def test_billings_first_invoice_makes_the_customer_undeletable(api, bus):
    from fieldbook_shared.events import build_event

    customer = _new(api)
    event = build_event(
        "invoice.created",
        source="billing",
        tenant_id="tenant-a",
        data=_invoice_data(customer["id"]),
    )
    bus.publish(event.type, event.to_json(), event.id, "tenant-a")
    bus.drain()
    path = f"/v1/customers/{customer['id']}"
    body = api.get(path)
    assert body.get_json()["has_transactions"] is True
    assert api.delete(path, headers={"If-Match": body.headers["ETag"]}).status_code == 409


def _invoice_data(customer_id: str) -> dict:
    from datetime import date
    from decimal import Decimal

    return {
        "id": "c0ffee00-0000-4000-8000-000000000001",
        "customer_id": customer_id,
        "number": 1,
        "version": 1,
        "status": "issued",
        "invoice_date": date(2026, 11, 1),
        "due_date": date(2026, 12, 1),
        "net": Decimal("100.00"),
        "vat": Decimal("20.00"),
        "total": Decimal("120.00"),
        "outstanding": Decimal("120.00"),
        "retention_amount": Decimal("0.00"),
        "consolidated": False,
    }


def test_merges_lists_the_merges_into_a_customer_and_the_one_that_merged_it_away(api):
    a, b, c, d = (_new(api, surname=name) for name in ("Alpha", "Bravo", "Charlie", "Delta"))
    api.post(
        f"/v1/customers/{a['id']}/work-addresses", {"address": {"line_1": "1 Mill St", "postcode": "LS2 1AA"}}
    )
    for merged, survivor in ((a, b), (c, b), (b, d)):
        assert (
            api.post(f"/v1/customers/{merged['id']}/merge", {"survivor_id": survivor["id"]}).status_code
            == 200
        )

    # b took in a and c, then went into d: its old id still answers, latest first
    r = api.get(f"/v1/customers/{b['id']}/merges")
    assert r.status_code == 200, r.get_json()
    rows = r.get_json()
    assert [(m["kind"], m["merged_id"], m["survivor_id"]) for m in rows] == [
        ("merged_away", b["id"], d["id"]),
        ("merged_into_this", c["id"], b["id"]),
        ("merged_into_this", a["id"], b["id"]),
    ]
    first = rows[-1]
    assert first["merged_by"] == "test:admin" and first["merged_at"] and first["id"]
    assert first["moves"]["customers"]["work_addresses"] == 1 and first["moves"]["customers"]["contacts"] == 0
    assert first["conflicts"] == []
    assert json.loads(r.headers["X-Pagination"])["total"] == 3

    # paged like every other list
    page = api.get(f"/v1/customers/{b['id']}/merges", query_string={"page": 2, "page_size": 2})
    assert [m["merged_id"] for m in page.get_json()] == [a["id"]]
    assert json.loads(page.headers["X-Pagination"])["page"] == 2 and 'rel="first"' in page.headers["Link"]
    assert [m["merged_id"] for m in api.get(f"/v1/customers/{d['id']}/merges").get_json()] == [b["id"]]
    assert api.get(f"/v1/customers/{a['id']}/merges").get_json()[0]["kind"] == "merged_away"

    # a customer never merged: an empty page; unknown, another tenant's or a typo: 404 / 422
    lone = _new(api, surname="Echo")
    assert api.get(f"/v1/customers/{lone['id']}/merges").get_json() == []
    assert api.get("/v1/customers/00000000-0000-4000-8000-000000000000/merges").status_code == 404
    assert api.as_(tenant="tenant-b").get(f"/v1/customers/{b['id']}/merges").status_code == 404
    typo = api.get(f"/v1/customers/{b['id']}/merges", query_string={"pagesize": 2})
    assert typo.status_code == 422 and "pagesize" in typo.get_json()["errors"]
