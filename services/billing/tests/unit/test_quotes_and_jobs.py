"""Quotes: lines rounded per line, statuses, conversion refused when blocked or over the limit."""

from __future__ import annotations

from ..conftest import customer_data, line, publish


def _block(bus, customer, version=2, **kw):
    publish(
        bus,
        "customer.blocked",
        customer_data(customer, version=version, blocked=True, block_reason="arrears", **kw),
    )
    bus.drain()


def test_line_totals_are_rounded_half_up_per_line_and_summed(api, customer):
    lines = [
        line("Copper pipe", "3", "0.35", "20", "parts"),  # net 1.05, vat 0.21
        line("Fitting", "1", "0.125", "20", "parts"),  # net 0.13 (half up), vat 0.03 (0.026)
        line("Labour", "1.5", "45.00", "5", "labour"),  # net 67.50, vat 3.38 (3.375)
    ]
    q = api.post(f"/v1/customers/{customer}/quotes", {"lines": lines}).get_json()
    assert [(x["net"], x["vat"], x["total"]) for x in q["lines"]] == [
        ("1.05", "0.21", "1.26"),
        ("0.13", "0.03", "0.16"),
        ("67.50", "3.38", "70.88"),
    ]
    assert (q["net"], q["vat"], q["total"]) == ("68.68", "3.62", "72.30")


def test_bad_lines_are_422_with_per_field_errors_and_nothing_written(api, customer, outbox):
    before = len(outbox())
    r = api.post(
        f"/v1/customers/{customer}/quotes",
        {
            "lines": [
                {
                    "description": "",
                    "quantity": "-1",
                    "unit_price": "abc",
                    "vat_rate": "20",
                    "category": "food",
                }
            ]
        },
    )
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert {"lines.0.description", "lines.0.quantity", "lines.0.unit_price", "lines.0.category"} <= set(
        errors
    )
    assert len(outbox()) == before


def test_blocked_customer_can_be_quoted_but_not_converted(api, bus, customer, outbox):
    _block(bus, customer)
    quote = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]})
    assert quote.status_code == 201
    r = api.post(f"/v1/quotes/{quote.get_json()['id']}/convert", {})
    assert r.status_code == 409
    assert r.get_json()["detail"] == "Account blocked — please contact accounts"
    assert outbox("quote.converted") == []
    publish(bus, "customer.unblocked", customer_data(customer, version=3, blocked=False))
    bus.drain()
    r = api.post(f"/v1/quotes/{quote.get_json()['id']}/convert", {"engineer": "Sam"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["quote"]["status"] == "converted"
    assert body["job"]["status"] == "open" and body["job"]["engineer"] == "Sam"
    assert r.headers["Location"] == f"/v1/jobs/{body['job']['id']}"
    assert [e["data"]["id"] for e in outbox("job.created")] == [body["job"]["id"]]


def test_convert_refused_over_the_credit_limit_with_the_figures(api, bus, customer):
    publish(bus, "customer.updated", customer_data(customer, version=2, credit_limit="1000.00"))
    bus.drain()
    api.post(f"/v1/customers/{customer}/invoices", {"lines": [line(unit_price="750.00")]})  # 900.00 owed
    quote = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line(unit_price="200.00", vat_rate="0")]})
    r = api.post(f"/v1/quotes/{quote.get_json()['id']}/convert", {})
    assert r.status_code == 409
    body = r.get_json()
    assert "1000.00" in body["detail"] and "900.00" in body["detail"] and "1100.00" in body["detail"]
    assert (body["owed"], body["quote_total"], body["credit_limit"]) == ("900.00", "200.00", "1000.00")
    small = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line(unit_price="100.00", vat_rate="0")]})
    assert api.post(f"/v1/quotes/{small.get_json()['id']}/convert", {}).status_code == 201


def test_quote_statuses_follow_their_order(api, customer):
    qid = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).get_json()["id"]
    assert api.post(f"/v1/quotes/{qid}/status", {"status": "sent"}).get_json()["status"] == "sent"
    assert api.post(f"/v1/quotes/{qid}/status", {"status": "accepted"}).get_json()["status"] == "accepted"
    assert api.post(f"/v1/quotes/{qid}/convert", {}).status_code == 201
    assert api.post(f"/v1/quotes/{qid}/convert", {}).status_code == 409
    assert api.post(f"/v1/quotes/{qid}/status", {"status": "sent"}).status_code == 409


def test_quotes_and_jobs_list_latest_first_and_paged(api, customer):
    ids = [
        api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).get_json()["id"] for _ in range(3)
    ]
    r = api.get(f"/v1/customers/{customer}/quotes", query_string={"page_size": 2})
    assert [q["id"] for q in r.get_json()] == ids[::-1][:2]
    assert '"total": 3' in r.headers["X-Pagination"] or '"total":3' in r.headers["X-Pagination"]
    assert 'rel="next"' in r.headers["Link"]
    job = api.post(
        f"/v1/customers/{customer}/jobs",
        {
            "scheduled_start": "2099-01-02T09:00:00Z",
            "priority": "high",
            "category": "boiler",
            "asset_id": "a-1",
        },
    ).get_json()
    assert api.get(f"/v1/customers/{customer}/jobs").get_json()[0]["id"] == job["id"]
    account = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (account["open_jobs"], account["future_jobs"]) == (1, 1)
    done = api.patch(f"/v1/jobs/{job['id']}", {"status": "completed"}).get_json()
    assert done["status"] == "completed" and done["completed_at"]
    assert api.patch(f"/v1/jobs/{job['id']}", {"status": "aborted"}).status_code == 409
