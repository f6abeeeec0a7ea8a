"""accounting-sync posts billing's money to Sage (the simulator, a real process): with a fifth of
Sage's answers failing (429, 500, answers lost after the create), 100 issued invoices and 100
payments allocated to them each reach Sage exactly once, and each invoice shows its `sage_id` —
through the gateway."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from harness.api import expect
from harness.polling import eventually
from test_accounting_sync import NO_FAULTS, Simulator, accounts_ref_of, create_many, customer_body, sim, token

__all__ = ["sim"]  # the simulator fixture, faults off before and after


def documents(simulator: Simulator, kind: str) -> list[dict]:
    return expect(simulator.http.get(f"/__admin/documents/{kind}"), 200).json()["documents"]


def posted(client, kind: str) -> int:
    r = expect(
        client.get("/v1/accounting/postings", params={"kind": kind, "status": "posted", "page_size": 1}),
        200,
    )
    return json.loads(r.headers["X-Pagination"])["total"]


def test_with_20_percent_faults_100_invoices_and_100_payments_reach_sage_exactly_once(tenant, sim):
    first = token()
    customers = create_many(tenant.admin, [customer_body(first) for _ in range(10)])
    for c in customers:
        eventually(lambda c=c: accounts_ref_of(tenant.admin, c["id"]), timeout=60)
    before = sim.stats()
    sim.faults(error_rate_429=0.07, error_rate_500=0.07, lose_response_after_create=0.1, retry_after=1)

    def invoice(i: int) -> dict:
        line = {"description": f"Service {i}", "quantity": "1", "unit_price": "100.00", "vat_rate": "20"}
        cid = customers[i % len(customers)]["id"]
        return expect(tenant.admin.post(f"/v1/customers/{cid}/invoices", json={"lines": [line]}), 201).json()

    def pay(inv: dict) -> dict:
        body = {
            "customer_id": inv["customer_id"],
            "method": "bank_transfer",
            "amount": inv["total"],
            "reference": f"BACS {inv['number']}",
            "allocations": [{"invoice_id": inv["id"], "amount": inv["total"]}],
        }
        return expect(tenant.admin.post("/v1/payments", json=body), 201).json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        invoices = list(pool.map(invoice, range(100)))
        payments = list(pool.map(pay, invoices))
    assert {i["status"] for i in invoices} == {"issued"}

    accounts = tenant.client("accounts")

    def all_posted():
        counts = (posted(accounts, "invoice"), posted(accounts, "payment"))
        assert counts == (100, 100), f"posted so far (invoices, payments): {counts}"
        return True

    eventually(all_posted, timeout=300, interval=2.0)
    sim.faults(**NO_FAULTS)
    after = sim.stats()
    fired = {k: after[k] - before[k] for k in ("injected_429", "injected_500", "lost_responses")}
    assert all(n > 0 for n in fired.values()), f"the faults must have fired: {fired}"

    in_sage = documents(sim, "sales_invoices")
    refs = [d["reference"] for d in in_sage]
    assert len(refs) == len(set(refs)) == 100, "each invoice once, none missing"
    assert set(refs) == {str(i["number"]) for i in invoices}
    assert {d["total_amount"] for d in in_sage} == {"120.00"}
    assert {d["outstanding_amount"] for d in in_sage} == {"0.00"}, "each paid by its allocated payment"
    receipts = documents(sim, "contact_payments")
    assert len(receipts) == len({d["reference"] for d in receipts}) == 100
    assert all(len(r["allocated_artefacts"]) == 1 for r in receipts)

    by_ref = {d["reference"]: d["id"] for d in in_sage}

    def sage_ids_shown():
        for inv in invoices[:10]:
            shown = expect(tenant.admin.get(f"/v1/invoices/{inv['id']}"), 200).json()
            assert shown["sage_id"] == by_ref[str(inv["number"])], shown.get("sage_id")
        return True

    eventually(sage_ids_shown, timeout=60)
    shown = expect(tenant.admin.get(f"/v1/payments/{payments[0]['id']}"), 200).json()
    assert shown["sage_id"] in {r["id"] for r in receipts}
    for status in ("failed", "needs_review"):
        assert expect(accounts.get("/v1/accounting/postings", params={"status": status}), 200).json() == []
