"""The gateway publishes the merged API description; services refuse traffic that bypasses it."""

from harness.api import assert_problem, customer_count, expect


def test_openapi_through_the_gateway_lists_customer_paths(system, tenant):
    r = expect(tenant.admin.get("/openapi.json"), 200)
    paths = r.json()["paths"]
    assert "/v1/customers" in paths, sorted(paths)[:20]
    assert {"get", "post"} <= set(paths["/v1/customers"]), paths["/v1/customers"]
    assert any(p.startswith("/v1/customers/{") for p in paths), sorted(paths)[:20]


def test_customers_service_refuses_requests_without_the_internal_token(system, tenant):
    """Straight to the service with a forged identity but no internal token: 401, no data."""
    direct = system.client(base_url=system.customers_url)
    forged = {"X-Tenant-Id": tenant.id, "X-Role": "admin", "X-Actor": "intruder"}

    assert_problem(direct.get("/v1/customers", headers=forged), 401)
    assert_problem(direct.get("/v1/customers", headers={**forged, "X-Internal-Token": "guess"}), 401)
    assert_problem(
        direct.post(
            "/v1/customers",
            json={
                "type": "company",
                "company_name": "Sneaky Ltd",
                "address": {"line_1": "1 Back Door", "postcode": "LS1 1AA"},
            },
            headers=forged,
        ),
        401,
    )
    assert customer_count(tenant.admin) == 0, "a request without the internal token wrote a customer"


def test_the_merged_description_documents_account_credit_fields_and_the_new_routes(tenant):
    spec = expect(tenant.admin.get("/openapi.json"), 200).json()
    assert "/v1/customers/{customer_id}/merges" in spec["paths"], sorted(spec["paths"])[:20]
    account = spec["paths"]["/v1/customers/{customer_id}/account"]["get"]
    assert "as_at" in {p["name"] for p in account.get("parameters", [])}
    post = spec["paths"]["/v1/customers/{customer_id}/account-credit"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    credit_in = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert credit_in["method"]["enum"] == ["cash", "cheque", "bank_transfer", "card", "direct_debit", "other"]
    nominal = credit_in["nominal_account"]
    assert nominal["pattern"] and nominal["maxLength"] == 64 and nominal["example"] == "4000"
    # the aged debtors: JSON, or the same as CSV, XLSX or PDF (binary bodies with their media types)
    aged = spec["paths"]["/v1/reports/aged-debtors"]["get"]
    assert {"as_at", "format"} <= {p["name"] for p in aged.get("parameters", [])}
    assert set(aged["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
    }
