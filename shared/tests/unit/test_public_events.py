"""Which events partners see: every catalogue event is classed public or internal, once."""

from __future__ import annotations

from fieldbook_shared.events import EVENT_SCHEMAS, PUBLIC_EVENTS
from fieldbook_shared.events.catalogue.public import INTERNAL_EVENTS


def test_every_event_of_the_catalogue_is_public_or_internal_and_never_both():
    assert PUBLIC_EVENTS | INTERNAL_EVENTS == EVENT_SCHEMAS.keys()
    assert not PUBLIC_EVENTS & INTERNAL_EVENTS


def test_partners_hear_of_servicing_contracts_and_recurring_invoices():
    contracts = {f"contract.{what}" for what in ("created", "updated", "renewed", "cancelled", "expired")}
    recurring = {
        f"recurring_invoice.{what}"
        for what in ("created", "updated", "paused", "resumed", "stopped", "ended", "invoiced")
    }
    assert contracts | recurring <= PUBLIC_EVENTS


def test_requests_between_services_bookkeeping_and_card_data_stay_internal():
    for event_type in (
        "document.send_requested",
        "service_reminder.send_requested",
        "ledger.balance_changed",
        "accounting.sync_failed",
        "card.stored",
        "sms.sent",
        "webhook_endpoint.disabled",
    ):
        assert event_type in INTERNAL_EVENTS and event_type not in PUBLIC_EVENTS
