"""The worker's own loops: the SMTP sender and the mass-email jobs (beside the kit's relay and consumer).

Sender: claims due emails (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a lease against a dead worker),
sends each over SMTP outside any transaction, then records the outcome with its event in one
transaction: 2xx → sent (`email.sent`); 4xx, refused or lost connection → queued again with backoff
(temporary), until `SMTP_MAX_ATTEMPTS`; 5xx → failed (`email.failed`). Every attempt is logged.

Mass email: claims a queued job, expands its recipients into queued emails or skips (with the
reason), and completes it (`mass_email.completed`) when no email of it is left to send.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import utcnow
from fieldbook_shared.settings import Settings

from . import events, service
from .clients import BillingClient, UpstreamUnavailable
from .domain.smtp import PERMANENT, SENT, TEMPORARY, SendOutcome, classify_code, retry_delay
from .store.models import Attachment, Email, EmailAttempt, MassEmail
from .store.queries import claim_due_emails, claim_mass_email, open_emails_of_job, sending_jobs
from .uow import CommsUnitOfWork

log = logging.getLogger("comms.sending")

UowFactory = Callable[[RequestContext], CommsUnitOfWork]
EMAIL_ID_HEADER = "X-Fieldbook-Email-Id"


# --- SMTP ----------------------------------------------------------------------------------------


class SmtpTransport:
    """One SMTP connection at a time, kept across a batch; TLS and login when configured."""

    def __init__(self, settings: Settings):
        x = settings.extra
        self.host, self.port = x["smtp_host"], int(x["smtp_port"])
        self.username, self.password = x["smtp_username"], x["smtp_password"]
        self.starttls, self.use_ssl = bool(x["smtp_starttls"]), bool(x["smtp_ssl"])
        self.timeout = float(x["smtp_timeout"])
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
        if self.username:
            conn.login(self.username, self.password)
        return conn

    def send(self, message: EmailMessage) -> SendOutcome:
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (None, b""))
            return SendOutcome(classify_code(code), code, _text(text))
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, helo, auth, connect
            self.close()
            outcome = classify_code(exc.smtp_code)
            return SendOutcome(
                outcome if outcome != SENT else TEMPORARY, exc.smtp_code, _text(exc.smtp_error)
            )
        except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, disconnect
            self.close()
            return SendOutcome(TEMPORARY, None, f"{type(exc).__name__}: {exc}")
        if refused:  # a single recipient: refused means not sent
            code, text = next(iter(refused.values()))
            return SendOutcome(classify_code(code), code, _text(text))
        return SendOutcome(SENT, 250, "accepted", message["Message-ID"])

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except Exception:  # noqa: BLE001 - the connection is going anyway
                pass
            self._conn = None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def build_message(email: Email, attachments: list[Attachment], settings: Settings) -> EmailMessage:
    x = settings.extra
    msg = EmailMessage()
    msg["From"] = formataddr((x["email_from_name"], x["email_from"]))
    msg["To"] = formataddr((email.to_name or "", email.to_address))
    msg["Subject"] = email.subject
    msg["Date"] = format_datetime(utcnow())
    domain = x["email_from"].rsplit("@", 1)[-1] or None
    msg["Message-ID"] = email.message_id or make_msgid(idstring=email.id.replace("-", ""), domain=domain)
    msg[EMAIL_ID_HEADER] = email.id
    msg.set_content(email.body)
    for a in attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(
            a.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=a.filename,
        )
    return msg


# --- the sender ----------------------------------------------------------------------------------


class Sender:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        uow_factory: UowFactory,
        transport_factory: Callable[[], SmtpTransport] | None = None,
        billing: BillingClient | None = None,
    ):
        self.settings = settings
        self.sessions = sessions
        self.uow_factory = uow_factory
        self.transport_factory = transport_factory or (lambda: SmtpTransport(settings))
        self.billing = billing or BillingClient.from_settings(settings)

    def run(self, stop: threading.Event) -> None:
        log.info(
            "sender started (SMTP %s:%s)", self.settings.extra["smtp_host"], self.settings.extra["smtp_port"]
        )
        while not stop.is_set():
            try:
                busy = self.send_due(stop)
            except Exception:
                log.exception("sender step failed")
                busy = 0
            if not busy:
                stop.wait(self.settings.extra["sender_poll"])

    def claim(self) -> list[str]:
        x = self.settings.extra
        now = utcnow()
        with self.sessions() as session:
            emails = claim_due_emails(
                session, now, now + timedelta(seconds=x["sending_lease"]), int(x["sender_batch"])
            )
            ids = [e.id for e in emails]
            session.commit()
        return ids

    def send_due(self, stop: threading.Event | None = None) -> int:
        """Send one batch of due emails; return how many were tried."""
        ids = self.claim()
        if not ids:
            return 0
        transport = self.transport_factory()
        try:
            for email_id in ids:
                if stop is not None and stop.is_set():
                    self._release(email_id)
                    continue
                self._send_one(email_id, transport)
        finally:
            transport.close()
        return len(ids)

    def _release(self, email_id: str) -> None:
        with self.sessions() as session:
            email = session.get(Email, email_id)
            if email is not None and email.status == "sending":
                email.status, email.lease_until = "queued", None
                session.commit()

    def _prepare(self, email_id: str) -> tuple[EmailMessage | None, Email | None, SendOutcome | None]:
        with self.sessions() as session:
            email = session.get(Email, email_id)
            if email is None or email.status != "sending":
                return None, None, None
            attachments = list(
                session.scalars(
                    select(Attachment).where(
                        Attachment.tenant_id == email.tenant_id,
                        (Attachment.email_id == email.id)
                        | (
                            (Attachment.mass_email_id == email.mass_email_id)
                            if email.mass_email_id
                            else (Attachment.email_id == email.id)
                        ),
                    )
                )
            )
            if email.statement_id and not attachments:
                try:
                    pdf = self.billing.statement_pdf(email.tenant_id, email.statement_id)
                except UpstreamUnavailable as exc:
                    return None, email, SendOutcome(TEMPORARY, None, f"statement PDF: {exc.detail}")
                if pdf is None:
                    return None, email, SendOutcome(PERMANENT, None, "billing has no such statement")
                attachment = Attachment(
                    tenant_id=email.tenant_id,
                    email_id=email.id,
                    filename=f"statement-{email.statement_id}.pdf",
                    content_type="application/pdf",
                    size=len(pdf),
                    content=pdf,
                )
                session.add(attachment)
                session.commit()
                attachments = [attachment]
            if not email.message_id:
                email.message_id = make_msgid(
                    idstring=email.id.replace("-", ""),
                    domain=self.settings.extra["email_from"].rsplit("@", 1)[-1] or None,
                )
                session.commit()
            return build_message(email, attachments, self.settings), email, None

    def _send_one(self, email_id: str, transport: SmtpTransport) -> None:
        message, email, outcome = self._prepare(email_id)
        if email is None:
            return
        if outcome is None:
            outcome = transport.send(message)
        self.record(email, outcome)
        log.info(
            "email %s %s",
            email.id,
            outcome.outcome,
            extra={
                "email_id": email.id,
                "tenant_id": email.tenant_id,
                "smtp_code": outcome.code,
                "detail": outcome.detail,
            },
        )

    def record(self, claimed: Email, outcome: SendOutcome) -> None:
        """The attempt, the email's new state and its event, in one transaction."""
        x = self.settings.extra
        uow = self.uow_factory(RequestContext.system(claimed.tenant_id, actor="system:comms-sender"))
        with uow:
            email = uow.emails.get(claimed.id)
            now = utcnow()
            email.attempts += 1
            email.smtp_code = outcome.code
            email.smtp_response = outcome.detail[:2000]
            email.lease_until = None
            uow.session.add(
                EmailAttempt(
                    tenant_id=email.tenant_id,
                    email_id=email.id,
                    attempted_at=now,
                    outcome=outcome.outcome,
                    smtp_code=outcome.code,
                    detail=outcome.detail[:2000],
                )
            )
            entry = uow.communications.of_email(email.id)
            if outcome.outcome == SENT:
                email.status, email.sent_at = "sent", now
                uow.publish("email.sent", events.email_sent_data(email), subject=email.id)
            elif outcome.outcome == TEMPORARY and email.attempts < int(x["smtp_max_attempts"]):
                email.status = "queued"
                email.next_attempt_at = now + timedelta(
                    seconds=retry_delay(email.attempts, x["smtp_retry_base"], x["smtp_retry_max"])
                )
            else:
                email.status, email.failed_at = "failed", now
                permanent = outcome.outcome == PERMANENT
                reason = (
                    outcome.detail
                    if permanent
                    else f"gave up after {email.attempts} attempts: {outcome.detail}"
                )
                code = f"{outcome.code} " if outcome.code else ""
                uow.publish(
                    "email.failed",
                    events.email_failed_data(email, f"{code}{reason}".strip(), permanent=permanent),
                    subject=email.id,
                )
            if entry is not None:
                entry.status = email.status if email.status != "sending" else "queued"
            uow.commit()


# --- mass-email jobs -------------------------------------------------------------------------------


class MassEmailRunner:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], uow_factory: UowFactory):
        self.settings = settings
        self.sessions = sessions
        self.uow_factory = uow_factory

    def run(self, stop: threading.Event) -> None:
        log.info("mass-email runner started")
        while not stop.is_set():
            try:
                busy = self.step()
            except Exception:
                log.exception("mass-email step failed")
                busy = False
            if not busy:
                stop.wait(self.settings.extra["mass_email_poll"])

    def step(self) -> bool:
        """Expand one job (or part of it), then complete the jobs with nothing left to send."""
        busy = self.expand_one()
        self.complete_finished()
        return busy

    def expand_one(self) -> bool:
        x = self.settings.extra
        now = utcnow()
        with self.sessions() as session:
            job = claim_mass_email(session, now, now + timedelta(seconds=60))
            if job is None:
                return False
            job_id, tenant_id = job.id, job.tenant_id
            session.commit()
        uow = self.uow_factory(RequestContext.system(tenant_id, actor="system:comms-mass-email"))
        done = False
        try:
            with uow:
                job = uow.mass_emails.get(job_id)
                done = service.expand_mass_email(uow, job, utcnow(), float(x["mass_email_wait"]))
                job.status = "sending" if done else "expanding"
                # not done: customers not heard of yet; look again after a poll interval
                job.lease_until = None if done else utcnow() + timedelta(seconds=float(x["mass_email_poll"]))
                uow.commit()
        except UpstreamUnavailable as exc:
            log.warning("mass email %s waits for customers: %s", job_id, exc.detail)
            with self.sessions() as session:
                row = session.get(MassEmail, job_id)
                row.lease_until = utcnow() + timedelta(seconds=5)
                session.commit()
        return done

    def complete_finished(self) -> None:
        with self.sessions() as session:
            candidates = [
                (j.id, j.tenant_id) for j in sending_jobs(session) if not open_emails_of_job(session, j.id)
            ]
        for job_id, tenant_id in candidates:
            uow = self.uow_factory(RequestContext.system(tenant_id, actor="system:comms-mass-email"))
            with uow:
                stmt = select(MassEmail).where(MassEmail.id == job_id, MassEmail.status == "sending")
                job = uow.session.scalar(stmt.with_for_update())
                if job is None or open_emails_of_job(uow.session, job_id):
                    continue
                job.status, job.finished_at = "completed", utcnow()
                p = service.mass_email_progress(uow, job)
                uow.publish(
                    "mass_email.completed",
                    {
                        "id": job.id,
                        "total": job.total,
                        "sent": p["sent"],
                        "skipped": p["skipped"],
                        "failed": p["failed"],
                    },
                    subject=job.id,
                )
                uow.commit()
                log.info(
                    "mass email %s completed: %s sent, %s skipped, %s failed",
                    job_id,
                    p["sent"],
                    p["skipped"],
                    p["failed"],
                )
