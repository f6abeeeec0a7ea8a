"""The routing and role tables, checked row by row against docs/architecture.md §7 and §2."""

from __future__ import annotations

import pytest

from gateway.roles import allowed_roles
from gateway.routing import resolve, service_for

C = "/v1/customers/3f0c2d6e-8f0a-4c59-9d3c-1b2a3c4d5e6f"


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/customers", "customers"),
        (C, "customers"),
        (f"{C}/contacts/abc/primary", "customers"),
        (f"{C}/work-addresses", "customers"),
        (f"{C}/merge/preview", "customers"),
        ("/v1/custom-fields/colour", "customers"),
        ("/v1/customer-types", "customers"),
        (f"{C}/invoices", "billing"),
        (f"{C}/quotes", "billing"),
        (f"{C}/jobs", "billing"),
        (f"{C}/account-credit", "billing"),
        (f"{C}/cards", "billing"),
        (f"{C}/statement", "billing"),
        (f"{C}/account", "billing"),
        ("/v1/quotes/q1/convert", "billing"),
        ("/v1/invoices/i1/void", "billing"),
        ("/v1/payments/p1/allocations", "billing"),
        ("/v1/credit-notes", "billing"),
        ("/v1/consolidated-invoices", "billing"),
        ("/v1/reports/aged-debtors", "billing"),
        (f"{C}/assets", "assets"),
        ("/v1/assets/a1", "assets"),
        ("/v1/asset-catalogue/makes", "assets"),
        (f"{C}/notes", "comms"),
        (f"{C}/communications", "comms"),
        ("/v1/work-addresses/w1/communications", "comms"),
        ("/v1/email-templates", "comms"),
        ("/v1/mass-emails/m1", "comms"),
        ("/v1/mailing-lists", "comms"),
        (f"{C}/accounting", "accounting-sync"),
        ("/v1/accounting/sync", "accounting-sync"),
        ("/v1/accounting/reviews/r1", "accounting-sync"),
    ],
)
def test_each_public_path_goes_to_its_service(path, service):
    assert service_for(path) == service


@pytest.mark.parametrize(
    "path",
    [
        "/v1",
        "/v1/customersx",
        "/v1/work-addresses/w1",
        "/v2/customers",
        "/v1/quote",
        # services' internal routes (billing's document admission at customers) are never public
        f"/internal/customers/{C.rsplit('/', 1)[1]}/documents",
        "/internal",
    ],
)
def test_paths_outside_the_map_have_no_route(path):
    assert resolve(path) is None


@pytest.mark.parametrize(
    ("method", "path", "body", "roles"),
    [
        ("GET", f"{C}/invoices", None, {"admin", "accounts", "sales", "engineer", "readonly", "partner"}),
        ("POST", "/v1/customers", {"surname": "S"}, {"admin", "accounts", "sales", "engineer", "partner"}),
        ("POST", "/v1/customers", {"surname": "S", "credit_limit": "1.00"}, {"admin", "accounts"}),
        ("POST", f"{C}/block", None, {"admin", "accounts"}),
        ("POST", f"{C}/unblock", None, {"admin", "accounts"}),
        ("POST", "/v1/payments", None, {"admin", "accounts"}),
        ("POST", "/v1/payments/p1/allocations", None, {"admin", "accounts"}),
        ("POST", f"{C}/account-credit", None, {"admin", "accounts"}),
        ("POST", "/v1/credit-notes", None, {"admin", "accounts"}),
        ("POST", f"{C}/merge", None, {"admin"}),
        ("POST", f"{C}/erase", None, {"admin"}),
        ("GET", f"{C}/erasure-report", None, {"admin"}),
        ("PUT", f"{C}/type", None, {"admin"}),
        ("DELETE", C, None, {"admin"}),
        ("DELETE", f"{C}/contacts/c1", None, {"admin", "accounts", "sales", "engineer", "partner"}),
        ("GET", "/v1/exports", None, {"admin"}),
        ("POST", "/v1/imports", None, {"admin"}),
        ("GET", "/v1/reports/aged-debtors", None, {"admin", "accounts"}),
        ("TRACE", "/v1/customers", None, set()),
    ],
)
def test_role_table(method, path, body, roles):
    assert set(allowed_roles(method, path, body)) == roles
