"""billing's part of a customer's timeline: every kind of record once, newest first, page by page
after a cursor without gap or repeat; filtered by kind and by work address."""

from __future__ import annotations

import uuid

from fieldbook_shared.timeline import encode_cursor, entry_key

from ..conftest import landlords_flat, line

KINDS = ["refund", "account_credit", "payment", "credit_note", "invoice", "job", "quote"]


def _made(r) -> dict:
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _every_kind(api, bus, customer) -> tuple[dict[str, str], str]:
    """One record of each kind, oldest first in KINDS' reverse order; their ids by kind."""
    site = landlords_flat(bus, customer)
    ids = {
        "quote": _made(
            api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()], "work_address_id": site})
        ),
        "job": _made(
            api.post(f"/v1/customers/{customer}/jobs", {"description": "Service", "work_address_id": site})
        ),
        "invoice": _made(api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})),
        "credit_note": _made(
            api.post(
                "/v1/credit-notes",
                {"customer_id": customer, "lines": [line(unit_price="10.00")], "description": "Sorry"},
            )
        ),
        "payment": _made(
            api.post(
                "/v1/payments",
                {"customer_id": customer, "method": "cheque", "amount": "50.00", "reference": "CHQ 1"},
            )
        ),
        "account_credit": _made(
            api.post(
                f"/v1/customers/{customer}/account-credit",
                {
                    "reference": "Goodwill",
                    "method": "bank_transfer",
                    "nominal_account": "4000",
                    "amount": "5.00",
                },
            )
        ),
        "refund": _made(api.post(f"/v1/customers/{customer}/refunds", {"amount": "5.00", "method": "cash"})),
    }
    return {kind: record["id"] for kind, record in ids.items()}, site


def _entries(api, customer, **query) -> list[dict]:
    r = api.get(f"/internal/customers/{customer}/timeline-entries", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["entries"]


def test_every_kind_newest_first_with_its_title_amount_and_link(api, bus, customer):
    ids, site = _every_kind(api, bus, customer)
    entries = _entries(api, customer)
    assert [e["kind"] for e in entries] == KINDS
    assert [e["id"] for e in entries] == [ids[k] for k in KINDS]
    keys = [entry_key(e) for e in entries]
    assert keys == sorted(keys, reverse=True)
    invoice = entries[KINDS.index("invoice")]
    assert invoice["status"] == "issued" and invoice["amount"] == "120.00"
    assert invoice["title"].startswith("Invoice ") and invoice["title"].endswith("issued, £120.00")
    assert invoice["links"] == {"self": f"/v1/invoices/{ids['invoice']}"}
    assert invoice["occurred_at"].endswith("Z") and len(invoice["occurred_at"]) == 27  # microseconds
    quote = entries[KINDS.index("quote")]
    assert (quote["work_address_id"], quote["status"]) == (site, "draft")
    payment = entries[KINDS.index("payment")]
    assert (payment["title"], payment["status"], payment["amount"]) == (
        "Payment received by cheque, £50.00",
        "received",
        "50.00",
    )
    assert _entries(api, str(uuid.uuid4())) == []  # a customer billing has nothing of


def test_pages_after_a_cursor_have_no_gap_or_repeat(api, bus, customer):
    _every_kind(api, bus, customer)
    everything = _entries(api, customer)
    for limit in (1, 2, 3):
        seen, before = [], None
        while True:
            query = {"limit": limit, **({"before": before} if before else {})}
            page = _entries(api, customer, **query)
            seen.extend(page)
            if len(page) < limit:
                break
            before = encode_cursor(entry_key(page[-1]))
        assert [e["id"] for e in seen] == [e["id"] for e in everything]


def test_filters_by_kind_and_work_address(api, bus, customer):
    ids, site = _every_kind(api, bus, customer)
    assert [e["kind"] for e in _entries(api, customer, kind=["invoice", "payment"])] == ["payment", "invoice"]
    at_site = _entries(api, customer, work_address_id=site)
    assert [e["id"] for e in at_site] == [ids["job"], ids["quote"]]
    assert _entries(api, customer, work_address_id=site, kind="payment") == []


def test_a_bad_cursor_kind_or_limit_is_a_422_naming_it(api, customer):
    for query, field in (
        ({"before": "nonsense"}, "before"),
        ({"kind": "asset_change"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 102}, "limit"),
    ):
        r = api.get(f"/internal/customers/{customer}/timeline-entries", query_string=query)
        assert r.status_code == 422, (query, r.get_json())
        assert field in str(r.get_json()["errors"]), r.get_json()
