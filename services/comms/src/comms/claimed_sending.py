"""The claim, the lease and the send loop that the email sender (sending.py) and the SMS sender
(sms_sending.py) share: written once so the exactly-once rules cannot drift apart between them.

A subclass names its rows (`model`, `kind` for log lines), opens its channel (`_open`: an SMTP
transport, an SMS provider; anything with `close()`) and sends one row (`_send_one`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.db import utcnow
from fieldbook_shared.jobs import lease_until, new_token

from .settings import CommsSettings
from .store.queries import claim_due, locked


class ClaimedSender:
    model: Any  # the message rows' model (Email, Sms)
    kind: str  # "email", "sms": the word in log lines and their `<kind>_id` field
    log: logging.Logger
    settings: CommsSettings
    sessions: sessionmaker[Session]

    def _open(self) -> Any:
        raise NotImplementedError

    def _send_one(self, row_id: str, token: str, channel: Any) -> None:
        raise NotImplementedError

    def _lease_until(self):
        return lease_until(self.settings.sending_lease)

    def claim(self) -> tuple[str, list[str]]:
        """(claim token, ids of the messages claimed under it)."""
        token = new_token()
        with self.sessions() as session:
            rows = claim_due(
                session, self.model, utcnow(), self._lease_until(), int(self.settings.sender_batch), token
            )
            ids = [r.id for r in rows]
            session.commit()
        return token, ids

    def send_due(self, stop: threading.Event | None = None) -> int:
        """Send one batch of due messages; return how many were tried."""
        token, ids = self.claim()
        if not ids:
            return 0
        self.send_claimed(token, ids, stop)
        return len(ids)

    def send_claimed(self, token: str, ids: list[str], stop: threading.Event | None = None) -> None:
        """Send the messages claimed under `token`, one by one; one's trouble never stops the rest."""
        channel = self._open()
        try:
            for row_id in ids:
                if stop is not None and stop.is_set():
                    self._release(row_id, token)
                    continue
                try:
                    self._send_one(row_id, token, channel)
                except Exception:  # noqa: BLE001 - its lease runs out and it is taken again
                    self.log.exception(
                        "%s %s: sending failed", self.kind, row_id, extra={f"{self.kind}_id": row_id}
                    )
        finally:
            channel.close()

    def _log_outcome(self, row: Any, outcome: Any, code_field: str) -> None:
        """The log line of a recorded send: `<kind> <id> <outcome>`, with the ids, the channel's
        code (as `code_field`: "smtp_code", "status_code") and what it said as fields."""
        self.log.info(
            "%s %s %s",
            self.kind,
            row.id,
            outcome.outcome,
            extra={
                f"{self.kind}_id": row.id,
                "tenant_id": row.tenant_id,
                code_field: outcome.code,
                "detail": outcome.detail,
            },
        )

    def _release(self, row_id: str, token: str) -> None:
        with self.sessions() as session:
            row = locked(session, self.model, row_id)
            if row is not None and row.status == "sending" and row.claim_token == token:
                row.status, row.lease_until, row.claim_token = "queued", None, None
                session.commit()

    def _hold(self, row_id: str, token: str) -> Any | None:
        """The message when the claim is still ours, else None. Its lease starts afresh for this one
        send, so a long batch never lets another worker take (and send) what this one is about to."""
        with self.sessions() as session:
            row = locked(session, self.model, row_id)
            if row is None or row.status != "sending" or row.claim_token != token:
                return None
            row.lease_until = self._lease_until()
            session.commit()
            session.expunge(row)
            return row
