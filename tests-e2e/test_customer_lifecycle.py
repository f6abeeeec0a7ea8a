"""The customer's life across every service, through the gateway (issue 6): merge A into B moves
everything in every service and marks A inactive in the accounts system; merging again is a no-op;
delete is refused while billing has an invoice and otherwise removes the customer everywhere;
erase is reported by every service."""

from __future__ import annotations

import json

from fieldbook_shared import service_table
from harness.api import assert_problem, expect
from harness.customer_record import build_record
from harness.polling import eventually
from harness.processes import ApiSession

SERVICES = sorted(s.name for s in service_table.upstreams())  # every service reports its part


def accounts_ref(client, customer_id: str) -> str:
    ref = expect(client.get(f"/v1/customers/{customer_id}"), 200).json()["accounts_ref"]
    assert ref, f"no accounts ref yet on {customer_id}"
    return ref


def sage_contact(tenant, reference: str) -> dict:
    sim = ApiSession(tenant.system.sage_url, headers={"X-Business": tenant.sage_business}, timeout=15)
    contacts = expect(sim.get("/__admin/contacts", params={"reference": reference}), 200).json()["contacts"]
    assert len(contacts) == 1, contacts
    return contacts[0]


def test_merge_moves_everything_to_the_survivor_in_every_service_and_is_a_no_op_when_repeated(tenant, system):
    client = tenant.admin
    a = build_record(client, "Alder", invoice=True, asset=True, note=True)
    b = build_record(client, "Birch")
    extra = expect(
        client.post(
            f"/v1/customers/{a.id}/contacts", json={"surname": "Second", "email": "second@e2e.example"}
        ),
        201,
    ).json()
    ref_a = eventually(lambda: accounts_ref(client, a.id), timeout=60, message="A reached Sage")

    preview = expect(
        client.post(f"/v1/customers/{a.id}/merge/preview", json={"survivor_id": b.id}), 200
    ).json()
    assert any(c["kind"] == "two_primary_contacts" for c in preview["conflicts"]), preview
    merged = expect(client.post(f"/v1/customers/{a.id}/merge", json={"survivor_id": b.id}), 200).json()
    assert merged["already_merged"] is False

    # customers: contacts and the work address are B's; A's old id points at B
    contact_ids = {c["id"] for c in expect(client.get(f"/v1/customers/{b.id}/contacts"), 200).json()}
    assert {a.contact["id"], extra["id"], b.contact["id"]} <= contact_ids
    wa_ids = {w["id"] for w in expect(client.get(f"/v1/customers/{b.id}/work-addresses"), 200).json()}
    assert {a.work_address["id"], b.work_address["id"]} <= wa_ids
    assert assert_problem(client.get(f"/v1/customers/{a.id}"), 410)["merged_into"] == b.id
    assert (
        assert_problem(
            client.patch(f"/v1/customers/{a.id}", json={"phone": "1"}, headers={"If-Match": '"1"'}), 410
        )["merged_into"]
        == b.id
    )

    # billing, assets and comms re-point their records (through customer.merged)
    def moved():
        invoice = expect(client.get(f"/v1/invoices/{a.invoice['id']}"), 200).json()
        assert invoice["customer_id"] == b.id, invoice
        assert a.invoice["id"] in {
            i["id"] for i in expect(client.get(f"/v1/customers/{b.id}/invoices"), 200).json()
        }
        asset = expect(client.get(f"/v1/assets/{a.asset['id']}"), 200).json()
        assert asset["customer_id"] == b.id, asset
        notes = expect(client.get(f"/v1/customers/{b.id}/notes"), 200).json()
        assert a.note["id"] in {n["id"] for n in notes}, notes
        return True

    eventually(moved, timeout=40, message="billing, assets and comms follow the merge")

    # the accounts system marks A inactive (its history stays in Sage)
    def inactive():
        contact = sage_contact(tenant, ref_a)
        assert (contact.get("notes") or "").startswith("Inactive in Fieldbook: merged"), contact
        return contact

    eventually(inactive, timeout=60, message="Sage contact of A marked inactive")

    # merging again is a no-op that answers the recorded merge
    again = expect(client.post(f"/v1/customers/{a.id}/merge", json={"survivor_id": b.id}), 200).json()
    assert again["already_merged"] is True
    assert {c["id"] for c in expect(client.get(f"/v1/customers/{b.id}/contacts"), 200).json()} == contact_ids

    # the merge audit, from either side, paged like every other list; any role may read it
    audits = expect(tenant.client("readonly").get(f"/v1/customers/{b.id}/merges"), 200)
    assert json.loads(audits.headers["X-Pagination"])["total"] == 1 and "Link" in audits.headers
    [audit] = audits.json()
    assert (audit["kind"], audit["merged_id"], audit["survivor_id"]) == ("merged_into_this", a.id, b.id)
    assert audit["merged_at"] and audit["merged_by"] and audit["moves"] == merged["moves"]
    [away] = expect(client.get(f"/v1/customers/{a.id}/merges"), 200).json()
    assert (away["kind"], away["id"]) == ("merged_away", audit["id"])


def test_delete_is_refused_while_billing_has_an_invoice(tenant):
    client = tenant.admin
    record = build_record(client, "Invoiced", invoice=True)

    def refused():
        etag = expect(client.get(f"/v1/customers/{record.id}"), 200).headers["ETag"]
        r = client.delete(f"/v1/customers/{record.id}", headers={"If-Match": etag})
        if r.status_code != 409:  # customers has not heard of the invoice yet: the test failed
            raise RuntimeError(f"deleted although billing has an invoice: {r.status_code} {r.text}")
        return r

    # the flag comes from billing's invoice.created; until it lands the delete would go through,
    # so wait for it first (the customer's read carries no flag: poll billing's event effect)
    eventually(lambda: _has_transactions(client, record.id), timeout=30, message="has_transactions flag")
    problem = assert_problem(refused(), 409)
    assert "financial transactions" in problem["detail"]
    expect(client.get(f"/v1/customers/{record.id}"), 200)
    expect(client.get(f"/v1/invoices/{record.invoice['id']}"), 200)


def _has_transactions(client, customer_id: str) -> bool:
    body = expect(client.get(f"/v1/customers/{customer_id}"), 200).json()
    assert "has_transactions" in body, "the customer read should say whether it has transactions"
    return bool(body["has_transactions"])


def test_delete_without_transactions_removes_the_customer_from_every_service(tenant):
    client = tenant.admin
    record = build_record(client, "Gone", quote=True, asset=True, note=True)
    etag = expect(client.get(f"/v1/customers/{record.id}"), 200).headers["ETag"]

    expect(client.delete(f"/v1/customers/{record.id}", headers={"If-Match": etag}), 204)

    assert_problem(client.get(f"/v1/customers/{record.id}"), 404)
    assert_problem(client.get(f"/v1/customers/{record.id}/contacts"), 404)
    assert_problem(client.get(f"/v1/customers/{record.id}/work-addresses"), 404)

    def gone_everywhere():
        assert_problem(client.get(f"/v1/quotes/{record.quote['id']}"), 404)
        assert_problem(client.get(f"/v1/assets/{record.asset['id']}"), 404)
        assert_problem(client.get(f"/v1/notes/{record.note['id']}"), 404)
        for path in ("quotes", "assets", "notes"):
            r = client.get(f"/v1/customers/{record.id}/{path}")
            assert r.status_code == 404 or r.json() == [], f"{path}: {r.status_code} {r.text[:300]}"
        return True

    eventually(gone_everywhere, timeout=40, message="billing, assets and comms forget the customer")


def test_erasure_report_lists_what_every_service_did(tenant):
    client = tenant.admin
    record = build_record(client, "Erasable", invoice=True, asset=True, note=True)

    erased = expect(client.post(f"/v1/customers/{record.id}/erase"), 200).json()
    assert erased["already_erased"] is False

    def reported():
        report = expect(client.get(f"/v1/customers/{record.id}/erasure-report"), 200).json()
        assert report["pending"] == [], report
        return report

    report = eventually(reported, timeout=60, message="every service reported its erasure")
    assert report["complete"] is True
    assert sorted(report["services"]) == SERVICES
    assert all(s["status"] == "reported" for s in report["services"].values()), report
    assert report["services"]["customers"]["actions"]["contacts_anonymised"] == 1
    assert report["services"]["comms"]["actions"]["notes_deleted"] == 1
    assert report["services"]["billing"]["actions"]["invoices_kept"] == 1
    assert report["services"]["assets"]["actions"]["assets_kept"] == 1
    # financial records stay, under the anonymised name
    invoice = expect(client.get(f"/v1/invoices/{record.invoice['id']}"), 200).json()
    assert invoice["customer_id"] == record.id
