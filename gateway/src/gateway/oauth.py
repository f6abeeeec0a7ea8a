"""OAuth2 client credentials (authlib): clients, `POST /oauth/token`, the JWKS, and token checks.

A client (made by an admin, `/v1/oauth-clients`) trades its id and secret for a short-lived JWT
(RS256, `OAUTH_TOKEN_SECONDS`) carrying its tenant, role and scopes. The gateway checks a token by
its signature, issuer and `exp` against the public key it holds in memory — no database read per
request. So revoking a client stops new tokens at once, and the ones it holds within their
lifetime. The signing key is `OAUTH_SIGNING_KEY` (PEM); without it one is generated once into the
gateway's var folder (dev and tests: every worker of the host reads the same file).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from flask import Flask
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.db import utcnow
from fieldbook_shared.settings import var_dir

from . import scopes as scope_list
from .keys import Principal, checked_name, hash_key
from .store import OAuthClient

log = logging.getLogger("fieldbook.gateway.oauth")
ALG = "RS256"
KEY_FILE = "gateway-oauth-signing-key.pem"
SECRET_FORM = "fbs_"  # a client secret, recognisable to secret scanners


# ------------------------------------------------------------------------------------ the key


def signing_key(pem: str, folder: Path | None = None) -> RSAKey:
    """The configured PEM, else the one in the var folder, made there on first use."""
    if pem.strip():
        key = RSAKey.import_key(pem)
    else:
        key = _generated_key((folder or var_dir()) / KEY_FILE)
    key.ensure_kid()  # its thumbprint: clients pick the key from the JWKS by it
    return key


def _generated_key(path: Path) -> RSAKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        made = RSAKey.generate_key(2048, private=True)
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(made.as_pem(private=True))
        os.chmod(temp, 0o600)
        try:
            os.link(temp, path)  # atomic and never overwrites: the first worker's key wins
        except FileExistsError:
            pass
        finally:
            temp.unlink()
        log.warning("OAUTH_SIGNING_KEY is empty: using a generated key (fine for dev and tests only)")
    return RSAKey.import_key(path.read_bytes())


def jwks(key: RSAKey) -> dict:
    public = key.as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": ALG}]}


# ------------------------------------------------------------------------------- the clients


@dataclass(frozen=True)
class ClientInfo:
    id: str
    tenant_id: str
    name: str
    role: str
    scopes: tuple[str, ...]
    created_at: object
    revoked_at: object


def _info(row: OAuthClient) -> ClientInfo:
    return ClientInfo(
        row.id, row.tenant_id, row.name, row.role, tuple(row.scopes.split()), row.created_at, row.revoked_at
    )


def create_client(
    session: Session, tenant_id: str, name: str, role: str, scopes: tuple[str, ...]
) -> tuple[ClientInfo, str]:
    """A new client and its plain secret (shown once; only its SHA-256 is kept)."""
    name = checked_name(session, tenant_id, role, name)
    if not scopes:
        raise ValueError("a client needs at least one scope")
    secret = SECRET_FORM + secrets.token_urlsafe(32)
    row = OAuthClient(
        tenant_id=tenant_id,
        name=name,
        role=role,
        scopes=" ".join(scopes),
        secret_hash=hash_key(secret),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _info(row), secret


def list_clients(session: Session, tenant_id: str) -> list[ClientInfo]:
    rows = session.scalars(
        select(OAuthClient).where(OAuthClient.tenant_id == tenant_id).order_by(OAuthClient.created_at)
    )
    return [_info(r) for r in rows]


def revoke_client(session: Session, client_id: str, tenant_id: str) -> ClientInfo | None:
    row = session.get(OAuthClient, client_id)
    if row is None or row.tenant_id != tenant_id:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return _info(row)


class Client(ClientMixin):
    """What authlib needs of a client, from a live row (read at the token endpoint only)."""

    def __init__(self, row: OAuthClient):
        self.info = _info(row)
        self._secret_hash = row.secret_hash

    def get_client_id(self) -> str:
        return self.info.id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """What it asked for, of what it was given; everything it was given when it named none."""
        if not scope:
            return " ".join(self.info.scopes)
        return " ".join(s for s in scope.split() if s in self.info.scopes)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self._secret_hash, hash_key(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ClientCredentialsGrant.TOKEN_ENDPOINT_AUTH_METHODS

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class TokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens, with who the client acts for (tenant, role, name)."""

    def __init__(self, key: RSAKey, issuer: str, lifetime: int):
        super().__init__(issuer, alg=ALG, expires_generator=lambda client, grant_type: lifetime)
        self._keys = KeySet([key])

    def get_jwks(self) -> KeySet:
        return self._keys

    def get_extra_claims(self, client, grant_type, user, scope) -> dict:
        return {"tenant_id": client.info.tenant_id, "role": client.info.role, "client_name": client.info.name}


def authorization_server(
    app: Flask, sessions: sessionmaker[Session], key: RSAKey, issuer: str, lifetime: int
) -> AuthorizationServer:
    def query_client(client_id: str) -> Client | None:
        if not _plausible_id(client_id):  # e.g. a NUL the database would refuse: no such client
            return None
        with sessions() as session:
            row = session.get(OAuthClient, client_id)
            return Client(row) if row is not None and row.revoked_at is None else None

    def save_token(token: dict, request) -> None:
        pass  # a JWT carries everything; nothing to keep

    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=save_token)
    server.register_token_generator("default", TokenGenerator(key, issuer, lifetime))
    server.register_grant(ClientCredentialsGrant)
    server.scopes_supported = list(scope_list.SCOPES)
    return server


def _plausible_id(client_id: object) -> bool:
    """An id as the clients table holds them: at most 36 printable ASCII characters."""
    return isinstance(client_id, str) and 0 < len(client_id) <= 36 and all(" " < c <= "~" for c in client_id)


# ------------------------------------------------------------------------------ token checks


def looks_like_token(credential: str) -> bool:
    """A JWT (three base64url parts); API keys (`fb_…`) never hold a dot."""
    return credential.count(".") == 2


class TokenVerifier:
    """A token → its principal, from the signature and claims alone (no database)."""

    def __init__(self, key: RSAKey, issuer: str):
        self._keys = KeySet([RSAKey.import_key(key.as_dict(private=False))])
        self._claims = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            exp={"essential": True},
            tenant_id={"essential": True},
            client_id={"essential": True},
        )

    def principal(self, credential: str) -> Principal | None:
        try:
            token = jwt.decode(credential, self._keys, algorithms=[ALG])
            self._claims.validate(token.claims)
        except (JoseError, ValueError, TypeError) as exc:
            log.debug("token refused: %s", exc)
            return None
        claims = token.claims
        try:
            granted = scope_list.parse(str(claims.get("scope") or ""))
        except ValueError:
            return None
        return Principal(
            key_id=str(claims["client_id"]),
            tenant_id=str(claims["tenant_id"]),
            name=str(claims.get("client_name") or claims["client_id"]),
            role=str(claims.get("role") or "partner"),
            scopes=granted,
            kind="client",
        )
