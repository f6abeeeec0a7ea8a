"""The gateway's per-app objects, built once by create_app and found by the views."""

from __future__ import annotations

from dataclasses import dataclass

from authlib.integrations.flask_oauth2 import AuthorizationServer
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .auth import FailedKeyThrottle, KeyAuthenticator
from .oauth import TokenVerifier
from .openapi import SpecAggregator
from .proxy import Proxy
from .ratelimit import RateLimiter
from .settings import Settings

EXTENSION = "fieldbook_gateway"


@dataclass
class Gateway:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    authenticator: KeyAuthenticator
    auth_throttle: FailedKeyThrottle
    limiter: RateLimiter
    proxy: Proxy
    specs: SpecAggregator
    tokens: TokenVerifier
    oauth_server: AuthorizationServer
    jwks: dict


def current_gateway() -> Gateway:
    return current_app.extensions[EXTENSION]
