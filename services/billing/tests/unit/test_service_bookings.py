"""servicing's booking of an asset's service: billing makes the job, linked to the reminder."""

from __future__ import annotations

import uuid
from datetime import date

from fieldbook_shared.problems import Conflict

from ..conftest import TENANT, customer_data, publish


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


def test_a_booking_for_a_customer_billing_knows_blocked_is_refused_with_the_reason(
    api, bus, customer, outbox, customers_service
):
    publish(bus, "customer.blocked", customer_data(customer, version=2, blocked=True, block_reason="debt"))
    booking = _booking(customer)
    publish(bus, "service_reminder.booked", booking, source="servicing")
    # applied (acknowledged), not failed towards the dead letters: a refusal is an answer
    assert [d.outcome for d in bus.drain() if d.event_type == "service_reminder.booked"] == ["applied"]
    assert api.get(f"/v1/customers/{customer}/jobs").get_json() == []
    assert outbox("job.created") == []
    (refused,) = outbox("service_reminder.booking_refused")
    assert refused["data"] == {
        "reminder_id": booking["id"],
        "customer_id": customer,
        "date": "2027-02-03",
        "reason": "The customer is blocked: debt",
    }
    assert customers_service.admitted == []  # refused before asking


def test_a_booking_refused_at_admission_leaves_no_job_and_publishes_the_refusal(
    api, bus, customer, outbox, customers_service
):
    """customers knows of a block billing has not heard of yet: the admission refuses the job; its
    writes (the job, its number, job.created) are undone and the refusal is published instead."""
    customers_service.refusals[(TENANT, customer)] = Conflict(
        "This customer is blocked.", block_reason="arrears"
    )
    booking = _booking(customer)
    event = publish(bus, "service_reminder.booked", booking, source="servicing")
    bus.drain()
    bus.publish("service_reminder.booked", event.to_json(), event.id, event.tenant_id)  # redelivered
    bus.drain()
    assert api.get(f"/v1/customers/{customer}/jobs").get_json() == []
    assert outbox("job.created") == []
    (refused,) = outbox("service_reminder.booking_refused")
    assert refused["data"]["reminder_id"] == booking["id"]
    assert refused["data"]["reason"] == "This customer is blocked."

    # unblocked: the next booking of the same reminder makes the job, numbered as the first job
    del customers_service.refusals[(TENANT, customer)]
    publish(bus, "service_reminder.booked", _booking(customer, id=booking["id"]), source="servicing")
    bus.drain()
    (job,) = api.get(f"/v1/customers/{customer}/jobs").get_json()
    assert job["service_reminder_id"] == booking["id"]
    assert job["number"] == 1
