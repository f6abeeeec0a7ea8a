"""What the webhooks service consumes (queue `webhooks.events`): every public event of the catalogue
(`fieldbook_shared.events.PUBLIC_EVENTS`), each fanned out to the endpoints that want it. On
`customer.erased` the bodies kept of that customer's earlier events are blanked too.
"""

from __future__ import annotations

from fieldbook_shared.events import PUBLIC_EVENTS, Event
from fieldbook_shared.messaging import BatchHandler

from .service.deliveries import erase_customer, fan_out, fan_out_many
from .uow import WebhooksUnitOfWork

# a run of one tenant's events (an import's work addresses) reads the tenant's endpoints once
PUBLIC_EVENT = BatchHandler(fan_out, fan_out_many)


def on_customer_erased(uow: WebhooksUnitOfWork, event: Event) -> None:
    customer_id = event.data["customer_id"]
    with uow:
        blanked = erase_customer(uow, customer_id, except_message=event.id)
        fan_out(uow, event)  # partners are told, so they erase their copy too
        uow.report_erasure(customer_id, {"delivery_bodies_blanked": blanked})
        uow.commit()


HANDLERS = {
    **dict.fromkeys(sorted(PUBLIC_EVENTS), PUBLIC_EVENT),
    "customer.erased": on_customer_erased,
}
