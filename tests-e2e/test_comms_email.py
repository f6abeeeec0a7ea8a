"""comms email over real SMTP: a mass email with skips and reasons; 4xx refusals retried until delivered."""

from __future__ import annotations

import re
import secrets
from collections import Counter

from harness.api import all_pages, create_customer, expect, private_customer
from harness.polling import eventually

EMAIL_ID = "X-Fieldbook-Email-Id"


def _domain() -> str:
    return f"@{secrets.token_hex(4)}.e2e.example"


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_mass_email_to_100_customers_sends_75_and_skips_25_with_reasons(tenant, smtp):
    client = tenant.admin
    domain = _domain()
    names: dict[str, tuple[str, str]] = {}
    ids: list[str] = []

    def add(i: int, *, email: bool = True, **overrides) -> None:
        first, last = f"First{i:03d}", f"Last{i:03d}"
        contact = {"first_name": first, "surname": last}
        if email:
            contact["email"] = f"c{i:03d}{domain}"
            names[contact["email"]] = (first, last)
        body = private_customer(
            first_name=first, surname=last, email=None, primary_contact=contact, **overrides
        )
        ids.append(create_customer(client, body)["id"])

    for i in range(75):
        add(i)
    for i in range(75, 85):
        add(i, email=False)
    for i in range(85, 95):
        add(i, communication_preferences={"email": False})
    for i in range(95, 100):
        add(i, status="dormant")
    sendable = {f"c{i:03d}{domain}" for i in range(75)}

    # what a mail screen shows before sending; also: comms has heard of all 100 (and their contacts)
    def preview_settled():
        rows = expect(client.post("/v1/mass-emails/preview", json={"customer_ids": ids}), 200).json()
        counts = Counter(r["status"] for r in rows)
        assert counts == {"send": 75, "skipped": 25}, counts
        return rows

    eventually(preview_settled, timeout=60, interval=0.5, message="comms knows the 100 customers")

    r = expect(
        client.post(
            "/v1/mass-emails",
            json={
                "customer_ids": ids,
                "subject": "Your annual service, [first_name]",
                "body": 'Dear "First Name" "Last Name",\n\nYour boiler service is due.\n',
            },
        ),
        202,
    )
    job = r.json()
    assert job["total"] == 100

    def completed():
        progress = expect(client.get(f"/v1/mass-emails/{job['id']}"), 200).json()
        assert progress["status"] == "completed", progress
        return progress

    progress = eventually(completed, timeout=120, interval=0.5, message="the mass email completes")
    assert (progress["sent"], progress["skipped"], progress["failed"], progress["pending"]) == (75, 25, 0, 0)
    assert progress["skipped_reasons"] == {
        "no email address": 10,
        "opted out of email": 10,
        "dormant customer (automated sends are not made to dormant customers)": 5,
    }

    received = smtp.messages_to(domain)
    assert len(received) == 75
    assert Counter(m[EMAIL_ID] for m in received).most_common(1)[0][1] == 1, "a message arrived twice"
    assert {m["To"].addresses[0].addr_spec for m in received} == sendable
    for message in received:
        first, last = names[message["To"].addresses[0].addr_spec]
        assert f"Dear {first} {last}," in _body(message), _body(message)
        assert message["Subject"] == f"Your annual service, {first}"

    # the recipients come page by page (X-Pagination, Link): 10 a page, the status filter first
    recipients = f"/v1/mass-emails/{job['id']}/recipients"
    skipped = all_pages(client, recipients, {"status": "skipped"}, page_size=10)
    assert len(skipped) == 25 and all(s["reason"] for s in skipped)
    everyone = all_pages(client, recipients, page_size=30)
    assert len(everyone) == 100 and len({r["customer_id"] for r in everyone}) == 100


def test_smtp_refusing_with_4xx_for_a_while_then_each_email_is_delivered_once(tenant, smtp):
    client = tenant.admin
    domain = _domain()
    customers = [
        create_customer(
            client,
            private_customer(
                title=None,
                first_name=f"Retry{i}",
                surname="Person",
                email=None,
                primary_contact={"first_name": f"Retry{i}", "surname": "Person", "email": f"r{i}{domain}"},
            ),
        )
        for i in range(3)
    ]
    smtp.refusing = True
    refusals_before = smtp.refusals
    emails = [
        expect(
            client.post(
                "/v1/emails",
                json={
                    "customer_id": c["id"],
                    "subject": "Hello [first_name]",
                    "body": "Dear [title] [first_name] [surname],\nThanks",
                },
            ),
            202,
        ).json()
        for c in customers
    ]
    assert {e["status"] for e in emails} == {"queued"}

    def retried():
        states = [expect(client.get(f"/v1/emails/{e['id']}"), 200).json() for e in emails]
        assert all(s["attempts"] >= 2 and s["status"] in ("queued", "sending") for s in states), states
        return states

    eventually(retried, timeout=60, interval=0.3, message="the refused emails are retried")
    assert smtp.refusals - refusals_before >= 6
    assert smtp.messages_to(domain) == []

    smtp.refusing = False

    def delivered():
        got = smtp.messages_to(domain)
        assert len(got) == 3, len(got)
        return got

    eventually(delivered, timeout=60, interval=0.3, message="delivered after the server recovers")
    for e in emails:
        final = eventually(
            lambda e=e: (
                (s := expect(client.get(f"/v1/emails/{e['id']}"), 200).json())["status"] == "sent" and s
            ),
            timeout=60,
        )
        outcomes = [a["outcome"] for a in final["send_log"]]
        assert outcomes[-1] == "sent" and set(outcomes[:-1]) == {"temporary"} and len(outcomes) >= 3, outcomes
        assert any(a["smtp_code"] == 451 for a in final["send_log"])
    received = smtp.messages_to(domain)
    assert sorted(m[EMAIL_ID] for m in received) == sorted(e["id"] for e in emails), "each email exactly once"
    for message in received:
        # no title: no double space where it would have gone
        assert re.fullmatch(r"Dear Retry\d Person,", _body(message).splitlines()[0]), _body(message)
