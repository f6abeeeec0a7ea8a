"""Claims with an owner: a worker whose lease ran out and was taken over neither sends nor records;
one email's trouble never stops the batch; a mass email is expanded once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from comms.sending import MassEmailRunner, Sender
from comms.store.models import Email, MassEmail
from fieldbook_shared.db import utcnow

from ..conftest import known_customer, publish


def _expire(sessions, model) -> None:
    """As if the lease ran out (a batch or an expansion outlasting it)."""
    with sessions() as s:
        s.execute(update(model).values(lease_until=utcnow() - timedelta(seconds=1)))
        s.commit()


def _queue(api, customer, n=1) -> list[str]:
    return [
        api.post("/v1/emails", {"customer_id": customer["id"], "subject": "s", "body": f"b{i}"}).get_json()[
            "id"
        ]
        for i in range(n)
    ]


class HookedTransport:
    """The fake SMTP server, with something happening while the first message is on the wire."""

    def __init__(self, smtp, during_first_send):
        self.smtp, self.hook = smtp, during_first_send

    def send(self, message):
        hook, self.hook = self.hook, None
        if hook:
            hook()
        return self.smtp.send(message)

    def close(self):
        pass


def test_a_batch_that_outlasts_its_lease_does_not_send_what_another_worker_took(
    api, bus, sender, smtp, sessions, settings, uow_factory
):
    ids = _queue(api, known_customer(bus), n=3)
    token, claimed = sender.claim()
    assert sorted(claimed) == sorted(ids)
    _expire(sessions, Email)
    other = Sender(settings, sessions, uow_factory, transport_factory=lambda: smtp, billing=sender.billing)
    assert other.send_due() == 3

    sender.send_claimed(token, claimed)  # the first worker carries on with its old batch

    assert len(smtp.delivered) == 3
    for email_id in ids:
        email = api.get(f"/v1/emails/{email_id}").get_json()
        assert (email["status"], email["attempts"], len(email["send_log"])) == ("sent", 1, 1)


def test_a_send_whose_claim_is_taken_meanwhile_is_not_recorded_by_the_loser(
    api, bus, sender, smtp, sessions, settings, uow_factory, outbox
):
    [email_id] = _queue(api, known_customer(bus))
    other = Sender(settings, sessions, uow_factory, transport_factory=lambda: smtp, billing=sender.billing)
    taken = {}

    def take_over():
        _expire(sessions, Email)
        taken["token"], taken["ids"] = other.claim()

    sender.transport_factory = lambda: HookedTransport(smtp, take_over)
    sender.send_due()
    email = api.get(f"/v1/emails/{email_id}").get_json()
    assert (email["status"], email["attempts"]) == ("sending", 0)  # the winner's to record
    assert outbox("email.sent") == []

    other.send_claimed(taken["token"], taken["ids"])
    email = api.get(f"/v1/emails/{email_id}").get_json()
    assert (email["status"], email["attempts"]) == ("sent", 1)
    assert len(outbox("email.sent")) == 1


def test_a_customer_deleted_while_its_email_is_sending_does_not_stop_the_batch(api, bus, sender, smtp):
    gone, stays = known_customer(bus), known_customer(bus)
    [gone_email] = _queue(api, gone)
    [kept_email] = _queue(api, stays)

    def delete_customer():
        publish(bus, "customer.deleted", {"customer_id": gone["id"]})
        bus.drain()

    sender.transport_factory = lambda: HookedTransport(smtp, delete_customer)
    assert sender.send_due() == 2  # no exception out of the batch
    assert api.get(f"/v1/emails/{gone_email}").status_code == 404
    assert api.get(f"/v1/emails/{kept_email}").get_json()["status"] == "sent"


def test_a_mass_email_taken_over_mid_expansion_is_expanded_once(
    api, bus, runner, sender, smtp, sessions, settings, uow_factory
):
    ids = [known_customer(bus)["id"] for _ in range(3)]
    job = api.post("/v1/mass-emails", {"customer_ids": ids, "subject": "s", "body": "b"}).get_json()
    first = runner.claim()
    other = MassEmailRunner(settings, sessions, uow_factory)
    assert other.claim() is None  # the lease holds
    _expire(sessions, MassEmail)
    second = other.claim()
    assert second is not None and second[2] != first[2]

    assert other.expand(*second) is True
    assert runner.expand(*first) is False  # the first worker's claim is gone: it queues nothing

    with sessions() as s:
        assert s.scalar(select(func.count()).where(Email.mass_email_id == job["id"])) == 3
    while sender.send_due():
        pass
    runner.step()
    done = api.get(f"/v1/mass-emails/{job['id']}").get_json()
    assert (done["status"], done["sent"], done["skipped"]) == ("completed", 3, 0)
    assert len(smtp.delivered) == 3
