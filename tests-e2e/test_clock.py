"""The services' clock the suite moves (fieldbook_shared.clock, System.set_clock): every service
answers the time it was set to, billing dates an invoice by it, and the real time comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from fieldbook_shared import service_table
from fieldbook_shared.context import INTERNAL_TOKEN_HEADER
from harness.api import create_customer, expect, line

LEAP_DAY = datetime(2028, 2, 29, 9, 30, tzinfo=UTC)


def clocks(system) -> dict[str, str]:
    """What each service's GET /internal/clock says (the console, a client, keeps no dates)."""
    said = {}
    for service in service_table.SERVICES:
        if service.url_env and service.kind == "service":
            url = getattr(system, service.url_env.lower()) + "/internal/clock"
            r = requests.get(url, headers={INTERNAL_TOKEN_HEADER: system.internal_token}, timeout=10)
            assert r.status_code == 200, f"{service.name}: {r.status_code} {r.text}"
            said[service.name] = r.json()["now"]
    return said


def test_the_clock_moves_every_service_and_billing_dates_by_it(system, tenant, clock):
    customer = create_customer(tenant.admin)

    clock(LEAP_DAY)

    assert set(clocks(system).values()) == {LEAP_DAY.isoformat()}
    invoice = expect(
        tenant.admin.post(f"/v1/customers/{customer['id']}/invoices", json={"lines": [line("100.00")]}), 201
    ).json()
    assert invoice["invoice_date"] == "2028-02-29"

    clock(None)

    for said in clocks(system).values():
        assert abs(datetime.fromisoformat(said) - datetime.now(UTC)) < timedelta(minutes=1)
