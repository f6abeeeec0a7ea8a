"""The gateway's own tables: tenants, API keys, OAuth clients, people (users, their sessions, login
challenges, invitations), rate-limit windows.

Its own DeclarativeBase, not the kit's: the gateway has no outbox and publishes no events.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fieldbook_shared.db import UTCDateTime, create_engine, new_id, utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict] = {datetime: UTCDateTime()}


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A key is shown once; only its SHA-256 is kept. `prefix` (first 8 chars) finds the row."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(8), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    # space-separated scopes (scopes.py) a `partner` key is limited to; None: its role alone decides
    scopes: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime | None] = mapped_column()
    # set when a worker looks the key up (not on every request: the cache answers those)
    last_used_at: Mapped[datetime | None] = mapped_column()


class OAuthClient(Base):
    """An OAuth2 client (client credentials): its id is public, only the SHA-256 of its secret is kept.

    Its tokens act with `role` (default `partner`) limited to `scopes` (space-separated)."""

    __tablename__ = "oauth_clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    scopes: Mapped[str] = mapped_column(String(500))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class User(Base):
    """A person who logs in to the console: one tenant, one role (the keys' roles), an argon2 hash.

    `email` is the login name, unique across tenants so a login needs no tenant. `failed_logins` and
    `locked_until` are the lockout (docs/architecture.md §2): after too many failures even the right
    password is refused until `locked_until`.
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column()
    # the optional second factor (TOTP, RFC 6238): the base32 secret, set at enrolment and in force
    # once confirmed with a code; the last time step used, so a code is never accepted twice
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column()
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))


class UserSession(Base):
    """A logged-in session, kept server side: only the SHA-256 of its random token is stored, so
    ending it (log out, log out everywhere, a disabled user) takes effect on the next request."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class LoginChallenge(Base):
    """The password was right and the user has a second factor: this (its token's SHA-256) lets the
    login finish with a TOTP code within a few minutes, once."""

    __tablename__ = "login_challenges"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class Invitation(Base):
    """An admin's invitation to join the tenant with a role: the link in the email carries a random
    token (only its SHA-256 is kept); accepting it once sets the password and makes the user."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(300))  # the actor, e.g. `user:ann@acme.example`
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    user_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("users.id"))


class RateWindow(Base):
    """Requests one key made in one fixed minute (`window_start`: epoch seconds, a multiple of 60)."""

    __tablename__ = "rate_windows"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    window_start: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer, default=0)


def make_engine(url: str) -> Engine:
    """The kit's engine; for a SQLite file, its folder is created first so a fresh checkout runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)
