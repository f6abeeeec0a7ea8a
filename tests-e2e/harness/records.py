"""Seed data for the suites that need one record of every kind: fuzzing, cross-tenant checks.

`one_of_each(client)` makes them through the public API (so every service and read model is
involved) and returns their ids by the name the OpenAPI paths give them (`customer_id`, ...).
`ITEM_PATHS` says where each kind of record lives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .api import create_customer, expect, private_customer, record_payment, unique
from .polling import eventually

CATALOGUE_KINDS = ("groups", "fuel-types", "makes", "locations", "models")

# resource type -> (path of one record, the ids it needs)
ITEM_PATHS: dict[str, str] = {
    "customer": "/v1/customers/{customer_id}",
    "contact": "/v1/customers/{customer_id}/contacts/{contact_id}",
    "branch": "/v1/customers/{customer_id}/branches/{branch_id}",
    "work address": "/v1/customers/{customer_id}/work-addresses/{work_address_id}",
    "quote": "/v1/quotes/{quote_id}",
    "job": "/v1/jobs/{job_id}",
    "invoice": "/v1/invoices/{invoice_id}",
    "recurring invoice": "/v1/recurring-invoices/{recurring_invoice_id}",
    "payment": "/v1/payments/{payment_id}",
    "credit note": "/v1/credit-notes/{credit_note_id}",
    "account credit": "/v1/customers/{customer_id}/account-credit/{credit_id}",
    "asset": "/v1/assets/{asset_id}",
    "note": "/v1/notes/{note_id}",
    "email template": "/v1/email-templates/{template_id}",
    "mailing list": "/v1/mailing-lists/{list_id}",
    "sms": "/v1/sms/{sms_id}",
    "file": "/v1/files/{file_id}",
    "service plan": "/v1/service-plans/{plan_id}",
    "contract": "/v1/contracts/{contract_id}",
    **{f"catalogue {kind}": f"/v1/asset-catalogue/{kind}/{{entry:{kind}}}" for kind in CATALOGUE_KINDS},
}


def item_path(kind: str, ids: dict[str, str]) -> str:
    path = ITEM_PATHS[kind]
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def _line(unit_price: str = "100.00") -> dict:
    return {"description": "Service", "quantity": "1", "unit_price": unit_price, "vat_rate": "20"}


def one_of_each(client) -> dict[str, str]:
    """One record of each kind in the client's tenant, by the name of its path parameter.

    Catalogue entries are `entry:<kind>` (they all go by `{entry_id}`).
    """
    ids: dict[str, str] = {}
    customer = create_customer(client, private_customer(surname="Fuzz", payment_terms_days=30))
    cid = ids["customer_id"] = customer["id"]
    base = f"/v1/customers/{cid}"
    ids["contact_id"] = expect(client.post(f"{base}/contacts", json={"surname": "Contact"}), 201).json()["id"]
    ids["branch_id"] = expect(
        client.post(
            f"{base}/branches",
            json={"name": "North", "address": {"line_1": "3 North Rd", "postcode": "LS2 7AA"}},
        ),
        201,
    ).json()["id"]
    ids["work_address_id"] = expect(
        client.post(
            f"{base}/work-addresses",
            json={"address": {"line_1": "4 Site Way", "postcode": "LS3 1AA"}},
        ),
        201,
    ).json()["id"]

    # billing: wait for its read model of the customer, then one of each money record
    eventually(
        lambda: expect(client.get(f"{base}/account"), 200).json(),
        timeout=30,
        message="billing knows the fuzzing customer",
    )
    today = datetime.now(UTC).date()  # billing's today is the UTC date
    ids["quote_id"] = expect(client.post(f"{base}/quotes", json={"lines": [_line()]}), 201).json()["id"]
    ids["job_id"] = expect(client.post(f"{base}/jobs", json={"description": "Boiler service"}), 201).json()[
        "id"
    ]
    invoice = expect(
        client.post(
            f"{base}/invoices",
            json={"invoice_date": (today - timedelta(days=5)).isoformat(), "lines": [_line("240.00")]},
        ),
        201,
    ).json()
    ids["invoice_id"] = invoice["id"]
    # starting years ahead: no test that moves the clock reaches it, so it never raises an invoice
    ids["recurring_invoice_id"] = expect(
        client.post(
            f"{base}/recurring-invoices",
            json={
                "frequency": "yearly",
                "start_date": (today + timedelta(days=3650)).isoformat(),
                "lines": [_line("120.00")],
            },
        ),
        201,
    ).json()["id"]
    ids["payment_id"] = record_payment(client, cid, "50.00", received_on=today.isoformat())["id"]
    ids["credit_note_id"] = expect(
        client.post(
            "/v1/credit-notes",
            json={"invoice_id": invoice["id"], "description": "Goodwill", "lines": [_line("10.00")]},
        ),
        201,
    ).json()["id"]
    ids["credit_id"] = expect(
        client.post(
            f"{base}/account-credit",
            json={
                "amount": "20.00",
                "method": "bank_transfer",
                "nominal_account": "4000",
                "credit_date": today.isoformat(),
            },
        ),
        201,
    ).json()["id"]

    # assets: the catalogue and one asset
    for kind in CATALOGUE_KINDS[:-1]:
        ids[f"entry:{kind}"] = expect(
            client.post(f"/v1/asset-catalogue/{kind}", json={"name": f"Fuzz {kind}"}), 201
        ).json()["id"]
    ids["entry:models"] = expect(
        client.post(
            "/v1/asset-catalogue/models",
            json={"name": "Fuzz model", "make_id": ids["entry:makes"], "product_code": unique("FZ-")},
        ),
        201,
    ).json()["id"]
    eventually(
        lambda: expect(client.get(f"{base}/assets"), 200),
        timeout=30,
        message="assets knows the fuzzing customer",
    )
    ids["asset_id"] = expect(
        client.post(f"{base}/assets", json={"serial_number": unique("SN-")}), 201
    ).json()["id"]

    # servicing: the asset's service reminder (an interval on the asset gives it a date)
    ids["scope_id"] = ids["asset_id"]
    expect(client.put(f"/v1/service-intervals/assets/{ids['asset_id']}", json={"months": 12}), 201)

    def reminder() -> str:
        rows = expect(client.get("/v1/service-reminders", params={"asset_id": ids["asset_id"]}), 200).json()
        assert rows, "no reminder yet"
        return rows[0]["id"]

    ids["reminder_id"] = eventually(reminder, timeout=30, message="servicing has the asset's reminder")
    # servicing: a plan, and the customer's contract on it covering the work address and the asset
    plan = {
        "name": unique("Fuzz plan "),
        "price": "180.00",
        "billing_frequency": "yearly",
        "visits_per_year": 1,
    }
    ids["plan_id"] = expect(client.post("/v1/service-plans", json=plan), 201).json()["id"]
    contract = {
        "plan_id": ids["plan_id"],
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "work_address_ids": [ids["work_address_id"]],
        "asset_ids": [ids["asset_id"]],
    }
    ids["contract_id"] = expect(client.post(f"{base}/contracts", json=contract), 201).json()["id"]

    # comms
    ids["note_id"] = expect(client.post(f"{base}/notes", json={"text": "Fuzz note"}), 201).json()["id"]
    ids["template_id"] = expect(
        client.post(
            "/v1/email-templates", json={"name": "Fuzz", "subject": "Hello", "body": "Dear [first_name]"}
        ),
        201,
    ).json()["id"]
    ids["list_id"] = expect(
        client.post("/v1/mailing-lists", json={"name": "Fuzz list", "customer_ids": [cid]}), 201
    ).json()["id"]
    sms = expect(client.post("/v1/sms", json={"customer_id": cid, "body": "Fuzz"}), 202).json()
    ids["sms_id"] = sms["id"]

    # files: a PDF on the customer's work address
    ids["file_id"] = expect(
        client.post(
            f"/v1/work-addresses/{ids['work_address_id']}/files",
            files={"file": ("fuzz.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
        ),
        201,
    ).json()["id"]
    return ids
