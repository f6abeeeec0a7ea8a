"""The recipients' status filter takes exactly the statuses the rows show, and filters on them."""

from __future__ import annotations

from comms.domain.smtp import PERMANENT, SENT, SendOutcome

from ..conftest import known_customer


def test_the_filter_matches_what_each_row_shows(api, bus, runner, sender, smtp):
    sent, failed, waiting = (known_customer(bus) for _ in range(3))
    no_email = known_customer(bus, with_contact=False)
    ids = [sent["id"], failed["id"], waiting["id"], no_email["id"]]
    job = api.post("/v1/mass-emails", {"customer_ids": ids, "subject": "s", "body": "b"}).get_json()
    path = f"/v1/mass-emails/{job['id']}/recipients"
    assert [r["customer_id"] for r in api.get(f"{path}?status=pending").get_json()] == ids
    runner.step()
    smtp.script = [SendOutcome(SENT, 250, "ok"), SendOutcome(PERMANENT, 550, "no such user")]
    sender.claim = _claim_two(sender)
    sender.send_due()

    rows = api.get(path).get_json()
    assert [r["status"] for r in rows] == ["sent", "failed", "sending", "skipped"]
    for status in ("sent", "failed", "sending", "skipped"):
        r = api.get(f"{path}?status={status}")
        assert r.status_code == 200, (status, r.get_json())
        assert [row["status"] for row in r.get_json()] == [status]
    assert api.get(f"{path}?status=pending").get_json() == []
    assert api.get(f"{path}?status=queued").status_code == 422


def _claim_two(sender):
    original = sender.claim

    def claim():
        token, ids = original()
        return token, ids[:2]  # the third stays queued (sending, to the reader)

    return claim
