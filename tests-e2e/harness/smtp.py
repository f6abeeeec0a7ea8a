"""A real SMTP server on loopback for the e2e suite (aiosmtpd), with a switch to refuse with 4xx.

smtp = SmtpServer(); smtp.start()      # smtp.port
smtp.refusing = True                   # RCPT answered "451 4.3.0 …": a temporary failure
smtp.messages_to("@example.com")       # what was accepted, as email.message.EmailMessage
"""

from __future__ import annotations

import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller

from .ports import free_port

REFUSAL = "451 4.3.0 Mailbox temporarily unavailable, try again later"


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.server.refusing:
            self.server.refusals += 1
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=default)
        with self.server.lock:
            self.server.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refusing = False
        self.refusals = 0
        self._controller = Controller(_Handler(self), hostname=host, port=port or free_port())

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages_to(self, suffix: str) -> list[EmailMessage]:
        """Accepted messages with a recipient ending in `suffix` (each test uses its own domain)."""
        with self.lock:
            return [m for rcpts, m in self.messages if any(r.lower().endswith(suffix.lower()) for r in rcpts)]
