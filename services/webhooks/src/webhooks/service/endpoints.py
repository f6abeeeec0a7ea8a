"""Use cases of webhook endpoints: an admin registers a URL for some public event types; the
secret that signs its deliveries is shown once, on create and on rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldbook_shared import clock
from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import ValidationFailed

from ..domain.addresses import RefusedUrl, check_url
from ..domain.rules import ACTIVE, DISABLED
from ..domain.signing import new_secret
from ..store.models import Endpoint
from ..uow import WebhooksUnitOfWork


def _checked_url(url: str, allow_private: bool) -> str:
    try:
        check_url(url, allow_private)
    except RefusedUrl as exc:
        raise ValidationFailed({"url": [str(exc)]}) from exc
    return url


def create_endpoint(uow: WebhooksUnitOfWork, body: dict[str, Any], allow_private: bool) -> Endpoint:
    url = _checked_url(body["url"], allow_private)
    with uow:
        endpoint = Endpoint(
            tenant_id=uow.tenant_id,
            url=url,
            description=body.get("description"),
            event_types=sorted(set(body["event_types"])),
            status=ACTIVE,
            secret=new_secret(),
            created_by=uow.context.actor,
            version=1,
        )
        uow.session.add(endpoint)
        uow.commit()
        return endpoint


def list_endpoints(uow: WebhooksUnitOfWork, page: int, page_size: int) -> tuple[list[Endpoint], int]:
    with uow:
        return uow.endpoints.page(page, page_size)


def get_endpoint(uow: WebhooksUnitOfWork, endpoint_id: str) -> Endpoint:
    with uow:
        return uow.endpoints.get(endpoint_id)


def update_endpoint(
    uow: WebhooksUnitOfWork,
    endpoint_id: str,
    body: dict[str, Any],
    expected: ExpectedVersion,
    allow_private: bool,
) -> Endpoint:
    """Change the URL, event types, description or status (`enabled` again after a disable: the
    deliveries it kept pending resume, in order)."""
    if "url" in body:
        _checked_url(body["url"], allow_private)
    with uow:
        endpoint = uow.endpoints.get(endpoint_id, for_update=True)
        check_version(endpoint.version, expected)
        if "url" in body:
            endpoint.url = body["url"]
        if "description" in body:
            endpoint.description = body["description"]
        if "event_types" in body:
            endpoint.event_types = sorted(set(body["event_types"]))
        status = body.get("status")
        if status == ACTIVE and endpoint.status != ACTIVE:
            endpoint.enable()
        elif status == DISABLED and endpoint.status != DISABLED:
            endpoint.status, endpoint.disabled_reason = DISABLED, f"Disabled by {uow.context.actor}."
            endpoint.disabled_at = clock.now()
        endpoint.version += 1
        uow.commit()
        return endpoint


def delete_endpoint(uow: WebhooksUnitOfWork, endpoint_id: str, expected: ExpectedVersion) -> None:
    """The endpoint and its delivery log go; nothing more is sent to it."""
    with uow:
        endpoint = uow.endpoints.get(endpoint_id, for_update=True)
        check_version(endpoint.version, expected)
        uow.endpoints.remove(endpoint)
        uow.commit()


def rotate_secret(uow: WebhooksUnitOfWork, endpoint_id: str, overlap_hours: int) -> Endpoint:
    """A new secret (shown once); the old one still signs for `overlap_hours`, so the partner can
    switch without losing a delivery (both signatures travel in `webhook-signature`)."""
    with uow:
        endpoint = uow.endpoints.get(endpoint_id, for_update=True)
        endpoint.rotate(new_secret(), timedelta(hours=overlap_hours), clock.now())
        uow.commit()
        return endpoint
