"""Which URLs a delivery may go to (SSRF): an endpoint's host must resolve to public addresses only.

Checked when the endpoint is registered or changed AND before every attempt, since a name can be
pointed elsewhere after registration. Private, loopback, link-local (cloud metadata at
169.254.169.254), multicast, reserved and unspecified addresses are refused, unless the service runs
in test mode (`WEBHOOK_ALLOW_PRIVATE_URLS`), where the tests' endpoint listens on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class RefusedUrl(ValueError):
    """Why a URL may not receive deliveries (the message names the reason)."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedUrl(f"The host {host} does not resolve: {exc}.") from exc
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, allow_private: bool) -> None:
    """Raise `RefusedUrl` unless deliveries may go to `url`."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RefusedUrl("Give an http or https URL with a host.")
    if parts.username or parts.password:
        raise RefusedUrl("Put no user name or password in the URL: deliveries are signed instead.")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in resolve(parts.hostname, port):
        if not _is_public(address):
            raise RefusedUrl(
                f"The host {parts.hostname} resolves to {address}, a private, loopback or "
                "link-local address: deliveries go to public addresses only."
            )
