"""Secrets and signatures by the Standard Webhooks specification (the `standardwebhooks` library,
the one partners verify with).

A secret is `whsec_` + base64 of 24 random bytes, shown once. During a rotation's overlap both the
new and the old secret sign: `webhook-signature` carries both, space-separated, as the
specification allows, so a partner still on the old secret verifies every delivery.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(signing_secrets: Iterable[str], message_id: str, sent_at: datetime, body: str) -> dict:
    """The three Standard Webhooks headers of one attempt (the timestamp is the attempt's)."""
    signatures = [Webhook(secret).sign(message_id, sent_at, body) for secret in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
