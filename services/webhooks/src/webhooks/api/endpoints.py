"""Webhook endpoints: an admin registers where the tenant's public events are POSTed.

GET, POST /v1/webhooks
GET, PATCH, DELETE /v1/webhooks/{webhook_id}
POST /v1/webhooks/{webhook_id}/rotate-secret
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from fieldbook_shared.etag import expected_version, optional_version, with_etag
from fieldbook_shared.verbs import blueprint, created, creates, deleter, edits, lister, reader
from fieldbook_shared.web import current_uow

from ..service import endpoints as service
from .schemas import (
    EndpointInSchema,
    EndpointPatchSchema,
    EndpointSchema,
    EndpointWithSecretSchema,
    RotateInSchema,
)

blp = blueprint(
    "webhooks",
    "/v1/webhooks",
    "Partners' endpoints for the public events, signed by the Standard Webhooks specification.",
)


def settings():
    return current_app.extensions["fieldbook"].settings


@blp.route("")
class Endpoints(MethodView):
    get = lister(
        blp,
        EndpointSchema(many=True),
        service.list_endpoints,
        "The tenant's endpoints, oldest first (never their secrets).",
    )

    @creates(blp, EndpointInSchema, EndpointWithSecretSchema)
    def post(self, body):
        """Register an endpoint. Its `secret` is in this answer only: keep it to verify deliveries.
        A URL whose host resolves to a private, loopback or link-local address is a 422."""
        endpoint = service.create_endpoint(current_uow(), body, settings().webhook_allow_private_urls)
        return created(endpoint, f"/v1/webhooks/{endpoint.id}")


@blp.route("/<uuid:webhook_id>")
class EndpointItem(MethodView):
    get = reader(blp, EndpointSchema, service.get_endpoint, "Read an endpoint.")

    @edits(blp, EndpointPatchSchema(partial=True), EndpointSchema)
    def patch(self, body, webhook_id):
        """Change the URL, event types, description, or `status` (enable it again). Needs If-Match."""
        version = expected_version()
        allow_private = settings().webhook_allow_private_urls
        return with_etag(
            service.update_endpoint(current_uow(), str(webhook_id), body, version, allow_private)
        )

    delete = deleter(
        blp,
        service.delete_endpoint,
        "Delete the endpoint and its delivery log. Honours If-Match when sent (412 when stale).",
        version=optional_version,
    )


@blp.route("/<uuid:webhook_id>/rotate-secret")
class RotateSecret(MethodView):
    @blp.arguments(RotateInSchema)
    @blp.response(200, EndpointWithSecretSchema)
    def post(self, body, webhook_id):
        """A new secret, shown once; the old one keeps signing beside it for `overlap_hours`."""
        hours = body.get("overlap_hours", settings().webhook_rotation_overlap_hours)
        return with_etag(service.rotate_secret(current_uow(), str(webhook_id), hours))
