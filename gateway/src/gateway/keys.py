"""Tenants and API keys: create, list, revoke, and find the key a request presents.

A key is `fb_` + `secrets.token_urlsafe(32)` (46 characters, 256 random bits), shown once. The
`fb_` makes a leaked key recognisable to secret scanners and means a key never starts with `-`
(which command lines would take for an option). The store keeps its first 8 characters (to find the
row) and the SHA-256 of the whole key (to check it); a fast hash is enough because the key is
random, not a password. Keys made before the `fb_` form still work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldbook_shared.context import ROLES
from fieldbook_shared.db import utcnow

from .store import ApiKey, Tenant

PREFIX_LEN = 8


@dataclass(frozen=True)
class Principal:
    """Who a valid key (or a user's session) speaks for; what the gateway forwards as X-Tenant-Id,
    X-Actor and X-Role."""

    key_id: str
    tenant_id: str
    name: str
    role: str
    # "key": an API key; "user": a person's session (identity.py); "client": an OAuth2 client's token
    kind: str = "key"
    # the scopes (scopes.py) it is limited to; None: its role alone decides
    scopes: tuple[str, ...] | None = None
    expires_at: datetime | None = None

    @classmethod
    def public(cls, address_id: str) -> Principal:
        """A request for a public page (no key): rate limited under its client address's id."""
        return cls(key_id=address_id, tenant_id="", name="public", role="readonly")

    @property
    def is_public(self) -> bool:
        """No key and no tenant: the service finds the tenant in the page's signed path."""
        return not self.tenant_id

    @property
    def actor(self) -> str:
        return "public" if self.is_public else f"{self.kind}:{self.name}"

    def may_use(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass(frozen=True)
class KeyInfo:
    id: str
    tenant_id: str
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    scopes: tuple[str, ...] | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


KEY_FORM = "fb_"


def generate_key() -> str:
    return KEY_FORM + secrets.token_urlsafe(32)


def create_tenant(session: Session, name: str, tenant_id: str | None = None) -> Tenant:
    """A new tenant; `tenant_id` lets a deployment reuse an id it already uses elsewhere."""
    name = name.strip()
    if not name:
        raise ValueError("a tenant needs a name")
    tid = str(uuid.UUID(tenant_id)) if tenant_id else str(uuid.uuid4())
    if session.get(Tenant, tid) is not None:
        raise ValueError(f"tenant {tid} already exists")
    tenant = Tenant(id=tid, name=name, created_at=utcnow())
    session.add(tenant)
    session.flush()
    return tenant


def checked_name(session: Session, tenant_id: str, role: str, name: str | None) -> str:
    """The name of a new key or client, once its role and tenant are known good."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if session.get(Tenant, tenant_id) is None:
        raise ValueError(f"no tenant {tenant_id}")
    name = (name or role).strip() or role
    if not all(" " <= c <= "~" for c in name):
        # the name travels to every service as `X-Actor: key:<name>`, an HTTP header
        raise ValueError(
            f"a key name must be printable ASCII (letters, digits, spaces, punctuation): {name!r}"
        )
    return name


def create_key(
    session: Session,
    tenant_id: str,
    role: str,
    name: str | None = None,
    scopes: tuple[str, ...] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for a tenant: returns the row and the plain key, which is never stored.

    `scopes` limit a `partner` key (the other roles are limited by their role alone)."""
    name = checked_name(session, tenant_id, role, name)
    plain = generate_key()
    row = ApiKey(
        tenant_id=tenant_id,
        name=name,
        role=role,
        prefix=plain[:PREFIX_LEN],
        key_hash=hash_key(plain),
        created_at=utcnow(),
        scopes=" ".join(scopes) if scopes is not None else None,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, plain


def list_keys(session: Session, tenant_id: str) -> list[KeyInfo]:
    rows = session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at))
    return [key_info(r) for r in rows]


def key_info(r: ApiKey) -> KeyInfo:
    return KeyInfo(
        r.id,
        r.tenant_id,
        r.name,
        r.role,
        r.prefix,
        r.created_at,
        r.revoked_at,
        _scopes(r.scopes),
        r.expires_at,
        r.last_used_at,
    )


def _scopes(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value.split())


def revoke_key(session: Session, key_id: str, tenant_id: str | None = None) -> ApiKey:
    """Revoke a key (of `tenant_id` when given: another tenant's key is "no key")."""
    row = session.get(ApiKey, key_id)
    if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
        raise ValueError(f"no key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def find_principal(session: Session, plain: str) -> Principal | None:
    """The live key matching `plain`, or None; notes its use. Hashes are compared in constant time.

    A key past its `expires_at` is not live."""
    if len(plain) < PREFIX_LEN:
        return None
    wanted = hash_key(plain)
    candidates = session.scalars(select(ApiKey).where(ApiKey.prefix == plain[:PREFIX_LEN]))
    found = None
    now = utcnow()
    for row in candidates:
        live = row.revoked_at is None and (row.expires_at is None or row.expires_at > now)
        if hmac.compare_digest(row.key_hash, wanted) and live:
            row.last_used_at = now
            found = Principal(
                key_id=row.id,
                tenant_id=row.tenant_id,
                name=row.name,
                role=row.role,
                scopes=_scopes(row.scopes),
                expires_at=row.expires_at,
            )
    return found
