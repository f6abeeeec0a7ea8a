"""Who is asking, for which tenant: read from the gateway's headers (web) or an event (worker)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

TENANT_HEADER = "X-Tenant-Id"
ACTOR_HEADER = "X-Actor"
ROLE_HEADER = "X-Role"
REQUEST_ID_HEADER = "X-Request-Id"
CORRELATION_HEADER = "X-Correlation-Id"
INTERNAL_TOKEN_HEADER = "X-Internal-Token"
# What only the gateway sets on a request it routes (a client's own copies are dropped, and the
# gateway's OpenAPI does not show them): lower case, as HTTP header names compare.
GATEWAY_SET_HEADERS = frozenset(
    h.lower()
    for h in (
        TENANT_HEADER,
        ACTOR_HEADER,
        ROLE_HEADER,
        INTERNAL_TOKEN_HEADER,
        REQUEST_ID_HEADER,
        CORRELATION_HEADER,
    )
)
# Public pages (e.g. a quote's acceptance link): the gateway forwards them WITHOUT an API key and
# without a tenant; the service still requires the internal token and finds the tenant in what the
# path carries (a signed token), never in a header.
PUBLIC_PREFIX = "/v1/public/"
ROLES = ("admin", "accounts", "sales", "engineer", "readonly", "partner")


@dataclass(frozen=True)
class RequestContext:
    tenant_id: str
    actor: str = "anonymous"
    role: str = "readonly"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    correlation_id: str | None = None

    @classmethod
    def system(
        cls, tenant_id: str, actor: str = "system", correlation_id: str | None = None
    ) -> RequestContext:
        return cls(tenant_id=tenant_id, actor=actor, role="admin", correlation_id=correlation_id)
