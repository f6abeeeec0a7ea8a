"""servicing's booking of an asset's service: billing makes the job, linked to the reminder."""

from __future__ import annotations

import uuid
from datetime import date

from ..conftest import customer_data, publish


def _booking(customer_id: str, **overrides) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "customer_id": customer_id,
        "asset_id": str(uuid.uuid4()),
        "work_address_id": None,
        "date": date(2027, 2, 3),
        "description": "Service: Worcester Greenstar 30i (serial SN-1)",
    }
    data.update(overrides)
    return data


def test_a_booked_service_becomes_one_job_linked_to_its_reminder(
    api, bus, customer, outbox, customers_service
):
    booking = _booking(customer)
    event = publish(bus, "service_reminder.booked", booking, source="servicing")
    bus.drain()
    # the same event again (a redelivery): the inbox drops it
    bus.publish("service_reminder.booked", event.to_json(), event.id, event.tenant_id)
    bus.drain()
    jobs = api.get(f"/v1/customers/{customer}/jobs").get_json()
    assert len(jobs) == 1
    (job,) = jobs
    assert (job["service_reminder_id"], job["asset_id"], job["category"]) == (
        booking["id"],
        booking["asset_id"],
        "service",
    )
    assert job["scheduled_start"].startswith("2027-02-03T09:00:00")
    assert job["description"] == booking["description"]
    (created,) = outbox("job.created")
    assert created["data"]["service_reminder_id"] == booking["id"]
    assert customers_service.admitted[-1][1:] == (customer, "job", True)

    # servicing hears of the service done: job.completed names the reminder and when
    api.patch(f"/v1/jobs/{job['id']}", {"status": "completed"})
    (completed,) = outbox("job.completed")
    assert completed["data"]["service_reminder_id"] == booking["id"]
    assert completed["data"]["completed_at"]


def test_no_job_for_a_blocked_customer(api, bus, customer, outbox):
    publish(bus, "customer.blocked", customer_data(customer, version=2, blocked=True, block_reason="debt"))
    publish(bus, "service_reminder.booked", _booking(customer), source="servicing")
    bus.drain()
    assert api.get(f"/v1/customers/{customer}/jobs").get_json() == []
    assert outbox("job.created") == []
