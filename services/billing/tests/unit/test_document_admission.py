"""Every billing write that makes a document for a customer asks customers first, as its last step
before commit (docs/architecture.md §8): a refusal leaves nothing written, customers unreachable
is a 503, and a block customers knows of refuses a job even before billing's snapshot has heard of
it. Also the client's reading of customers' answers."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from billing import customers_client
from billing.store.models import CreditNote, Invoice, Job, Payment, Quote, StoredCard
from fieldbook_shared.internal_client import UpstreamUnavailable
from fieldbook_shared.problems import CUSTOMER_MERGED_TYPE, Conflict, CustomerMerged, Gone, NotFound
from fieldbook_shared.testing import Answer, card_details

from ..conftest import TENANT, line

CARD = card_details()
PAYMENT = {"method": "cash", "amount": "50.00"}
CREDIT = {"reference": "Goodwill", "method": "bank_transfer", "nominal_account": "4000", "amount": "5.00"}


def _quote(api, customer) -> dict:
    r = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _job(api, customer) -> dict:
    r = api.post(f"/v1/customers/{customer}/jobs", {"description": "Service", "lines": [line()]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _invoice(api, customer) -> dict:
    r = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_each_write_asks_for_its_kind_of_document(api, customer, customers_service):
    q = _quote(api, customer)
    assert api.post(f"/v1/quotes/{q['id']}/convert", {}).status_code == 201
    j = _job(api, customer)
    inv = _invoice(api, customer)
    j2 = _job(api, customer)
    both = {"customer_id": customer, "jobs": [{"job_id": j["id"]}, {"job_id": j2["id"]}]}
    assert api.post("/v1/consolidated-invoices", both).status_code == 201
    note = {"invoice_id": inv["id"], "description": "Refund", "lines": [line(unit_price="10.00")]}
    assert api.post("/v1/credit-notes", note).status_code == 201
    assert api.post("/v1/payments", {"customer_id": customer, **PAYMENT}).status_code == 201
    assert api.post(f"/v1/customers/{customer}/account-credit", CREDIT).status_code == 201
    assert api.post(f"/v1/customers/{customer}/cards", CARD).status_code == 201
    assert [(c, k, b) for t, c, k, b in customers_service.admitted] == [
        (customer, "quote", False),
        (customer, "job", True),  # the conversion
        (customer, "job", True),
        (customer, "invoice", False),
        (customer, "job", True),
        (customer, "invoice", False),  # consolidated
        (customer, "credit_note", False),
        (customer, "payment", False),
        (customer, "account_credit", False),
        (customer, "card", False),
    ]
    assert {t for t, *_ in customers_service.admitted} == {TENANT}


def test_a_write_refused_by_its_own_checks_never_asks(api, customer, customers_service):
    r = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()], "due_date": "2000-01-01"})
    assert r.status_code == 422
    assert customers_service.admitted == []


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (NotFound("No such customer."), 404),
        (Gone("merged", merged_into="00000000-0000-0000-0000-000000000001"), 410),
        (UpstreamUnavailable("down"), 503),
    ],
)
def test_a_refusal_leaves_nothing_written(
    api, customer, customers_service, sessions, outbox, refusal, status
):
    before = len(outbox())
    customers_service.refusals[(TENANT, customer)] = refusal
    writes = [
        (f"/v1/customers/{customer}/quotes", {"lines": [line()]}),
        (f"/v1/customers/{customer}/jobs", {"description": "Service"}),
        (f"/v1/customers/{customer}/invoices", {"lines": [line()]}),
        ("/v1/credit-notes", {"customer_id": customer, "description": "Goodwill", "lines": [line()]}),
        ("/v1/payments", {"customer_id": customer, **PAYMENT}),
        (f"/v1/customers/{customer}/account-credit", CREDIT),
        (f"/v1/customers/{customer}/cards", CARD),
    ]
    for path, body in writes:
        r = api.post(path, body)
        assert r.status_code == status, (path, r.get_json())
        assert r.mimetype == "application/problem+json"
    for model in (Quote, Job, Invoice, CreditNote, Payment, StoredCard):
        assert _count(sessions, model) == 0, model
    assert len(outbox()) == before


def test_a_block_customers_knows_of_refuses_a_job_and_a_conversion_before_billing_hears_of_it(
    api, customer, customers_service, sessions
):
    q = _quote(api, customer)
    customers_service.refusals[(TENANT, customer)] = Conflict("blocked", block_reason="arrears")
    for r in (
        api.post(f"/v1/customers/{customer}/jobs", {"description": "Service"}),
        api.post(f"/v1/quotes/{q['id']}/convert", {}),
    ):
        assert r.status_code == 409, r.get_json()
        assert r.get_json()["block_reason"] == "arrears"
    assert _count(sessions, Job) == 0
    assert api.get(f"/v1/quotes/{q['id']}").get_json()["status"] != "converted"


# --- the client: customers' answers as billing's ------------------------------------------------


@pytest.fixture
def post(monkeypatch, settings):
    monkeypatch.setattr(customers_client, "admit_document", _REAL_ADMIT)
    customers_client.configure(settings)
    sent = {}

    def answer_with(response):
        def fake(session, url, json, headers, timeout):
            sent.update(url=url, json=json, headers=headers, timeout=timeout)
            if isinstance(response, Exception):
                raise response
            return response

        monkeypatch.setattr(requests.Session, "post", fake)
        return sent

    yield answer_with
    customers_client.configure(None)


_REAL_ADMIT = customers_client.admit_document
SURVIVOR = "00000000-0000-0000-0000-00000000000a"


def test_the_client_asks_with_the_internal_headers_and_returns_on_200(post, settings):
    sent = post(Answer(200, {"customer_id": "c1", "kind": "job"}))
    customers_client.admit_document("tenant-a", "c1", "job", refuse_if_blocked=True)
    assert sent["url"] == f"{settings.customers_url}/internal/customers/c1/documents"
    assert sent["json"] == {"kind": "job", "refuse_if_blocked": True}
    assert sent["headers"]["X-Tenant-Id"] == "tenant-a"
    assert sent["headers"]["X-Actor"] == "system:billing"
    assert "X-Internal-Token" in sent["headers"] and sent["timeout"] == settings.internal_timeout_seconds


@pytest.mark.parametrize(
    ("answer", "raised", "extra"),
    [
        (Answer(404, {"status": 404}), NotFound, {}),
        (
            Answer(410, {"status": 410, "merged_into": SURVIVOR}),
            CustomerMerged,
            {"type": CUSTOMER_MERGED_TYPE, "merged_into": SURVIVOR},
        ),
        (Answer(410, {"status": 410, "survivor_id": SURVIVOR}), UpstreamUnavailable, {}),
        (Answer(409, {"status": 409, "block_reason": "arrears"}), Conflict, {"block_reason": "arrears"}),
        (Answer(500), UpstreamUnavailable, {}),
        (Answer(503, {"status": 503}), UpstreamUnavailable, {}),
        (requests.ConnectionError("refused"), UpstreamUnavailable, {}),
        (requests.Timeout("slow"), UpstreamUnavailable, {}),
    ],
)
def test_the_client_turns_each_answer_into_billings(post, answer, raised, extra):
    post(answer)
    with pytest.raises(raised) as caught:
        customers_client.admit_document("tenant-a", "c1", "job", refuse_if_blocked=True)
    assert caught.value.extra == extra
    if raised is Conflict:
        assert caught.value.detail == "Account blocked — please contact accounts"


def test_a_409_billing_did_not_ask_for_is_not_taken_for_a_block(post):
    post(Answer(409, {"status": 409}))
    with pytest.raises(UpstreamUnavailable):
        customers_client.admit_document("tenant-a", "c1", "invoice")
