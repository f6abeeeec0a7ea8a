"""Every gateway setting, read from the environment in one place, with defaults for a local run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from fieldbook_shared import service_table
from fieldbook_shared.settings import database_url, env_setting, environment_values

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
    internal_token: str = env_setting("INTERNAL_TOKEN", "")
    upstream_urls: dict[str, str] = field(
        default_factory=lambda: {k: v[1] for k, v in UPSTREAM_DEFAULTS.items()}
    )
    # Upstreams this deployment runs: routed to, merged into /openapi.json and required by /readyz.
    enabled_upstreams: tuple[str, ...] = ("customers",)
    connect_timeout: float = env_setting("UPSTREAM_CONNECT_TIMEOUT_SECONDS", 2.0)
    read_timeout: float = env_setting("UPSTREAM_TIMEOUT_SECONDS", 15.0)
    readyz_timeout: float = env_setting("READYZ_TIMEOUT_SECONDS", 2.0)
    openapi_timeout: float = env_setting("OPENAPI_FETCH_TIMEOUT_SECONDS", 3.0)
    openapi_cache_seconds: float = env_setting("OPENAPI_CACHE_SECONDS", 60.0)
    rate_limit_per_minute: int = env_setting("RATE_LIMIT_PER_MINUTE", 600)
    # failed keys (unknown or revoked) per client address per minute; then 429 until the minute ends
    auth_failures_per_minute: int = env_setting("AUTH_FAILURES_PER_MINUTE", 30)
    # proxies in front of the gateway whose X-Forwarded-For / -Proto are trusted (0: none, the peer
    # is the client; behind one load balancer or ingress: 1)
    trusted_proxy_hops: int = env_setting("TRUSTED_PROXY_HOPS", 0)
    key_cache_seconds: float = env_setting("KEY_CACHE_SECONDS", 30.0)
    # OAuth2 (oauth.py): the RS256 signing key (PEM; empty: generated into the var folder, dev and
    # tests only), the tokens' issuer and their lifetime
    oauth_signing_key: str = env_setting("OAUTH_SIGNING_KEY", "")
    oauth_issuer: str = env_setting("OAUTH_ISSUER", "fieldbook")
    oauth_token_seconds: int = env_setting("OAUTH_TOKEN_SECONDS", 600)
    max_body_bytes: int = env_setting("MAX_BODY_BYTES", 1 * MIB)
    max_import_body_bytes: int = env_setting("MAX_IMPORT_BODY_BYTES", 20 * MIB)
    # emails carry attachments (16 MB in total, base64 in JSON: a third larger)
    max_email_body_bytes: int = env_setting("MAX_EMAIL_BODY_BYTES", 24 * MIB)
    # an upload to files (FILES_MAX_BYTES, 20 MiB, plus its multipart wrapping)
    max_file_body_bytes: int = env_setting("MAX_FILE_BODY_BYTES", 21 * MIB)
    breaker_failures: int = env_setting("BREAKER_FAILURES", 5)
    breaker_open_seconds: float = env_setting("BREAKER_OPEN_SECONDS", 10.0)
    # the overview and the timeline answer within this, with whatever services answered in time
    overview_deadline: float = env_setting("OVERVIEW_DEADLINE_SECONDS", 3.0)
    # people (identity.py): failed logins in a row before the lock, how long it lasts, session life
    login_max_failures: int = env_setting("LOGIN_MAX_FAILURES", 5)
    login_lock_seconds: int = env_setting("LOGIN_LOCK_SECONDS", 900)
    session_seconds: int = env_setting("SESSION_SECONDS", 12 * 3600)
    # how long an invitation's link works, and the address people reach the gateway at, for that
    # link (empty: the address the admin's request came to)
    invitation_seconds: int = env_setting("INVITATION_SECONDS", 7 * 24 * 3600)
    public_url: str = env_setting("PUBLIC_URL", "")
    # the office console (console/), served behind the gateway at /console
    console_url: str = field(default_factory=lambda: service_table.internal_url("console", {}))
    log_level: str = env_setting("LOG_LEVEL", "INFO")
    testing: bool = env_setting("FIELDBOOK_TESTING", False)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        values = {
            "database_url": database_url("gateway", env),
            "upstream_urls": {name: env.get(var) or url for name, (var, url) in UPSTREAM_DEFAULTS.items()},
            "enabled_upstreams": parse_upstream_list(env.get("GATEWAY_UPSTREAMS", "customers")),
            "console_url": service_table.internal_url("console", env),
            **environment_values(cls, env),
        }
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def upstream_url(self, name: str) -> str:
        return self.upstream_urls[name].rstrip("/")
