"""People: users of a tenant, password login with lockout, and server-side sessions.

Passwords are kept as argon2id hashes (argon2-cffi, its recommended parameters). A login that
fails `max_failures` times in a row locks the user for `lock_seconds`: until then even the right
password is refused, so guessing costs the guesser the whole lock each time. A session is a random
token (`fs_` + 256 bits) shown once to the client; the store keeps only its SHA-256, so a stolen
table yields no session. Sessions are looked up on every request (no cache): logging out, logging
out everywhere or disabling a user ends access at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fieldbook_shared.context import ROLES
from fieldbook_shared.db import utcnow

from .keys import Principal
from .store import Tenant, User, UserSession

SESSION_FORM = "fs_"
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# compared against when the email is unknown, so an unknown email takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class IdentityError(ValueError):
    """A request the identity rules refuse; `field` names the field when one is to blame."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LoginRefused(Exception):
    """Wrong email or password, or locked (`retry_after` seconds left); never says which exists."""

    def __init__(self, message: str, retry_after: int = 0):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lock_seconds: int = 900
    session_seconds: int = 12 * 3600


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_session_token(token: str) -> bool:
    return token.startswith(SESSION_FORM)


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "tenant_id": user.tenant_id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "locked": bool(user.locked_until and user.locked_until > utcnow()),
        "disabled": user.disabled_at is not None,
        "created_at": user.created_at.isoformat(),
    }


def _check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise IdentityError(f"A password needs at least {MIN_PASSWORD} characters.", "password")
    return password


def create_user(
    session: Session, tenant_id: str, email: object, name: object, role: object, password: object
) -> User:
    """A new user of the tenant; the email is the login name, unique across tenants."""
    if session.get(Tenant, tenant_id) is None:
        raise IdentityError(f"There is no tenant {tenant_id}.", "tenant_id")
    if not isinstance(email, str) or "@" not in email.strip() or len(email.strip()) > 254:
        raise IdentityError("An email address is needed (it is the login name).", "email")
    email = email.strip().lower()
    if not all(" " < c <= "~" for c in email):  # it travels as `X-Actor: user:<email>`, a header
        raise IdentityError("The email address must be plain ASCII without spaces.", "email")
    if role not in ROLES:
        raise IdentityError(f"The role must be one of {', '.join(ROLES)}.", "role")
    name = name.strip() if isinstance(name, str) and name.strip() else email
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise IdentityError("A user with this email address already exists.", "email")
    user = User(
        tenant_id=tenant_id,
        email=email,
        name=name[:200],
        role=role,
        password_hash=_hasher.hash(_check_password(password)),
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session, tenant_id: str) -> list[User]:
    return list(session.scalars(select(User).where(User.tenant_id == tenant_id).order_by(User.email)))


def tenant_admins(session: Session, tenant_id: str) -> list[User]:
    """The tenant's admins who may log in: whom the services tell what needs an admin."""
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.role == "admin", User.disabled_at.is_(None))
            .order_by(User.email)
        )
    )


def tenant_user(session: Session, tenant_id: str, user_id: str) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.tenant_id == tenant_id else None


def change_user(session: Session, user: User, changes: dict) -> User:
    """An admin's change: role, name, a new password, disabled (which ends every session), unlock."""
    if "role" in changes:
        if changes["role"] not in ROLES:
            raise IdentityError(f"The role must be one of {', '.join(ROLES)}.", "role")
        user.role = changes["role"]
    if isinstance(changes.get("name"), str) and changes["name"].strip():
        user.name = changes["name"].strip()[:200]
    if "password" in changes:
        user.password_hash = _hasher.hash(_check_password(changes["password"]))
    if changes.get("unlock"):
        user.failed_logins, user.locked_until = 0, None
    if "disabled" in changes:
        user.disabled_at = utcnow() if changes["disabled"] else None
        if changes["disabled"]:
            end_sessions(session, user.id)
    session.flush()
    return user


def login(
    session: Session, email: object, password: object, policy: LoginPolicy
) -> tuple[User, str, datetime]:
    """Check the password and open a session: (user, plain token, expires at). Raises LoginRefused."""
    now = utcnow()
    user = None
    if isinstance(email, str):
        user = session.scalar(select(User).where(User.email == email.strip().lower()).with_for_update())
    if user is None or user.disabled_at is not None:
        _verify(_DUMMY_HASH, password)
        raise LoginRefused("The email address or the password is wrong.")
    if user.locked_until is not None and user.locked_until > now:
        left = int((user.locked_until - now).total_seconds()) + 1
        raise LoginRefused(f"Too many failed logins: this account is locked; try again in {left} s.", left)
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= policy.max_failures:
            user.failed_logins, user.locked_until = 0, now + timedelta(seconds=policy.lock_seconds)
        session.commit()  # the failure counts even though the request fails
        raise LoginRefused("The email address or the password is wrong.")
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)  # type: ignore[arg-type]
    token = SESSION_FORM + secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=policy.session_seconds)
    session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now, expires_at=expires))
    session.flush()
    return user, token, expires


def _verify(password_hash: str, password: object) -> bool:
    if not isinstance(password, str) or not password:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_session(session: Session, token: str) -> tuple[UserSession, User] | None:
    """The live session of a token and its user; None when unknown, ended, expired or disabled."""
    row = session.get(UserSession, _digest(token))
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return row, user


def principal_of(token: str, session: Session) -> Principal | None:
    found = find_session(session, token)
    if found is None:
        return None
    _, user = found
    return Principal(key_id=user.id, tenant_id=user.tenant_id, name=user.email, role=user.role, kind="user")


def end_session(session: Session, token: str) -> None:
    row = session.get(UserSession, _digest(token))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


def end_sessions(session: Session, user_id: str) -> int:
    """Log the user out everywhere: every open session ends now. Returns how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return result.rowcount or 0
