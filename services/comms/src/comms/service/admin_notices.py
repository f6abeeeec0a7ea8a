"""What needs an admin, emailed to each of the tenant's admins (the gateway says who they are).

webhooks' `webhook_endpoint.disabled`: a partner's endpoint failed for days and was disabled. Each
admin gets one email per disable (`message_key`), however often the event comes. The admins are
asked first, outside any transaction: the gateway unreachable raises `UpstreamUnavailable`, and
the event is handled again later (the consumer requeues it), so nobody is left untold.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from ..uow import CommsUnitOfWork
from .emails import queue_email

log = logging.getLogger("fieldbook.comms.admin_notices")
AdminsFetcher = Callable[[str], list[dict]]

SUBJECT = "Webhook endpoint disabled: {url}"
BODY = (
    "The webhook endpoint {url}{description} has been disabled.\n\n"
    "{reason}\n"
    "Every delivery to it has failed since {failing_since}; it was disabled at {disabled_at}.\n\n"
    "Its deliveries are kept, unsent. Once the endpoint answers again, an admin enables it again "
    '(PATCH /v1/webhooks/{id} with status "enabled") and they are delivered, in order.\n'
)


def admins_fetcher(uow: CommsUnitOfWork) -> AdminsFetcher | None:
    """The lookup of a tenant's admins wired on the unit of work (the worker's), if any."""
    return getattr(uow, "admins_fetcher", None)


def message_key(data: dict, address: str) -> str:
    """One email per admin per disable of the endpoint; fits the column (200) whatever the address."""
    who = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"webhook_endpoint.disabled:{data['id']}:{data['disabled_at']}:{who}"


def queue_webhook_disabled_notice(uow: CommsUnitOfWork, data: dict) -> int:
    """An email to each admin of the tenant about the disabled endpoint; how many were queued."""
    fetch = admins_fetcher(uow)
    if fetch is None:
        log.error("no lookup of admins wired: nobody told of disabled endpoint %s", data["id"])
        return 0
    admins = fetch(uow.tenant_id)
    if not admins:
        log.warning("tenant %s has no admin to tell of disabled endpoint %s", uow.tenant_id, data["id"])
    values = {
        "id": data["id"],
        "url": data["url"],
        "description": f" ({data['description']})" if data.get("description") else "",
        "reason": data["reason"],
        "failing_since": str(data["failing_since"]),
        "disabled_at": str(data["disabled_at"]),
    }
    queued = 0
    with uow:
        for admin in admins:
            key = message_key(data, admin["email"])
            if uow.emails.with_key(key) is not None:
                continue  # told already (the same event again)
            email = queue_email(
                uow,
                customer=None,
                to_address=admin["email"],
                to_name=admin.get("name"),
                subject=SUBJECT.format(**values),
                body=BODY.format(**values),
            )
            email.message_key = key
            queued += 1
        uow.commit()
    return queued
