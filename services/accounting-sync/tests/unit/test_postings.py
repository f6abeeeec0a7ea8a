"""Billing's documents to Sage: events in, the real adapter against the simulator, events out."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from accounting_sync.domain import postings as docs
from accounting_sync.postings import PostingEngine
from accounting_sync.store.models import SagePosting
from fieldbook_shared.db import utcnow

from ..conftest import customer, uow_factory_for
from ..conftest import deliver as deliver_typed

MONEY = {"net", "vat", "total", "outstanding", "retention_amount", "amount", "unallocated", "rate"}
DATES = {
    "invoice_date",
    "due_date",
    "received_on",
    "allocated_on",
    "deallocated_on",
    "reversed_on",
    "refunded_on",
    "credit_date",
}


def typed(value, key=None):
    """The event's data as billing hands it to the outbox: Decimals and dates (dumped to strings)."""
    if isinstance(value, dict):
        return {k: typed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if key in MONEY and isinstance(value, str):
        return Decimal(value)
    if key in DATES and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def deliver(bus, event_type, data):
    return deliver_typed(bus, event_type, typed(data))


CID = "3f1c2b8e-0000-4000-8000-000000000001"


def invoice(n: int, customer_id: str = CID, **overrides) -> dict:
    data = {
        "id": f"1a000000-0000-4000-8000-{n:012d}",
        "customer_id": customer_id,
        "version": 2,
        "number": 1000 + n,
        "status": "issued",
        "invoice_date": "2026-12-01",
        "due_date": "2026-12-31",
        "net": "150.00",
        "vat": "25.00",
        "total": "175.00",
        "outstanding": "175.00",
        "retention_amount": "0.00",
        "consolidated": False,
        "job_ids": [],
        "vat_breakdown": [
            {"rate": "0.00", "net": "25.00", "vat": "0.00", "total": "25.00"},
            {"rate": "20.00", "net": "125.00", "vat": "25.00", "total": "150.00"},
        ],
    }
    data.update(overrides)
    return data


def payment(n: int, amount="175.00", unallocated="0.00", customer_id: str = CID) -> dict:
    return {
        "id": f"2b000000-0000-4000-8000-{n:012d}",
        "customer_id": customer_id,
        "kind": "payment",
        "method": "cheque",
        "reference": "CHQ 1",
        "nominal_account": None,
        "amount": amount,
        "received_on": "2026-12-02",
        "unallocated": unallocated,
    }


def allocation(n: int, pay: dict, inv: dict, amount="175.00") -> dict:
    return {
        "id": f"3c000000-0000-4000-8000-{n:012d}",
        "customer_id": pay["customer_id"],
        "source_type": "payment",
        "source_id": pay["id"],
        "invoice_id": inv["id"],
        "amount": amount,
        "allocated_on": "2026-12-02",
    }


def posting(sessions, kind, source_id) -> SagePosting:
    with sessions() as s:
        return s.scalar(
            select(SagePosting).where(SagePosting.kind == kind, SagePosting.source_id == source_id)
        )


def make_due(sessions):
    with sessions() as s:
        s.execute(update(SagePosting).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        s.commit()


def drain_all(poster, sessions, rounds: int = 3):
    """Attempts until what waits for another posting has had its turn."""
    for _ in range(rounds):
        poster.drain()
        make_due(sessions)


def linked_customer(bus, engine, customer_id=CID, n=0):
    deliver(
        bus,
        "customer.created",
        customer(id=customer_id, surname=f"Money{chr(65 + n)}", email=f"m{n}@example.com"),
    )
    engine.drain()


def posted_invoice_and_payment(bus, engine, poster, **payment_fields) -> tuple[dict, dict]:
    """A linked customer's invoice 1 and payment 1 (`payment_fields` as `payment` takes them),
    both heard of and posted to Sage."""
    linked_customer(bus, engine)
    inv, pay = invoice(1), payment(1, **payment_fields)
    deliver(bus, "invoice.issued", inv)
    deliver(bus, "payment.received", pay)
    poster.drain()
    return inv, pay


def test_an_issued_invoice_waits_for_its_customer_then_posts_once_with_its_sage_id_published(
    bus, engine, poster, sessions, sim, outbox
):
    inv = invoice(1)
    deliver(bus, "invoice.issued", inv)
    deliver(bus, "invoice.issued", inv)  # a repeat changes nothing
    assert poster.drain() == 1
    waiting = posting(sessions, "invoice", inv["id"])
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    assert "customer's Sage contact" in waiting.last_error

    linked_customer(bus, engine)
    make_due(sessions)
    poster.drain()
    row = posting(sessions, "invoice", inv["id"])
    [doc] = sim.documents("sales_invoices")
    assert (row.status, row.sage_id, row.reference) == ("posted", doc["id"], "1001")
    assert doc["reference"] == "1001" and doc["total_amount"] == "175.00"
    assert [
        (line["tax_rate_id"], line["net_amount"], line["tax_amount"]) for line in doc["invoice_lines"]
    ] == [
        ("GB_ZERO", "25.00", "0.00"),
        ("GB_STANDARD", "125.00", "25.00"),
    ]
    assert all(line["ledger_account_id"] == "sales-4000" for line in doc["invoice_lines"])
    [posted] = outbox("accounting.document_posted")
    assert posted["data"] == {
        "kind": "invoice",
        "source_id": inv["id"],
        "customer_id": CID,
        "sage_id": doc["id"],
    }


def test_a_payment_waits_for_its_allocations_and_invoices_then_posts_allocated(
    bus, engine, poster, sessions, sim
):
    linked_customer(bus, engine)
    inv1, inv2 = invoice(1), invoice(2)
    pay = payment(1, amount="200.00", unallocated="0.00")
    deliver(bus, "payment.received", pay)  # before its allocations and its invoices
    poster.drain()
    assert "allocations" in posting(sessions, "payment", pay["id"]).last_error
    deliver(bus, "payment.allocated", allocation(1, pay, inv1, "175.00"))
    deliver(bus, "payment.allocated", allocation(2, pay, inv2, "25.00"))
    make_due(sessions)
    poster.drain()
    assert "to reach Sage" in posting(sessions, "payment", pay["id"]).last_error
    assert sim.documents("contact_payments") == []

    deliver(bus, "invoice.issued", inv1)
    deliver(bus, "invoice.issued", inv2)
    make_due(sessions)
    poster.drain()
    make_due(sessions)
    poster.drain()
    [doc] = sim.documents("contact_payments")
    row = posting(sessions, "payment", pay["id"])
    assert (row.status, row.sage_id) == ("posted", doc["id"])
    assert doc["total_amount"] == "200.00" and doc["payment_method_id"] == "CHECK"
    invoices = {posting(sessions, "invoice", i["id"]).sage_id: i for i in (inv1, inv2)}
    assert {(invoices[a["artefact"]["id"]]["id"], a["amount"]) for a in doc["allocated_artefacts"]} == {
        (inv1["id"], "175.00"),
        (inv2["id"], "25.00"),
    }
    assert sorted(d["outstanding_amount"] for d in sim.documents("sales_invoices")) == ["0.00", "150.00"]


def test_with_faults_and_lost_answers_every_document_reaches_sage_exactly_once(
    bus, engine, sync_settings, sessions, sage, sim
):
    linked_customer(bus, engine)
    poster = PostingEngine(replace(sync_settings, max_attempts=30), sessions, sage, uow_factory_for(sessions))
    sim.faults(error_rate_429=0.15, error_rate_500=0.15, lose_response_after_create=0.4, retry_after=0)
    invoices = [invoice(i) for i in range(15)]
    payments = [payment(i, amount="175.00") for i in range(15)]
    for i, (inv, pay) in enumerate(zip(invoices, payments, strict=True)):
        deliver(bus, "invoice.issued", inv)
        deliver(bus, "payment.allocated", allocation(i, pay, inv))
        deliver(bus, "payment.received", pay)
    for _ in range(40):
        make_due(sessions)
        poster.drain()
    sim.faults(error_rate_429=0.0, error_rate_500=0.0, lose_response_after_create=0.0)
    assert sim.stats()["lost_responses"] > 0
    in_sage = sim.documents("sales_invoices")
    assert sorted(d["reference"] for d in in_sage) == sorted(str(i["number"]) for i in invoices)
    receipts = sim.documents("contact_payments")
    assert sorted(d["reference"] for d in receipts) == sorted(docs.reference("payment", p) for p in payments)
    assert {posting(sessions, "payment", p["id"]).status for p in payments} == {"posted"}
    assert all(d["outstanding_amount"] == "0.00" for d in in_sage)


def test_a_customer_in_review_sends_its_invoice_to_review_and_linking_it_posts_it_unasked(
    bus, engine, poster, sessions, sim, api
):
    # two look-alikes in Sage: the customer needs a person
    for ref in ("LA1", "LB1"):
        sim.seed(name="John Smith", reference=ref, main_address={"postal_code": "LS1 4AB"})
    deliver(bus, "customer.created", customer(email=None))
    engine.drain()
    inv = invoice(1)
    deliver(bus, "invoice.issued", inv)
    poster.drain()
    row = posting(sessions, "invoice", inv["id"])
    assert row.status == "needs_review" and "needs_review" in row.last_error
    listed = api.get("/v1/accounting/postings", query_string={"status": "needs_review"})
    assert listed.status_code == 200
    assert [(p["kind"], p["source_id"]) for p in listed.get_json()] == [("invoice", inv["id"])]

    candidates = api.get(f"/v1/customers/{CID}/accounting").get_json()["candidates"]
    chosen = candidates[0]["sage_contact_id"]
    assert (
        api.post(
            f"/v1/accounting/reviews/{CID}", json={"action": "link", "sage_contact_id": chosen}
        ).status_code
        == 202
    )
    engine.drain()  # linked: the invoice that went to review for it is due again, nobody retries it
    assert posting(sessions, "invoice", inv["id"]).status == "pending"
    poster.drain()
    [doc] = sim.documents("sales_invoices")
    assert doc["contact"]["id"] == chosen
    assert (
        api.get("/v1/accounting/postings", query_string={"source_id": inv["id"]}).get_json()[0]["sage_id"]
        == doc["id"]
    )
    # posted: nothing to decide
    assert api.post(f"/v1/accounting/postings/{row.id}/review", json={"action": "skip"}).status_code == 409


def test_sage_refusing_a_document_sends_it_to_review_and_skip_closes_it(
    bus, engine, poster, sessions, api, sync_settings, sage
):
    linked_customer(bus, engine)
    inv = invoice(1, vat_breakdown=[{"rate": "12.50", "net": "100.00", "vat": "12.50", "total": "112.50"}])
    deliver(bus, "invoice.issued", inv)
    poster.drain()
    row = posting(sessions, "invoice", inv["id"])
    assert row.status == "needs_review" and "12.5% VAT" in row.last_error
    # Sage's 422 (here: no bank account configured) goes to review too
    no_bank = PostingEngine(
        replace(sync_settings, sage_bank_account_id=""), sessions, sage, uow_factory_for(sessions)
    )
    deliver(bus, "invoice.issued", invoice(2))
    pay = payment(3, unallocated="175.00")
    deliver(bus, "payment.received", pay)
    no_bank.drain()
    refused = posting(sessions, "payment", pay["id"])
    assert refused.status == "needs_review" and "bank_account_id" in refused.last_error
    r = api.post(f"/v1/accounting/postings/{refused.id}/review", json={"action": "skip"})
    assert r.status_code == 202 and r.get_json()["status"] == "not_needed"
    assert (
        api.post(f"/v1/accounting/postings/{refused.id}/review", json={"action": "nope"}).status_code == 422
    )


def test_void_and_reversal_after_posting_remove_sages_copy_and_before_it_nothing_is_sent(
    bus, engine, poster, sessions, sim
):
    linked_customer(bus, engine)
    inv, early = invoice(1), invoice(2)
    pay = payment(1)
    deliver(bus, "invoice.issued", inv)
    deliver(bus, "payment.allocated", allocation(1, pay, inv))
    deliver(bus, "payment.received", pay)
    poster.drain()
    make_due(sessions)
    poster.drain()
    assert posting(sessions, "payment", pay["id"]).status == "posted"
    # undone after it reached Sage: the de-allocation of a reversal needs nobody, the payment goes
    deliver(
        bus,
        "payment.deallocated",
        {**allocation(1, pay, inv), "deallocated_on": "2026-12-03", "reason": "bounced"},
    )
    reversed_data = {
        **pay,
        "reversed_on": "2026-12-03",
        "reason": "bounced",
        "deallocated": [allocation(1, pay, inv)["id"]],
    }
    deliver(bus, "payment.reversed", reversed_data)
    assert posting(sessions, "deallocation", allocation(1, pay, inv)["id"]).status == "not_needed"
    poster.drain()
    assert posting(sessions, "payment", pay["id"]).status == "voided"
    assert sim.documents("contact_payments") == []
    assert sim.documents("sales_invoices")[0]["outstanding_amount"] == "175.00"

    deliver(bus, "invoice.voided", {**inv, "status": "void"})
    poster.drain()
    assert posting(sessions, "invoice", inv["id"]).status == "voided"
    assert sim.documents("sales_invoices")[0]["status"]["id"] == "VOID"
    # voided before we posted it: never sent
    deliver(bus, "invoice.voided", {**early, "status": "void"})
    deliver(bus, "invoice.issued", early)
    poster.drain()
    assert posting(sessions, "invoice", early["id"]).status == "not_needed"
    assert len(sim.documents("sales_invoices")) == 1


def deallocation(alloc: dict) -> dict:
    return {**alloc, "deallocated_on": "2026-12-04", "reason": "wrong invoice"}


def refund(n: int, sources: list[tuple[str, str, str]], customer_id: str = CID) -> dict:
    return {
        "id": f"4d000000-0000-4000-8000-{n:012d}",
        "customer_id": customer_id,
        "amount": str(sum(Decimal(a) for _, _, a in sources)),
        "method": "bank_transfer",
        "reference": "REFUND 1",
        "refunded_on": "2026-12-05",
        "sources": [{"source_type": t, "source_id": i, "amount": a} for t, i, a in sources],
    }


def on_account(sim, pay_posting) -> dict:
    [doc] = [d for d in sim.documents("contact_payments") if d["id"] == pay_posting.sage_id]
    return doc["payment_on_account"]


def test_a_payment_on_account_allocated_later_deallocated_and_refunded_reaches_sage_each_once(
    bus, engine, poster, sessions, sim, outbox
):
    inv, pay = posted_invoice_and_payment(bus, engine, poster, amount="300.00", unallocated="300.00")
    paid = posting(sessions, "payment", pay["id"])
    assert paid.status == "posted" and on_account(sim, paid)["outstanding_amount"] == "300.00"

    late = allocation(9, pay, inv)  # after the payment reached Sage: a contact allocation
    deliver(bus, "payment.allocated", late)
    deliver(bus, "payment.allocated", late)  # a repeat changes nothing
    poster.drain()
    row = posting(sessions, "allocation", late["id"])
    [made] = sim.documents("contact_allocations")
    assert (row.status, row.sage_id) == ("posted", made["id"])
    invoice_sage_id = posting(sessions, "invoice", inv["id"]).sage_id
    assert {(a["artefact"]["id"], a["amount"]) for a in made["allocated_artefacts"]} == {
        (invoice_sage_id, "175.00"),
        (on_account(sim, paid)["id"], "-175.00"),
    }
    assert sim.documents("sales_invoices")[0]["outstanding_amount"] == "0.00"
    assert on_account(sim, paid)["outstanding_amount"] == "125.00"

    deliver(bus, "payment.deallocated", deallocation(late))  # undone: the contact allocation goes
    poster.drain()
    assert posting(sessions, "allocation", late["id"]).status == "voided"
    [gone] = sim.documents("contact_allocations")
    assert gone["deleted_at"] is not None
    assert sim.documents("sales_invoices")[0]["outstanding_amount"] == "175.00"

    back = refund(1, [("payment", pay["id"], "100.00")])
    deliver(bus, "refund.issued", back)
    poster.drain()
    refunded = posting(sessions, "refund", back["id"])
    [out] = [d for d in sim.documents("contact_payments") if d["transaction_type_id"] == "CUSTOMER_REFUND"]
    assert (refunded.status, refunded.sage_id) == ("posted", out["id"])
    assert (out["total_amount"], out["payment_method_id"]) == ("100.00", "BANK_TRANSFER")
    assert on_account(sim, paid)["outstanding_amount"] == "200.00"
    # billing keeps the Sage ids of invoices, credit notes and payments only
    assert {e["data"]["kind"] for e in outbox("accounting.document_posted")} == {"invoice", "payment"}


def test_undoing_an_allocation_made_with_the_payment_puts_its_allocations_again_in_order(
    bus, engine, poster, sessions, sim
):
    linked_customer(bus, engine)
    inv1, inv2 = invoice(1), invoice(2)
    pay = payment(1)
    first = allocation(1, pay, inv1)
    for kind, data in (("invoice.issued", inv1), ("invoice.issued", inv2), ("payment.allocated", first)):
        deliver(bus, kind, data)
    deliver(bus, "payment.received", pay)
    poster.drain()
    paid = posting(sessions, "payment", pay["id"])
    assert paid.status == "posted"
    # moved to the other invoice: the de-allocation (a PUT of the receipt) goes before the allocation
    second = allocation(2, pay, inv2)
    deliver(bus, "payment.deallocated", deallocation(first))
    deliver(bus, "payment.allocated", second)
    poster.drain()
    make_due(sessions)
    poster.drain()
    undone = posting(sessions, "deallocation", first["id"])
    assert (undone.status, undone.sage_id) == ("posted", paid.sage_id)
    [receipt] = sim.documents("contact_payments")
    assert receipt["allocated_artefacts"] == []
    assert posting(sessions, "allocation", second["id"]).status == "posted"
    outstanding = {d["reference"]: d["outstanding_amount"] for d in sim.documents("sales_invoices")}
    assert outstanding == {"1001": "175.00", "1002": "0.00"}
    assert on_account(sim, paid)["outstanding_amount"] == "0.00"


def test_a_credit_notes_allocation_is_a_contact_allocation(bus, engine, poster, sessions, sim):
    linked_customer(bus, engine)
    inv = invoice(1)
    note = {
        "id": "5e000000-0000-4000-8000-000000000001",
        "customer_id": CID,
        "number": 7,
        "invoice_id": inv["id"],
        "credit_date": "2026-12-03",
        "breakdown": "none",
        "net": "25.00",
        "vat": "0.00",
        "total": "25.00",
        "vat_breakdown": [{"rate": "0.00", "net": "25.00", "vat": "0.00", "total": "25.00"}],
    }
    applied = {
        **allocation(1, payment(1), inv, "25.00"),
        "source_type": "credit_note",
        "source_id": note["id"],
    }
    deliver(bus, "invoice.issued", inv)
    deliver(bus, "credit_note.issued", note)
    deliver(bus, "payment.allocated", applied)
    drain_all(poster, sessions)
    [made] = sim.documents("contact_allocations")
    note_sage_id = posting(sessions, "credit_note", note["id"]).sage_id
    assert (note_sage_id, "-25.00") in {
        (a["artefact"]["id"], a["amount"]) for a in made["allocated_artefacts"]
    }
    assert sim.documents("sales_invoices")[0]["outstanding_amount"] == "150.00"
    assert sim.documents("sales_credit_notes")[0]["outstanding_amount"] == "0.00"


def test_account_credit_is_a_payment_on_account_its_allocation_and_refund_take_from_it(
    bus, engine, poster, sessions, sim
):
    linked_customer(bus, engine)
    inv = invoice(1)
    credit = {
        **payment(5, amount="60.00", unallocated="60.00"),
        "kind": "account_credit",
        "nominal_account": "1200",
    }
    used = {**allocation(2, credit, inv, "40.00"), "source_type": "account_credit"}
    deliver(bus, "invoice.issued", inv)
    deliver(bus, "account_credit.issued", credit)
    deliver(bus, "payment.allocated", used)  # heard before the credit reached Sage: it waits for it
    back = refund(1, [("account_credit", credit["id"], "20.00")])
    deliver(bus, "refund.issued", back)
    drain_all(poster, sessions)
    on_account_row = posting(sessions, "account_credit", credit["id"])
    [receipt] = [d for d in sim.documents("contact_payments") if d["id"] == on_account_row.sage_id]
    assert (receipt["transaction_type_id"], receipt["total_amount"], receipt["allocated_artefacts"]) == (
        "CUSTOMER_RECEIPT",
        "60.00",
        [],
    )
    assert posting(sessions, "allocation", used["id"]).status == "posted"
    assert posting(sessions, "refund", back["id"]).status == "posted"
    assert receipt["payment_on_account"]["outstanding_amount"] == "0.00"  # 40 allocated, 20 refunded
    assert sim.documents("sales_invoices")[0]["outstanding_amount"] == "135.00"


def test_under_faults_and_lost_answers_allocations_and_refunds_reach_sage_exactly_once(
    bus, engine, sync_settings, sessions, sage, sim
):
    linked_customer(bus, engine)
    poster = PostingEngine(replace(sync_settings, max_attempts=30), sessions, sage, uow_factory_for(sessions))
    invoices = [invoice(i) for i in range(6)]
    payments = [payment(i, amount="200.00", unallocated="200.00") for i in range(6)]
    for inv, pay in zip(invoices, payments, strict=True):
        deliver(bus, "invoice.issued", inv)
        deliver(bus, "payment.received", pay)
    poster.drain()
    # Sage does not honour idempotency_id here: only the look-up after a lost answer prevents twins
    sim.faults(
        error_rate_429=0.1,
        error_rate_500=0.1,
        lose_response_after_create=0.5,
        ignore_idempotency_id=True,
        retry_after=0,
    )
    allocs = [allocation(i, pay, inv) for i, (inv, pay) in enumerate(zip(invoices, payments, strict=True))]
    for alloc in allocs:
        deliver(bus, "payment.allocated", alloc)
    for _ in range(5):
        make_due(sessions)
        poster.drain()
    deliver(bus, "payment.deallocated", deallocation(allocs[0]))
    refunds = [refund(i, [("payment", pay["id"], "25.00")]) for i, pay in enumerate(payments)]
    for back in refunds:
        deliver(bus, "refund.issued", back)
    for _ in range(60):
        make_due(sessions)
        poster.drain()
    sim.faults(
        error_rate_429=0.0, error_rate_500=0.0, lose_response_after_create=0.0, ignore_idempotency_id=False
    )
    assert sim.stats()["lost_responses"] > 0
    assert {posting(sessions, "allocation", a["id"]).status for a in allocs[1:]} == {"posted"}
    # undone before it went (never sent) or after (deleted in Sage): either way not in Sage
    assert posting(sessions, "allocation", allocs[0]["id"]).status in ("not_needed", "voided")
    made = sim.documents("contact_allocations")
    live = [a for a in made if a["deleted_at"] is None]
    assert len(live) == 5 and len(made) <= 6, "no allocation twice"
    out = [d for d in sim.documents("contact_payments") if d["transaction_type_id"] == "CUSTOMER_REFUND"]
    assert sorted(d["reference"] for d in out) == sorted(docs.reference("refund", r) for r in refunds)
    outstanding = sorted(d["outstanding_amount"] for d in sim.documents("sales_invoices"))
    assert outstanding == ["0.00"] * 5 + ["175.00"]


def test_an_allocation_whose_answer_was_lost_is_found_by_its_artefacts_not_made_twice(
    bus, engine, poster, sessions, sim
):
    inv, pay = posted_invoice_and_payment(bus, engine, poster, unallocated="175.00")
    # every create's answer is lost, and Sage does not replay by idempotency_id
    sim.faults(lose_response_after_create=1.0, ignore_idempotency_id=True)
    late = allocation(9, pay, inv, "100.00")
    deliver(bus, "payment.allocated", late)
    poster.drain()  # the first POST's answer is lost; the next attempt looks before it posts
    sim.faults(lose_response_after_create=0.0, ignore_idempotency_id=False)
    [made] = sim.documents("contact_allocations")
    row = posting(sessions, "allocation", late["id"])
    assert (row.status, row.sage_id, row.attempts) == ("posted", made["id"], 0)
    assert sim.stats()["lost_responses"] == 1 and sim.stats()["contact_allocations_created"] == 1


def test_a_reversed_payment_loses_its_contact_allocations_first_then_goes(bus, engine, poster, sessions, sim):
    inv, pay = posted_invoice_and_payment(bus, engine, poster, unallocated="175.00")
    late = allocation(9, pay, inv)
    deliver(bus, "payment.allocated", late)
    poster.drain()
    assert posting(sessions, "allocation", late["id"]).status == "posted"
    # a bounced cheque: billing de-allocates, then reverses
    deliver(bus, "payment.deallocated", deallocation(late))
    deliver(
        bus,
        "payment.reversed",
        {**pay, "reversed_on": "2026-12-04", "reason": "bounced", "deallocated": [late["id"]]},
    )
    poster.drain()
    make_due(sessions)
    poster.drain()
    assert posting(sessions, "allocation", late["id"]).status == "voided"
    assert posting(sessions, "payment", pay["id"]).status == "voided"
    [gone] = sim.documents("contact_allocations")
    assert gone["deleted_at"] is not None
    assert sim.documents("contact_payments") == []
    assert sim.documents("sales_invoices")[0]["outstanding_amount"] == "175.00"


def test_linking_the_customer_makes_its_waiting_documents_due_at_once(bus, engine, poster, sessions, sim):
    inv = invoice(1)
    deliver(bus, "invoice.issued", inv)
    poster.drain()
    assert posting(sessions, "invoice", inv["id"]).next_attempt_at > utcnow()
    linked_customer(bus, engine)  # no make_due: the link itself wakes it
    poster.drain()
    assert posting(sessions, "invoice", inv["id"]).status == "posted"


def test_a_payment_waiting_for_its_invoice_is_woken_when_the_invoice_posts(
    bus, engine, poster, sessions, sim
):
    linked_customer(bus, engine)
    inv, pay = invoice(1), payment(1)
    deliver(bus, "payment.received", pay)
    deliver(bus, "payment.allocated", allocation(1, pay, inv))
    poster.drain()
    waiting = posting(sessions, "payment", pay["id"])
    assert "to reach Sage" in waiting.last_error and waiting.next_attempt_at > utcnow()
    deliver(bus, "invoice.issued", inv)
    poster.drain()  # no make_due: the invoice reaching Sage wakes the payment
    assert posting(sessions, "invoice", inv["id"]).status == "posted"
    assert posting(sessions, "payment", pay["id"]).status == "posted"
    assert len(sim.documents("contact_payments")) == 1


def test_a_posting_that_has_waited_long_looks_again_less_often(bus, engine, poster, sessions):
    inv = invoice(1)
    deliver(bus, "invoice.issued", inv)
    with sessions() as s:  # heard of 20 minutes ago, its customer still not linked
        s.execute(update(SagePosting).values(created_at=utcnow() - timedelta(minutes=20)))
        s.commit()
    make_due(sessions)
    poster.drain()
    row = posting(sessions, "invoice", inv["id"])
    assert row.status == "pending" and "contact" in row.last_error
    assert utcnow() + timedelta(seconds=290) < row.next_attempt_at <= utcnow() + timedelta(seconds=300)


def test_a_document_waiting_for_its_contact_sleeps_until_the_link_wakes_it(
    bus, engine, poster, sessions, sim
):
    inv = invoice(1)
    deliver(bus, "invoice.issued", inv)
    poster.drain()
    row = posting(sessions, "invoice", inv["id"])
    assert row.last_error.startswith("waiting for the customer's Sage contact")
    assert row.next_attempt_at > utcnow() + timedelta(seconds=290)  # no polling: the link wakes it
    linked_customer(bus, engine)
    poster.drain()
    assert posting(sessions, "invoice", inv["id"]).status == "posted"


def test_money_is_decimal_strings_and_payment_refs_are_stable():
    body = docs.contact_payment(payment(1, amount="10.5"), "c1", "bank", {}, [])
    assert body["total_amount"] == "10.50" and isinstance(body["total_amount"], str)
    assert docs.reference("payment", payment(1)) == docs.reference("payment", payment(1))
    assert docs.allocations_heard(payment(1, amount="10", unallocated="4"), [{"amount": "6"}])
    assert not docs.allocations_heard(payment(1, amount="10", unallocated="4"), [{"amount": "5.99"}])
    assert docs.tax_rates("20=GB_STANDARD, 5 = GB_LOWER") == {
        Decimal("20.00"): "GB_STANDARD",
        Decimal("5.00"): "GB_LOWER",
    }
