"""People: users of a tenant, password login with lockout, and server-side sessions.

Passwords are kept as argon2id hashes (argon2-cffi, its recommended parameters). A login that
fails `max_failures` times in a row locks the user for `lock_seconds`: until then even the right
password is refused, so guessing costs the guesser the whole lock each time. A session is a random
token (`fs_` + 256 bits) shown once to the client; the store keeps only its SHA-256, so a stolen
table yields no session. Sessions are looked up on every request (no cache): logging out, logging
out everywhere or disabling a user ends access at once.

The optional second factor is TOTP (RFC 6238, pyotp): a user enrols (the secret is shown once, as an
otpauth:// URI, and is in force once a code confirms it); then a right password opens no session but
a login challenge (`fc_` token, five minutes, once) that a code finishes. A wrong code counts toward
the lockout as a wrong password does, and a code is never accepted twice (the last time step used is
kept). An admin can reset a user's second factor.

Invitations: an admin invites an email address with a role; the email carries a one-time link (`fi_`
token, only its SHA-256 kept) that expires; accepting it sets the password and makes the user, once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fieldbook_shared.context import ROLES
from fieldbook_shared.db import utcnow

from .keys import Principal
from .store import Invitation, LoginChallenge, Tenant, User, UserSession

SESSION_FORM = "fs_"
CHALLENGE_FORM = "fc_"
INVITATION_FORM = "fi_"
CHALLENGE_SECONDS = 300
TOTP_ISSUER = "Fieldbook"
TOTP_STEP = 30  # seconds: what every authenticator app uses
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# compared against when the email is unknown, so an unknown email takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class IdentityError(ValueError):
    """A request the identity rules refuse; `field` names the field when one is to blame."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class IdentityConflict(ValueError):
    """A request that does not fit the record's state (409): e.g. enrolling twice."""


class InvitationGone(ValueError):
    """The invitation link is unknown (404), used or expired (410: `status` says which)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


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
        "second_factor": user.totp_confirmed_at is not None,
        "created_at": user.created_at.isoformat(),
    }


def _check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise IdentityError(f"A password needs at least {MIN_PASSWORD} characters.", "password")
    return password


def _check_email(session: Session, email: object) -> str:
    """The login name: a plain ASCII address no user has yet (lower-cased)."""
    if not isinstance(email, str) or "@" not in email.strip() or len(email.strip()) > 254:
        raise IdentityError("An email address is needed (it is the login name).", "email")
    email = email.strip().lower()
    if not all(" " < c <= "~" for c in email):  # it travels as `X-Actor: user:<email>`, a header
        raise IdentityError("The email address must be plain ASCII without spaces.", "email")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise IdentityError("A user with this email address already exists.", "email")
    return email


def create_user(
    session: Session, tenant_id: str, email: object, name: object, role: object, password: object
) -> User:
    """A new user of the tenant; the email is the login name, unique across tenants."""
    if session.get(Tenant, tenant_id) is None:
        raise IdentityError(f"There is no tenant {tenant_id}.", "tenant_id")
    email = _check_email(session, email)
    if role not in ROLES:
        raise IdentityError(f"The role must be one of {', '.join(ROLES)}.", "role")
    name = name.strip() if isinstance(name, str) and name.strip() else email
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


@dataclass(frozen=True)
class LoginResult:
    """A session (`token`, `expires_at`) or, for a user with a second factor, a `challenge` that a
    TOTP code finishes (`finish_login`) before `expires_at`."""

    user: User
    expires_at: datetime
    token: str | None = None
    challenge: str | None = None


def _locked(user: User, now: datetime) -> None:
    if user.locked_until is not None and user.locked_until > now:
        left = int((user.locked_until - now).total_seconds()) + 1
        raise LoginRefused(f"Too many failed logins: this account is locked; try again in {left} s.", left)


def _failed(session: Session, user: User, policy: LoginPolicy, now: datetime, message: str) -> LoginRefused:
    """A wrong password or code: counted (and committed, though the request fails) toward the lock."""
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures:
        user.failed_logins, user.locked_until = 0, now + timedelta(seconds=policy.lock_seconds)
    session.commit()
    return LoginRefused(message)


def login(
    session: Session, email: object, password: object, policy: LoginPolicy, code: object = None
) -> LoginResult:
    """Check the password (and the TOTP code when the user has one and sent it) and open a session,
    or a login challenge when the code is still to come. Raises LoginRefused."""
    now = utcnow()
    user = None
    if isinstance(email, str):
        user = session.scalar(select(User).where(User.email == email.strip().lower()).with_for_update())
    if user is None or user.disabled_at is not None:
        _verify(_DUMMY_HASH, password)
        raise LoginRefused("The email address or the password is wrong.")
    _locked(user, now)
    if not _verify(user.password_hash, password):
        raise _failed(session, user, policy, now, "The email address or the password is wrong.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)  # type: ignore[arg-type]
    if user.totp_confirmed_at is not None:
        if code is None:
            # the failures so far stand until the code is right: a known password buys no fresh guesses
            token = CHALLENGE_FORM + secrets.token_urlsafe(32)
            expires = now + timedelta(seconds=CHALLENGE_SECONDS)
            session.add(LoginChallenge(id=_digest(token), user_id=user.id, expires_at=expires))
            session.flush()
            return LoginResult(user, expires, challenge=token)
        if not _check_totp(user, code, now):
            raise _failed(session, user, policy, now, "The code is wrong.")
    return _open_session(session, user, policy, now)


def finish_login(session: Session, challenge: object, code: object, policy: LoginPolicy) -> LoginResult:
    """The second step: the challenge of a right password and a TOTP code → a session."""
    now = utcnow()
    row = None
    if isinstance(challenge, str) and challenge.startswith(CHALLENGE_FORM):
        row = session.get(LoginChallenge, _digest(challenge), with_for_update=True)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LoginRefused("This login has expired or was finished: log in again with your password.")
    user = session.get(User, row.user_id, with_for_update=True)
    if user is None or user.disabled_at is not None or user.totp_confirmed_at is None:
        raise LoginRefused("This login has expired or was finished: log in again with your password.")
    _locked(user, now)
    if not _check_totp(user, code, now):
        raise _failed(session, user, policy, now, "The code is wrong.")
    row.used_at = now
    return _open_session(session, user, policy, now)


def _open_session(session: Session, user: User, policy: LoginPolicy, now: datetime) -> LoginResult:
    user.failed_logins, user.locked_until = 0, None
    token = SESSION_FORM + secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=policy.session_seconds)
    session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now, expires_at=expires))
    session.flush()
    return LoginResult(user, expires, token=token)


# ------------------------------------------------------------------------------ second factor


def _check_totp(user: User, code: object, now: datetime) -> bool:
    """The code of the current time step or one either side (clock drift), never one used before."""
    if not user.totp_secret or not isinstance(code, str):
        return False
    code = code.replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret, interval=TOTP_STEP)
    current = int(now.timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if step <= (user.totp_last_step or 0):
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def start_totp(session: Session, user: User) -> tuple[str, str]:
    """A new secret for the user to put in an authenticator app: (secret, otpauth:// URI). Shown
    this once; not in force until `confirm_totp`. Starting again replaces an unconfirmed secret."""
    if user.totp_confirmed_at is not None:
        raise IdentityConflict("A second factor is already set up; an admin can reset it.")
    user.totp_secret, user.totp_last_step = pyotp.random_base32(), None
    session.flush()
    uri = pyotp.TOTP(user.totp_secret, interval=TOTP_STEP).provisioning_uri(
        name=user.email, issuer_name=TOTP_ISSUER
    )
    return user.totp_secret, uri


def confirm_totp(session: Session, user: User, code: object) -> None:
    """A code from the app proves it holds the secret: from now on every login asks for a code."""
    if user.totp_confirmed_at is not None:
        raise IdentityConflict("The second factor is already set up.")
    if not user.totp_secret:
        raise IdentityConflict("Start the set-up first (POST /v1/account/second-factor).")
    if not _check_totp(user, code, utcnow()):
        raise IdentityError("The code is wrong: type the 6 digits the app shows now.", "code")
    user.totp_confirmed_at = utcnow()
    session.flush()


def reset_totp(session: Session, user: User) -> None:
    """An admin's reset (a lost phone): the user logs in with the password alone and may enrol again."""
    user.totp_secret = user.totp_confirmed_at = user.totp_last_step = None
    session.flush()


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


# -------------------------------------------------------------------------------- invitations


def invitation_json(invitation: Invitation) -> dict:
    now = utcnow()
    if invitation.accepted_at is not None:
        status = "accepted"
    elif invitation.expires_at <= now:
        status = "expired"
    else:
        status = "pending"
    return {
        "id": invitation.id,
        "email": invitation.email,
        "name": invitation.name,
        "role": invitation.role,
        "status": status,
        "invited_by": invitation.invited_by,
        "created_at": invitation.created_at.isoformat(),
        "expires_at": invitation.expires_at.isoformat(),
        "accepted_at": invitation.accepted_at.isoformat() if invitation.accepted_at else None,
        "user_id": invitation.user_id,
    }


def invite(
    session: Session,
    tenant_id: str,
    email: object,
    name: object,
    role: object,
    invited_by: str,
    lifetime_seconds: int,
) -> tuple[Invitation, str]:
    """A new invitation and its plain token (for the link; never kept). An earlier pending
    invitation of the same address in the tenant ends: only the latest link works."""
    email = _check_email(session, email)
    if role not in ROLES:
        raise IdentityError(f"The role must be one of {', '.join(ROLES)}.", "role")
    now = utcnow()
    session.execute(
        update(Invitation)
        .where(
            Invitation.tenant_id == tenant_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(expires_at=now)
    )
    token = INVITATION_FORM + secrets.token_urlsafe(32)
    invitation = Invitation(
        tenant_id=tenant_id,
        email=email,
        name=name.strip()[:200] if isinstance(name, str) and name.strip() else None,
        role=role,
        token_hash=_digest(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def list_invitations(session: Session, tenant_id: str) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation).where(Invitation.tenant_id == tenant_id).order_by(Invitation.created_at.desc())
        )
    )


def open_invitation(session: Session, token: object) -> Invitation:
    """The pending invitation of a link's token; InvitationGone (404 unknown, 410 used or expired)."""
    row = None
    if isinstance(token, str) and token.startswith(INVITATION_FORM):
        row = session.scalar(
            select(Invitation).where(Invitation.token_hash == _digest(token)).with_for_update()
        )
    if row is None:
        raise InvitationGone("This invitation link is not valid.", 404)
    if row.accepted_at is not None:
        raise InvitationGone("This invitation has been accepted already: log in instead.", 410)
    if row.expires_at <= utcnow():
        raise InvitationGone("This invitation has expired: ask your admin for a new one.", 410)
    return row


def accept_invitation(session: Session, token: object, password: object, name: object) -> User:
    """The invitee sets a password: the user is made with the invitation's email and role, once."""
    invitation = open_invitation(session, token)
    user = create_user(
        session,
        invitation.tenant_id,
        invitation.email,
        name if isinstance(name, str) and name.strip() else invitation.name,
        invitation.role,
        password,
    )
    invitation.accepted_at, invitation.user_id = utcnow(), user.id
    session.flush()
    return user
