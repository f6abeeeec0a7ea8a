"""A client generated from the gateway's /openapi.json (openapi-python-client) works the whole API
contract: If-Match is an operation's own parameter, and errors parse into the Problem model with
their title and detail (docs/api-contract.md)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
PACKAGE = "fieldbook_client"


@pytest.fixture(scope="module")
def generated(system, tmp_path_factory):
    """The client, generated into a temporary folder and imported from there; (package, output)."""
    folder = tmp_path_factory.mktemp("generated")
    session = requests.Session()
    session.trust_env = False
    doc = session.get(f"{system.gateway_url}/openapi.json", timeout=30)
    doc.raise_for_status()
    assert "x-fieldbook-unavailable" not in doc.json()
    (folder / "openapi.json").write_text(json.dumps(doc.json()))
    bin_dir = Path(sys.executable).parent
    generator = bin_dir / "openapi-python-client"
    run = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(folder / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--config",
            str(CONFIG),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE), output
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generator_leaves_nothing_out(generated):
    client, output = generated
    for sign in ("WARNING", "Unsupported", "will be omitted", "Unable to parse"):
        assert sign not in output, output
    api = Path(client.__file__).parent / "api"
    # the files: PDF, ZIP and CSV answers and the CSV upload are operations with bytes
    for module in (
        "customer_statement/get_v1_customers_customer_id_statement_pdf.py",
        "data_exports/get_v1_exports_export_id_download.py",
        "imports/post_v1_imports.py",
        "overview/get_v1_customers_customer_id_overview.py",
        "reports/get_v1_reports_aged_debtors.py",
    ):
        assert (api / module).is_file(), module
    pdf = (api / "customer_statement/get_v1_customers_customer_id_statement_pdf.py").read_text()
    assert "File(" in pdf or "BytesIO" in pdf, "the PDF is not read as bytes"


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.customers.{name}")


def test_a_generated_client_creates_reads_patches_searches_and_deletes_a_customer(generated, tenant, system):
    client_pkg, _ = generated
    from fieldbook_client import AuthenticatedClient
    from fieldbook_client.models import Address, Customer, CustomerIn, CustomerPatch, Problem

    client = AuthenticatedClient(
        base_url=system.gateway_url, token=tenant.admin_key, raise_on_unexpected_status=True
    )
    surname = f"Generated{uuid.uuid4().hex[:8]}"
    body = CustomerIn(
        type_="private",
        first_name="Sam",
        surname=surname,
        address=Address(line_1="9 Mill Lane", town="Ilkley", postcode="LS29 8AB"),
        email="sam.generated@example.com",
    )
    created = _api("post_v1_customers").sync_detailed(
        client=client, body=body, idempotency_key=f"gen-{uuid.uuid4()}"
    )
    assert created.status_code == 201, created.content
    customer = created.parsed
    assert isinstance(customer, Customer)
    assert customer.address.postcode == "LS29 8AB"  # the nested address is typed
    assert created.headers["Location"].endswith(customer.id)

    read = _api("get_v1_customers_customer_id").sync_detailed(customer.id, client=client)
    assert read.status_code == 200 and read.parsed.surname == surname
    etag = read.headers["ETag"]

    # If-Match is the PATCH's own parameter (required), not a header set on the whole client
    patched = _api("patch_v1_customers_customer_id").sync_detailed(
        customer.id, client=client, body=CustomerPatch(phone="01632 960999"), if_match=etag
    )
    assert patched.status_code == 200, patched.content
    assert patched.parsed.phone == "01632 960999"
    stale = _api("patch_v1_customers_customer_id").sync_detailed(
        customer.id, client=client, body=CustomerPatch(phone="01632 960000"), if_match=etag
    )
    assert stale.status_code == 412 and isinstance(stale.parsed, Problem)
    assert stale.parsed.status == 412 and stale.parsed.title

    found = _api("get_v1_customers").sync_detailed(client=client, q=surname)
    assert found.status_code == 200
    assert [row.id for row in found.parsed] == [customer.id]
    assert json.loads(found.headers["X-Pagination"])["total"] == 1

    # a 409 and a 422 parse into the Problem model: title and detail are there to show
    conflict = _api("post_v1_customers_customer_id_unblock").sync_detailed(
        customer.id, client=client, body=_unblock_body()
    )
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, Problem)
    assert conflict.parsed.title == "Conflict"
    assert "not blocked" in conflict.parsed.detail

    invalid = _api("post_v1_customers").sync_detailed(
        client=client,
        body=CustomerIn(
            type_="private", surname="Nobody", address=Address(line_1="1 Road"), email="not an email"
        ),
    )
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, Problem)
    assert invalid.parsed.title == "Validation failed" and invalid.parsed.detail
    assert "email" in invalid.parsed.errors.to_dict()

    latest = _api("get_v1_customers_customer_id").sync_detailed(customer.id, client=client).headers["ETag"]
    deleted = _api("delete_v1_customers_customer_id").sync_detailed(
        customer.id, client=client, if_match=latest
    )
    assert deleted.status_code == 204, deleted.content
    gone = _api("get_v1_customers_customer_id").sync_detailed(customer.id, client=client)
    assert gone.status_code in (404, 410) and isinstance(gone.parsed, Problem)


def _unblock_body():
    from fieldbook_client.models import Unblock

    return Unblock(reason="checking the contract")
