"""The invitation email: the gateway asks comms to send it, over comms' internal URL (`POST
/v1/emails` with an address, a subject and a body), as the admin who invited (their actor), so the
email is in the tenant's communications like any other. The gateway publishes no events (it has no
outbox), hence a synchronous call: the invitation is kept only when comms has taken the email."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import request
from sqlalchemy.orm import Session

from fieldbook_shared.internal_client import InternalClient
from fieldbook_shared.problems import ValidationFailed

from .settings import Settings
from .store import Invitation, Tenant

ACCEPT_PAGE = "/console/invitation"


def invitation_link(public_url: str, token: str) -> str:
    """The console's page for the invitee; `public_url` empty: the address the request came to."""
    base = (public_url or request.host_url).rstrip("/")
    return f"{base}{ACCEPT_PAGE}?token={quote(token)}"


def invitation_text(tenant: str, invitation: Invitation, link: str) -> tuple[str, str]:
    subject = f"You are invited to {tenant} on Fieldbook"
    body = (
        f"Hello{' ' + invitation.name if invitation.name else ''},\n\n"
        f"You have been invited to use Fieldbook for {tenant}, as {invitation.role}.\n"
        f"Open this link to choose your password (it works once, until "
        f"{invitation.expires_at:%d %B %Y %H:%M} UTC):\n\n{link}\n\n"
        f"Your login will be {invitation.email}.\n"
    )
    return subject, body


@dataclass(frozen=True)
class InvitationMail:
    client: InternalClient
    public_url: str

    @classmethod
    def of(cls, settings: Settings) -> InvitationMail:
        comms = InternalClient(
            "comms", settings.upstream_url("comms"), settings.internal_token, settings.read_timeout, "gateway"
        )
        return cls(comms, settings.public_url)

    def send(self, session: Session, invitation: Invitation, token: str, actor: str) -> None:
        """Queue the email with comms; UpstreamUnavailable (503) when it does not take it, a 422 on
        `email` when comms cannot send to the address."""
        tenant = session.get(Tenant, invitation.tenant_id)
        subject, body = invitation_text(
            tenant.name if tenant else "", invitation, invitation_link(self.public_url, token)
        )
        email = {"to": invitation.email, "subject": subject, "body": body}
        answer = self.client.post(invitation.tenant_id, "/v1/emails", email, actor=actor)
        if answer.status_code == 422:
            raise ValidationFailed({"email": ["Email cannot be sent to this address."]})
        if answer.status_code != 202:
            raise self.client.unavailable("/v1/emails", f"answered {answer.status_code}")
