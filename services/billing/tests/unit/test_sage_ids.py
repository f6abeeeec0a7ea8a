"""accounting-sync's word that a document reached Sage: billing shows its `sage_id`."""

from __future__ import annotations

from ..conftest import line, publish


def test_issued_invoice_carries_its_vat_breakdown_and_keeps_the_sage_id_posted_back(
    api, bus, customer, outbox
):
    invoice = api.post(
        f"/v1/customers/{customer}/invoices",
        {"lines": [line(unit_price="100.00"), line(unit_price="10.00", vat_rate="0")]},
    ).get_json()
    assert invoice["status"] == "issued" and invoice["sage_id"] is None
    [issued] = outbox("invoice.issued")
    assert issued["data"]["vat_breakdown"] == [
        {"rate": "0.00", "net": "10.00", "vat": "0.00", "total": "10.00"},
        {"rate": "20.00", "net": "100.00", "vat": "20.00", "total": "120.00"},
    ]
    payment = api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "cash",
            "amount": "130.00",
            "allocations": [{"invoice_id": invoice["id"], "amount": "130.00"}],
        },
    ).get_json()
    paid = api.get(f"/v1/invoices/{invoice['id']}").get_json()
    for kind, source_id, sage_id in (("invoice", invoice["id"], "si-1"), ("payment", payment["id"], "cp-1")):
        data = {"kind": kind, "source_id": source_id, "customer_id": customer, "sage_id": sage_id}
        publish(bus, "accounting.document_posted", data, source="accounting-sync")
        publish(bus, "accounting.document_posted", data, source="accounting-sync")  # a repeat: the same
    bus.drain()
    shown = api.get(f"/v1/invoices/{invoice['id']}")
    assert shown.get_json()["sage_id"] == "si-1"
    assert shown.get_json()["version"] == paid["version"], "a fact of accounting-sync's is no edit: same ETag"
    assert api.get(f"/v1/payments/{payment['id']}").get_json()["sage_id"] == "cp-1"
