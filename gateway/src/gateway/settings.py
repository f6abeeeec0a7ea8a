"""Every gateway setting, read from the environment in one place, with defaults for a local run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from fieldbook_shared import service_table
from fieldbook_shared.settings import env_bool, var_dir

MIB = 1024 * 1024

# Upstream name → (environment variable, default base URL), from the service table. The names are
# the ones routing.py uses.
UPSTREAM_DEFAULTS: dict[str, tuple[str, str]] = {
    s.name: (s.url_env, f"http://127.0.0.1:{s.port()}") for s in service_table.upstreams()
}


def parse_upstream_list(value: str) -> tuple[str, ...]:
    """`GATEWAY_UPSTREAMS`: comma-separated names, or `all`. Unknown names are a startup error."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    if names == ["all"]:
        return tuple(UPSTREAM_DEFAULTS)
    unknown = [n for n in names if n not in UPSTREAM_DEFAULTS]
    if unknown:
        raise ValueError(
            f"GATEWAY_UPSTREAMS names unknown upstreams {unknown}; known: {sorted(UPSTREAM_DEFAULTS)}"
        )
    return tuple(names)


@dataclass(frozen=True)
class Settings:
    database_url: str
    internal_token: str = ""
    upstream_urls: dict[str, str] = field(
        default_factory=lambda: {k: v[1] for k, v in UPSTREAM_DEFAULTS.items()}
    )
    # Upstreams this deployment runs: routed to, merged into /openapi.json and required by /readyz.
    enabled_upstreams: tuple[str, ...] = ("customers",)
    connect_timeout: float = 2.0
    read_timeout: float = 15.0
    readyz_timeout: float = 2.0
    openapi_timeout: float = 3.0
    openapi_cache_seconds: float = 60.0
    rate_limit_per_minute: int = 600
    # failed keys (unknown or revoked) per client address per minute; then 429 until the minute ends
    auth_failures_per_minute: int = 30
    # proxies in front of the gateway whose X-Forwarded-For / -Proto are trusted (0: none, the peer
    # is the client; behind one load balancer or ingress: 1)
    trusted_proxy_hops: int = 0
    key_cache_seconds: float = 30.0
    # OAuth2 (oauth.py): the RS256 signing key (PEM; empty: generated into the var folder, dev and
    # tests only), the tokens' issuer and their lifetime
    oauth_signing_key: str = ""
    oauth_issuer: str = "fieldbook"
    oauth_token_seconds: int = 600
    max_body_bytes: int = 1 * MIB
    max_import_body_bytes: int = 20 * MIB
    # emails carry attachments (16 MB in total, base64 in JSON: a third larger)
    max_email_body_bytes: int = 24 * MIB
    # an upload to files (FILES_MAX_BYTES, 20 MiB, plus its multipart wrapping)
    max_file_body_bytes: int = 21 * MIB
    breaker_failures: int = 5
    breaker_open_seconds: float = 10.0
    # the overview and the timeline answer within this, with whatever services answered in time
    overview_deadline: float = 3.0
    # people (identity.py): failed logins in a row before the lock, how long it lasts, session life
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    session_seconds: int = 12 * 3600
    # the office console (console/), served behind the gateway at /console
    console_url: str = field(default_factory=lambda: service_table.internal_url("console", {}))
    log_level: str = "INFO"
    testing: bool = False

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        default_db = f"sqlite:///{var_dir() / 'gateway.db'}"
        values = {
            "database_url": env.get("DATABASE_URL_GATEWAY") or env.get("DATABASE_URL") or default_db,
            "internal_token": env.get("INTERNAL_TOKEN", ""),
            "upstream_urls": {name: env.get(var) or url for name, (var, url) in UPSTREAM_DEFAULTS.items()},
            "enabled_upstreams": parse_upstream_list(env.get("GATEWAY_UPSTREAMS", "customers")),
            "connect_timeout": float(env.get("UPSTREAM_CONNECT_TIMEOUT_SECONDS", cls.connect_timeout)),
            "read_timeout": float(env.get("UPSTREAM_TIMEOUT_SECONDS", cls.read_timeout)),
            "readyz_timeout": float(env.get("READYZ_TIMEOUT_SECONDS", cls.readyz_timeout)),
            "openapi_timeout": float(env.get("OPENAPI_FETCH_TIMEOUT_SECONDS", cls.openapi_timeout)),
            "openapi_cache_seconds": float(env.get("OPENAPI_CACHE_SECONDS", cls.openapi_cache_seconds)),
            "rate_limit_per_minute": int(env.get("RATE_LIMIT_PER_MINUTE", cls.rate_limit_per_minute)),
            "auth_failures_per_minute": int(
                env.get("AUTH_FAILURES_PER_MINUTE", cls.auth_failures_per_minute)
            ),
            "trusted_proxy_hops": int(env.get("TRUSTED_PROXY_HOPS", cls.trusted_proxy_hops)),
            "key_cache_seconds": float(env.get("KEY_CACHE_SECONDS", cls.key_cache_seconds)),
            "oauth_signing_key": env.get("OAUTH_SIGNING_KEY", ""),
            "oauth_issuer": env.get("OAUTH_ISSUER", cls.oauth_issuer),
            "oauth_token_seconds": int(env.get("OAUTH_TOKEN_SECONDS", cls.oauth_token_seconds)),
            "max_body_bytes": int(env.get("MAX_BODY_BYTES", cls.max_body_bytes)),
            "max_import_body_bytes": int(env.get("MAX_IMPORT_BODY_BYTES", cls.max_import_body_bytes)),
            "max_email_body_bytes": int(env.get("MAX_EMAIL_BODY_BYTES", cls.max_email_body_bytes)),
            "max_file_body_bytes": int(env.get("MAX_FILE_BODY_BYTES", cls.max_file_body_bytes)),
            "breaker_failures": int(env.get("BREAKER_FAILURES", cls.breaker_failures)),
            "breaker_open_seconds": float(env.get("BREAKER_OPEN_SECONDS", cls.breaker_open_seconds)),
            "overview_deadline": float(env.get("OVERVIEW_DEADLINE_SECONDS", cls.overview_deadline)),
            "login_max_failures": int(env.get("LOGIN_MAX_FAILURES", cls.login_max_failures)),
            "login_lock_seconds": int(env.get("LOGIN_LOCK_SECONDS", cls.login_lock_seconds)),
            "session_seconds": int(env.get("SESSION_SECONDS", cls.session_seconds)),
            "console_url": service_table.internal_url("console", env),
            "log_level": env.get("LOG_LEVEL", cls.log_level),
            "testing": env_bool(env.get("FIELDBOOK_TESTING")),
        }
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def upstream_url(self, name: str) -> str:
        return self.upstream_urls[name].rstrip("/")
