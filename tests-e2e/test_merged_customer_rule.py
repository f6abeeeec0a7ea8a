"""One rule for a merged customer's old id, in every service (README: merged customers): after a
merge, each service's customer-scoped reads and writes of the old id answer 410 Gone, a problem
whose `merged_into` names the survivor — customers, billing, assets, comms, accounting-sync, files and the
gateway's overview and timeline alike."""

from __future__ import annotations

from harness.api import PROBLEM_JSON, describe, expect, unique
from harness.customer_record import build_record
from harness.polling import eventually

INVOICE_LINE = {"description": "Boiler service", "quantity": "1", "unit_price": "80.00", "vat_rate": "20"}


def test_every_service_answers_a_merged_customers_old_id_with_410_naming_the_survivor(tenant):
    client = tenant.admin
    # the old customer is known everywhere first: billing, assets and comms hold records of it
    old = build_record(client, "Hazel", invoice=True, asset=True, note=True)
    survivor = build_record(client, "Rowan")
    expect(client.post(f"/v1/customers/{old.id}/merge", json={"survivor_id": survivor.id}), 200)

    base = f"/v1/customers/{old.id}"
    reads = {
        "customers GET customer": lambda: client.get(base),
        "customers GET contacts": lambda: client.get(f"{base}/contacts"),
        "billing GET invoices": lambda: client.get(f"{base}/invoices"),
        "billing GET account": lambda: client.get(f"{base}/account"),
        "assets GET assets": lambda: client.get(f"{base}/assets"),
        "comms GET notes": lambda: client.get(f"{base}/notes"),
        "accounting-sync GET accounting": lambda: client.get(f"{base}/accounting"),
        "files GET files": lambda: client.get(f"{base}/files"),
        "gateway GET overview": lambda: client.get(f"{base}/overview"),
        "gateway GET timeline": lambda: client.get(f"{base}/timeline"),
    }
    writes = {
        "customers PATCH customer": lambda: client.patch(
            base, json={"phone": "1"}, headers={"If-Match": '"1"'}
        ),
        "customers POST contact": lambda: client.post(f"{base}/contacts", json={"surname": "Late"}),
        "billing POST invoice": lambda: client.post(f"{base}/invoices", json={"lines": [INVOICE_LINE]}),
        "assets POST asset": lambda: client.post(f"{base}/assets", json={"serial_number": unique("MRG-")}),
        "comms POST note": lambda: client.post(f"{base}/notes", json={"text": "Written too late"}),
        "files POST file": lambda: client.post(
            f"{base}/files", files={"file": ("late.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")}
        ),
    }

    def not_following(calls: dict) -> dict[str, str]:
        wrong = {}
        for name, call in calls.items():
            answer = call()
            body = answer.json() if answer.headers.get("Content-Type", "").startswith(PROBLEM_JSON) else {}
            if answer.status_code != 410 or body.get("merged_into") != survivor.id:
                wrong[name] = describe(answer)
        return wrong

    def reads_follow_the_rule():
        # billing, assets, comms and accounting-sync hear of the merge through customer.merged
        wrong = not_following(reads)
        assert not wrong, "\n".join(f"{name}: {what}" for name, what in wrong.items())
        return True

    eventually(reads_follow_the_rule, timeout=60, interval=1, message="every service: 410 merged_into")
    # once a service has heard of the merge, a write for the old id is refused the same way
    wrong = not_following(writes)
    assert not wrong, "\n".join(f"{name}: {what}" for name, what in wrong.items())
