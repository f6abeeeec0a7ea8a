"""accounting-sync posts billing's later money moves to Sage (the simulator, a real process): with a
fifth of Sage's answers failing (429, 500, answers lost after the create), a payment received on
account and allocated after it reached Sage, that allocation undone, a refund of what is left, and
account credit applied to the invoice each reach Sage exactly once — through the gateway."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from harness.api import expect
from harness.polling import eventually
from test_accounting_money import documents
from test_accounting_sync import (
    NO_FAULTS,
    accounts_ref_of,
    create_many,
    customer_body,
    sim,
    sync_status,
    token,
)

__all__ = ["sim"]  # the simulator fixture, faults off before and after


def posting(client, kind: str, source_id: str) -> dict:
    r = expect(client.get("/v1/accounting/postings", params={"kind": kind, "source_id": source_id}), 200)
    rows = r.json()
    assert len(rows) == 1, f"{kind} {source_id}: not heard by accounting-sync yet"
    return rows[0]


def settled(client, kind: str, source_id: str, status: str) -> dict:
    """Wait until the posting has `status` (failing at once on one it should never reach)."""

    def check():
        row = posting(client, kind, source_id)
        assert row["status"] not in ("failed", "needs_review"), row
        assert row["status"] == status, f"{kind} {source_id}: {row['status']} ({row.get('last_error')})"
        return row

    return eventually(check, timeout=240, interval=1.0)


def test_with_20_percent_faults_allocation_deallocation_refund_and_account_credit_reach_sage_once(
    tenant, sim
):
    first = token()
    customers = create_many(tenant.admin, [customer_body(first) for _ in range(8)])
    for c in customers:
        eventually(lambda c=c: accounts_ref_of(tenant.admin, c["id"]), timeout=60)
    contacts = {c["id"]: sync_status(tenant.admin, c["id"])["sage_contact_id"] for c in customers}
    before = sim.stats()
    sim.faults(error_rate_429=0.07, error_rate_500=0.07, lose_response_after_create=0.1, retry_after=1)
    accounts = tenant.client("accounts")

    def money_moves(customer: dict) -> dict:
        cid = customer["id"]
        line = {"description": "Boiler service", "quantity": "1", "unit_price": "100.00", "vat_rate": "20"}
        inv = expect(tenant.admin.post(f"/v1/customers/{cid}/invoices", json={"lines": [line]}), 201).json()
        body = {"customer_id": cid, "method": "bank_transfer", "amount": "200.00", "reference": "ON ACCOUNT"}
        pay = expect(tenant.admin.post("/v1/payments", json=body), 201).json()
        settled(accounts, "payment", pay["id"], "posted")  # on account in Sage first
        made = expect(
            tenant.admin.post(
                f"/v1/payments/{pay['id']}/allocations",
                json={"allocations": [{"invoice_id": inv["id"], "amount": inv["total"]}]},
            ),
            201,
        ).json()
        [alloc] = made["allocations"]
        settled(accounts, "allocation", alloc["id"], "posted")  # in Sage before it is undone
        expect(
            tenant.admin.post(
                f"/v1/payments/{pay['id']}/allocations/{alloc['id']}/deallocate", json={"reason": "wrong job"}
            ),
            200,
        )
        back = expect(
            tenant.admin.post(
                f"/v1/customers/{cid}/refunds",
                json={"amount": "50.00", "method": "bank_transfer", "source_id": pay["id"]},
            ),
            201,
        ).json()
        credit_body = {"method": "cash", "amount": "30.00", "nominal_account": "1200"}
        credit = expect(
            tenant.admin.post(f"/v1/customers/{cid}/account-credit", json=credit_body), 201
        ).json()
        [applied] = expect(
            tenant.admin.post(
                f"/v1/customers/{cid}/account-credit/{credit['id']}/allocations",
                json={"allocations": [{"invoice_id": inv["id"], "amount": "30.00"}]},
            ),
            201,
        ).json()["allocations"]
        settled(accounts, "allocation", alloc["id"], "voided")
        refunded = settled(accounts, "refund", back["id"], "posted")
        settled(accounts, "allocation", applied["id"], "posted")
        return {
            "customer": cid,
            "invoice": inv,
            "payment": posting(accounts, "payment", pay["id"]),
            "refund": refunded,
            "credit": settled(accounts, "account_credit", credit["id"], "posted"),
        }

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(money_moves, customers))
    sim.faults(**NO_FAULTS)
    after = sim.stats()
    fired = {k: after[k] - before[k] for k in ("injected_429", "injected_500", "lost_responses")}
    assert fired["injected_429"] + fired["injected_500"] + fired["lost_responses"] > 0, fired

    allocations = documents(sim, "contact_allocations")
    payments = documents(sim, "contact_payments")
    invoices = documents(sim, "sales_invoices")
    for r in results:
        contact = contacts[r["customer"]]
        mine = [p for p in payments if p["contact"]["id"] == contact]
        receipts = {p["id"]: p for p in mine if p["transaction_type_id"] == "CUSTOMER_RECEIPT"}
        [refund] = [p for p in mine if p["transaction_type_id"] == "CUSTOMER_REFUND"]
        assert set(receipts) == {r["payment"]["sage_id"], r["credit"]["sage_id"]}, "payment, account credit"
        assert refund["id"] == r["refund"]["sage_id"]
        receipt, credit = receipts[r["payment"]["sage_id"]], receipts[r["credit"]["sage_id"]]
        # the payment's later allocation: one contact allocation, deleted; the account credit's: one
        allocated = [a for a in allocations if a["contact"]["id"] == contact]
        assert len(allocated) == 2
        [undone] = [a for a in allocated if a["deleted_at"] is not None]
        [standing] = [a for a in allocated if a["deleted_at"] is None]
        assert receipt["payment_on_account"]["id"] in {
            x["artefact"]["id"] for x in undone["allocated_artefacts"]
        }
        assert {(x["artefact"]["id"], x["amount"]) for x in standing["allocated_artefacts"]} >= {
            (credit["payment_on_account"]["id"], "-30.00")
        }
        assert Decimal(credit["payment_on_account"]["outstanding_amount"]) == 0
        assert refund["total_amount"] == "50.00"
        assert refund["allocated_artefacts"] == [
            {"artefact": {"id": receipt["payment_on_account"]["id"]}, "amount": "50.00"}
        ]
        # Sage's figures agree with billing's: the invoice owes all but the credit, 150.00 on account
        assert Decimal(receipt["payment_on_account"]["outstanding_amount"]) == Decimal("150.00")
        [invoice] = [d for d in invoices if d["contact"]["id"] == contact]
        assert Decimal(invoice["outstanding_amount"]) == Decimal(r["invoice"]["total"]) - Decimal("30.00")
        shown = expect(tenant.admin.get(f"/v1/invoices/{r['invoice']['id']}"), 200).json()
        assert Decimal(shown["outstanding"]) == Decimal(invoice["outstanding_amount"])
    for status in ("failed", "needs_review"):
        assert expect(accounts.get("/v1/accounting/postings", params={"status": status}), 200).json() == []
