"""Mass email: one personalised email per recipient, skips with reasons, mailing lists, progress."""

from __future__ import annotations

import uuid

from comms.domain.smtp import SENT, TEMPORARY, SendOutcome

from ..conftest import contact_data, known_customer, publish, run_mass_emails


def _population(bus):
    ok = [known_customer(bus, first_name=f"F{i}", surname=f"S{i}") for i in range(4)]
    no_email = known_customer(bus, with_contact=False)
    opted_out = known_customer(bus, communication_preferences={"email": False})
    dormant = known_customer(bus, status="dormant")
    return ok, no_email, opted_out, dormant


def test_mass_email_sends_one_personalised_email_each_and_skips_with_reasons(
    api, bus, runner, sender, smtp, outbox
):
    ok, no_email, opted_out, dormant = _population(bus)
    # each ok customer gets its own primary contact with its own names
    for i, c in enumerate(ok):
        publish(
            bus,
            "contact.updated",
            contact_data(
                c["id"], first_name=f"First{i}", surname=f"Last{i}", email=f"c{i}@example.com", version=5
            ),
        )
    bus.drain()
    ids = [c["id"] for c in ok] + [no_email["id"], opted_out["id"], dormant["id"]]
    preview = api.post("/v1/mass-emails/preview", {"customer_ids": ids}).get_json()
    assert [p["status"] for p in preview] == ["send"] * 4 + ["skipped"] * 3

    r = api.post(
        "/v1/mass-emails", {"customer_ids": ids, "subject": "News", "body": "Hello [first_name] [last_name]"}
    )
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert job["total"] == 7 and job["status"] == "queued"

    run_mass_emails(runner, sender)
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert done["status"] == "completed"
    assert (done["sent"], done["skipped"], done["failed"], done["pending"]) == (4, 3, 0, 0)
    assert done["skipped_reasons"] == {
        "no email address": 1,
        "opted out of email": 1,
        "dormant customer (automated sends are not made to dormant customers)": 1,
    }
    bodies = sorted(m.get_content().strip() for m in smtp.delivered)
    assert bodies == [f"Hello First{i} Last{i}" for i in range(4)]
    assert outbox("mass_email.completed")[0]["data"]["sent"] == 4
    skipped = api.get(
        f"/v1/mass-emails/{job['id']}/recipients", query_string={"status": "skipped"}
    ).get_json()
    assert {s["customer_id"] for s in skipped} == {no_email["id"], opted_out["id"], dormant["id"]}


def test_manual_mass_email_includes_dormant(api, bus, runner, sender, smtp):
    dormant = known_customer(bus, status="dormant")
    job = api.post(
        "/v1/mass-emails", {"customer_ids": [dormant["id"]], "subject": "s", "body": "b", "automated": False}
    ).get_json()
    runner.step()
    sender.send_due()
    runner.step()
    assert api.get(f"/v1/mass-emails/{job['id']}").get_json()["sent"] == 1


def test_mailing_list_save_load_list_delete_and_send(api, bus, runner, sender, smtp):
    a, b = known_customer(bus), known_customer(bus)
    r = api.post("/v1/mailing-lists", {"name": "Boiler owners", "customer_ids": [a["id"], b["id"], a["id"]]})
    assert r.status_code == 201
    ml = r.get_json()
    assert ml["customer_ids"] == [a["id"], b["id"]]
    assert api.post("/v1/mailing-lists", {"name": "Boiler owners", "customer_ids": []}).status_code == 409
    assert [x["id"] for x in api.get("/v1/mailing-lists").get_json()] == [ml["id"]]
    assert api.get(f"/v1/mailing-lists/{ml['id']}").get_json()["size"] == 2
    job = api.post("/v1/mass-emails", {"mailing_list_id": ml["id"], "subject": "s", "body": "b"}).get_json()
    runner.step()
    sender.send_due()
    runner.step()
    assert api.get(f"/v1/mass-emails/{job['id']}").get_json()["sent"] == 2
    assert api.delete(f"/v1/mailing-lists/{ml['id']}").status_code == 204
    assert api.get(f"/v1/mailing-lists/{ml['id']}").status_code == 404


def test_unknown_customer_in_a_mass_email_is_skipped_with_the_reason(api, bus, runner, customers):
    ghost = str(uuid.uuid4())
    job = api.post("/v1/mass-emails", {"customer_ids": [ghost], "subject": "s", "body": "b"}).get_json()
    runner.step()
    runner.step()
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert done["skipped_reasons"] == {"no such customer": 1} and done["status"] == "completed"


def test_mass_email_needs_ids_or_a_list_and_known_placeholders(api):
    assert api.post("/v1/mass-emails", {"subject": "s", "body": "b"}).status_code == 422
    r = api.post("/v1/mass-emails", {"customer_ids": [str(uuid.uuid4())], "subject": "s", "body": "[x]"})
    assert r.status_code == 422 and "[x]" in r.get_json()["errors"]["body"][0]


def test_customers_deleted_or_erased_during_a_mass_email_keep_its_figures_adding_up(
    api, bus, runner, sender, smtp, outbox
):
    sent_then_erased, queued_then_deleted, stays, deleted_before = (known_customer(bus) for _ in range(4))
    ids = [c["id"] for c in (sent_then_erased, queued_then_deleted, stays, deleted_before)]
    job = api.post("/v1/mass-emails", {"customer_ids": ids, "subject": "s", "body": "Dear [last_name]"})
    job = job.get_json()
    publish(bus, "customer.deleted", {"customer_id": deleted_before["id"]})  # before it is expanded
    bus.drain()
    runner.step()
    # the first is sent, the second refused for now (queued again), the third sent
    smtp.script = [SendOutcome(SENT, 250, "ok"), SendOutcome(TEMPORARY, 451, "try later")]
    sender.send_due()
    [erased_email] = [
        r["email_id"]
        for r in api.get(f"/v1/mass-emails/{job['id']}/recipients").get_json()
        if r["customer_id"] == sent_then_erased["id"]
    ]

    publish(bus, "customer.erased", {"customer_id": sent_then_erased["id"]})
    publish(bus, "customer.deleted", {"customer_id": queued_then_deleted["id"]})
    bus.drain()
    while sender.send_due():
        pass
    runner.step()

    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert done["status"] == "completed"
    assert (done["total"], done["sent"], done["skipped"], done["failed"], done["pending"]) == (4, 2, 2, 0, 0)
    assert done["skipped_reasons"] == {"customer deleted": 2}
    assert len(smtp.delivered) == 2
    kept = api.get(f"/v1/emails/{erased_email}").get_json()
    assert kept["status"] == "sent" and kept["customer_id"] is None
    assert (kept["to"], kept["subject"], kept["body"], kept["to_name"]) == ("", "", "", None)
    report = outbox("customer.erasure_reported")[0]["data"]["actions"]
    assert (report["mass_emails_anonymised"], report["mass_email_recipients_skipped"]) == (1, 0)


def test_recipients_mailing_lists_and_templates_are_paged_like_every_list(api, bus, runner, sender, smtp):
    import json

    ok, no_email, opted_out, dormant = _population(bus)
    ids = [c["id"] for c in ok] + [no_email["id"], opted_out["id"], dormant["id"]]
    job = api.post("/v1/mass-emails", {"customer_ids": ids, "subject": "s", "body": "b"}).get_json()
    runner.step()

    def page(path, **query):
        r = api.get(path, query_string=query)
        assert r.status_code == 200, r.get_json()
        return r.get_json(), json.loads(r.headers["X-Pagination"]), r.headers.get("Link", "")

    recipients = f"/v1/mass-emails/{job['id']}/recipients"
    rows, meta, link = page(recipients, page_size=3)
    assert [r["customer_id"] for r in rows] == ids[:3] and meta["total"] == 7 and meta["total_pages"] == 3
    assert 'rel="next"' in link and "page_size=3" in link
    rows, meta, _ = page(recipients, page=3, page_size=3)
    assert [r["customer_id"] for r in rows] == ids[6:]
    # the status filter is applied before paging: the pages and the total agree
    rows, meta, _ = page(recipients, status="skipped", page_size=2)
    assert meta["total"] == 3 and [r["status"] for r in rows] == ["skipped", "skipped"]
    rows, meta, _ = page(recipients, status="skipped", page=2, page_size=2)
    assert [r["customer_id"] for r in rows] == [dormant["id"]]
    while sender.send_due():
        pass
    rows, meta, _ = page(recipients, status="sent")
    assert meta["total"] == 4 and {r["customer_id"] for r in rows} == {c["id"] for c in ok}
    assert all(r["to"] and r["email_id"] for r in rows)
    assert page(recipients, status="pending")[1]["total"] == 0

    for n in range(3):
        api.post("/v1/mailing-lists", {"name": f"List {n}", "customer_ids": [ok[0]["id"]]})
        api.post("/v1/email-templates", {"name": f"Template {n}", "subject": "Hi", "body": "Dear [title]"})
    for path, name in (("/v1/mailing-lists", "List"), ("/v1/email-templates", "Template")):
        rows, meta, link = page(path, page=2, page_size=2)
        assert [r["name"] for r in rows] == [f"{name} 2"] and meta["total"] == 3 and 'rel="prev"' in link
        typo = api.get(path, query_string={"pagesize": 2})
        assert typo.status_code == 422 and "pagesize" in typo.get_json()["errors"]
    assert api.get(recipients, query_string={"page_size": 101}).status_code == 422
