"""A merge moves the merged customer's places in mass emails to the survivor, so the figures still
add up whatever happens to the survivor afterwards."""

from __future__ import annotations

from ..conftest import known_customer, publish, run_mass_emails


def _figures(api, job_id):
    done = api.get(f"/v1/mass-emails/{job_id}").get_json()
    return done, (done["total"], done["sent"], done["skipped"], done["failed"], done["pending"])


def _adds_up(done):
    return done["total"] == done["sent"] + done["skipped"] + done["failed"] + done["pending"]


def test_a_merge_then_a_delete_keeps_every_jobs_figures_adding_up(api, bus, runner, sender, smtp):
    merged, survivor, other = known_customer(bus), known_customer(bus), known_customer(bus)
    both = api.post(
        "/v1/mass-emails", {"customer_ids": [merged["id"], survivor["id"]], "subject": "s", "body": "b"}
    ).get_json()
    runner.step()  # both written as emails, not sent yet
    later = api.post(
        "/v1/mass-emails", {"customer_ids": [merged["id"], other["id"]], "subject": "s", "body": "b"}
    ).get_json()

    publish(bus, "customer.merged", {"survivor_id": survivor["id"], "merged_id": merged["id"]})
    bus.drain()
    rows = api.get(f"/v1/mass-emails/{later['id']}/recipients").get_json()
    assert [r["customer_id"] for r in rows] == [survivor["id"], other["id"]]

    publish(bus, "customer.deleted", {"customer_id": survivor["id"]})
    bus.drain()
    for job in (both, later):
        done, _ = _figures(api, job["id"])
        assert _adds_up(done), done
    while runner.step():
        pass
    while sender.send_due():
        pass
    runner.step()
    done, figures = _figures(api, both["id"])
    assert done["status"] == "completed" and figures == (2, 0, 2, 0, 0)
    done, figures = _figures(api, later["id"])
    assert done["status"] == "completed" and figures == (2, 1, 1, 0, 0)
    assert done["skipped_reasons"] == {"customer deleted": 1}


def test_a_merged_customer_not_written_yet_in_a_job_with_its_survivor_is_skipped(api, bus, runner, sender):
    merged, survivor = known_customer(bus), known_customer(bus)
    job = api.post(
        "/v1/mass-emails", {"customer_ids": [merged["id"], survivor["id"]], "subject": "s", "body": "b"}
    ).get_json()
    publish(bus, "customer.merged", {"survivor_id": survivor["id"], "merged_id": merged["id"]})
    bus.drain()
    run_mass_emails(runner, sender)
    done, figures = _figures(api, job["id"])
    assert done["status"] == "completed" and figures == (2, 1, 1, 0, 0)
    assert done["skipped_reasons"] == {"merged into a customer already among the recipients": 1}
