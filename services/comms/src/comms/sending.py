"""The worker's own loops: the SMTP sender and the mass-email jobs (beside the kit's relay and consumer).

Sender: claims due emails under a claim token (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a lease
against a dead worker), sends each over SMTP outside any transaction, then records the outcome with
its event in one transaction: 2xx → sent (`email.sent`); 4xx, refused or lost connection, a refused
login or greeting → queued again with backoff (temporary), until `SMTP_MAX_ATTEMPTS`; 5xx → failed
(`email.failed`); an email no message can be made of (a header the mail format cannot carry, an
address SMTP cannot send to) → failed at once (`email.failed`), never retried. Every attempt is
logged. Just before each send the claim is checked and the lease renewed for that email; a worker
whose token is no longer on the row (its lease ran out and another worker took the email) neither
sends nor records it.

Mass email: claims a queued job under a token, expands its recipients into queued emails or skips
(with the reason) holding the job's row locked, and completes it (`mass_email.completed`) when no
email of it is left to send.
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
from fieldbook_shared.internal_client import UpstreamUnavailable
from fieldbook_shared.jobs import lease_until, new_token, poll_loop

from .claimed_sending import ClaimedSender
from .clients import BillingClient
from .domain.messages import one_line
from .domain.smtp import PERMANENT, SENT, TEMPORARY, SendOutcome, classify_code, retry_delay
from .service.mass_emails import expand_mass_email, mass_email_progress
from .settings import CommsSettings
from .store.models import Attachment, Email, EmailAttempt, MassEmail
from .store.queries import (
    claim_mass_email,
    locked_email,
    locked_mass_email,
    open_emails_of_job,
    sending_jobs,
)
from .uow import CommsUnitOfWork

log = logging.getLogger("comms.sending")

UowFactory = Callable[[RequestContext], CommsUnitOfWork]
EMAIL_ID_HEADER = "X-Fieldbook-Email-Id"


# --- SMTP ----------------------------------------------------------------------------------------


class SmtpTransport:
    """One SMTP connection at a time, kept across a batch; TLS and login when configured."""

    def __init__(self, settings: CommsSettings):
        self.host, self.port = settings.smtp_host, int(settings.smtp_port)
        self.username, self.password = settings.smtp_username, settings.smtp_password
        self.starttls, self.use_ssl = bool(settings.smtp_starttls), bool(settings.smtp_ssl)
        self.timeout = float(settings.smtp_timeout)
        self._conn: smtplib.SMTP | None = None
        self._refused_for_batch: SendOutcome | None = None  # a refused login or greeting

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls and not self.use_ssl:
                conn.starttls(context=ssl.create_default_context())
            if self.username:
                conn.login(self.username, self.password)
        except BaseException:
            conn.close()  # a half-opened connection is not left behind
            raise
        return conn

    def send(self, message: EmailMessage) -> SendOutcome:
        if self._refused_for_batch is not None:  # one refused login/greeting per batch, not one per email
            return self._refused_for_batch
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            # SMTP_USERNAME / SMTP_PASSWORD refused: the configuration's trouble, not the email's,
            # whatever the code (535 included): retried with backoff, so fixing the setting in time
            # loses nothing
            self._refused_for_batch = SendOutcome(
                TEMPORARY, exc.smtp_code, f"SMTP login refused: {_text(exc.smtp_error)}"
            )
            return self._refused_for_batch
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:
            # the server turned the connection away (a 554 greeting, "421 too busy", HELO refused):
            # nothing was said about this email, so even a 5xx is retried with backoff
            self.close()
            self._refused_for_batch = SendOutcome(
                TEMPORARY, exc.smtp_code, f"SMTP server refused the connection: {_text(exc.smtp_error)}"
            )
            return self._refused_for_batch
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (None, b""))
            return SendOutcome(classify_code(code), code, _text(text))
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, helo, connect
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


def build_message(email: Email, attachments: list[Attachment], settings: CommsSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((settings.email_from_name, settings.email_from))
    msg["To"] = formataddr((one_line(email.to_name), email.to_address))
    msg["Subject"] = one_line(email.subject)
    msg["Date"] = format_datetime(utcnow())
    domain = settings.email_from.rsplit("@", 1)[-1] or None
    msg["Message-ID"] = email.message_id or make_msgid(idstring=email.id.replace("-", ""), domain=domain)
    msg[EMAIL_ID_HEADER] = email.id
    msg.set_content(email.body)
    for a in attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(
            a.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=one_line(a.filename),
        )
    return msg


# --- the sender ----------------------------------------------------------------------------------


def billing_pdf(email: Email) -> tuple[str, str, Callable[[BillingClient], bytes | None]] | None:
    """The PDF billing holds for this email, fetched when it is sent (so it shows the document as it
    is then): (what it is, its file name, how to fetch it); None for an email without one."""
    if email.statement_id:
        sid = email.statement_id
        return (
            "statement",
            f"statement-{sid}.pdf",
            lambda billing: billing.statement_pdf(email.tenant_id, sid),
        )
    if email.document_kind and email.document_id:
        kind, did = email.document_kind, email.document_id
        filename = f"{kind.replace('_', '-')}-{email.document_number or did}.pdf"
        return (
            kind.replace("_", " "),
            filename,
            lambda billing: billing.document_pdf(email.tenant_id, kind, did),
        )
    return None


class Sender(ClaimedSender):
    model, kind, log = Email, "email", log

    def __init__(
        self,
        settings: CommsSettings,
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
        name = f"sender (SMTP {self.settings.smtp_host}:{self.settings.smtp_port})"
        poll_loop(name, self.send_due, self.settings.sender_poll, log)(stop)

    def _open(self) -> SmtpTransport:
        return self.transport_factory()

    def _prepare(
        self, email_id: str, token: str
    ) -> tuple[EmailMessage | None, Email | None, SendOutcome | None]:
        if self._hold(email_id, token) is None:
            log.info("email %s: claim lost or email gone; not sent here", email_id)
            return None, None, None
        with self.sessions() as session:
            email = session.get(Email, email_id)
            if email is None:
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
            billed = billing_pdf(email)
            if billed is not None and not attachments:
                what, filename, fetch = billed
                try:
                    pdf = fetch(self.billing)
                except UpstreamUnavailable as exc:
                    return None, email, SendOutcome(TEMPORARY, None, f"{what} PDF: {exc.detail}")
                if pdf is None:
                    return None, email, SendOutcome(PERMANENT, None, f"billing has no such {what}")
                attachment = Attachment(
                    tenant_id=email.tenant_id,
                    email_id=email.id,
                    filename=filename,
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
                    domain=self.settings.email_from.rsplit("@", 1)[-1] or None,
                )
                session.commit()
            try:
                return build_message(email, attachments, self.settings), email, None
            except Exception as exc:  # noqa: BLE001 - no retry can ever send it: failed for good
                log.warning("email %s: the message cannot be built: %s", email.id, exc)
                return None, email, SendOutcome(PERMANENT, None, f"the message cannot be built: {exc}")

    def _send_one(self, email_id: str, token: str, transport: SmtpTransport) -> None:
        message, email, outcome = self._prepare(email_id, token)
        if email is None:
            return
        if outcome is None:
            outcome = transport.send(message)
        if self.record(email, outcome, token):
            self._log_outcome(email, outcome, "smtp_code")

    def record(self, claimed: Email, outcome: SendOutcome, token: str) -> bool:
        """The attempt, the email's new state and its event, in one transaction. False (nothing
        recorded) when the email is gone (its customer was deleted meanwhile) or the claim is no
        longer ours."""
        uow = self.uow_factory(RequestContext.system(claimed.tenant_id, actor="system:comms-sender"))
        with uow:
            email = locked_email(uow.session, claimed.id)
            if email is None or email.status != "sending" or email.claim_token != token:
                log.warning(
                    "email %s: %s %s was not recorded (%s)",
                    claimed.id,
                    outcome.outcome,
                    outcome.code,
                    "the email was removed meanwhile" if email is None else "the claim was lost",
                    extra={"email_id": claimed.id, "tenant_id": claimed.tenant_id},
                )
                return False
            now = utcnow()
            email.attempts += 1
            email.smtp_code = outcome.code
            email.smtp_response = outcome.detail[:2000]
            email.lease_until = None
            email.claim_token = None
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
            entry = uow.communications.of_message("email", email.id)
            if outcome.outcome == SENT:
                email.mark_sent(now)
            elif outcome.outcome == TEMPORARY and email.attempts < int(self.settings.smtp_max_attempts):
                email.status = "queued"
                email.next_attempt_at = now + timedelta(
                    seconds=retry_delay(
                        email.attempts, self.settings.smtp_retry_base, self.settings.smtp_retry_max
                    )
                )
            else:
                permanent = outcome.outcome == PERMANENT
                reason = (
                    outcome.detail
                    if permanent
                    else f"gave up after {email.attempts} attempts: {outcome.detail}"
                )
                code = f"{outcome.code} " if outcome.code else ""
                email.mark_failed(now, f"{code}{reason}".strip(), permanent=permanent)
            if entry is not None:
                entry.status = email.status if email.status != "sending" else "queued"
            uow.commit()
            return True


# --- mass-email jobs -------------------------------------------------------------------------------


class MassEmailRunner:
    def __init__(self, settings: CommsSettings, sessions: sessionmaker[Session], uow_factory: UowFactory):
        self.settings = settings
        self.sessions = sessions
        self.uow_factory = uow_factory

    def run(self, stop: threading.Event) -> None:
        poll_loop("mass-email runner", lambda stop: self.step(), self.settings.mass_email_poll, log)(stop)

    def step(self) -> bool:
        """Expand one job (or part of it), then complete the jobs with nothing left to send."""
        busy = self.expand_one()
        self.complete_finished()
        return busy

    def claim(self) -> tuple[str, str, str] | None:
        """(job id, tenant id, claim token) of one job to expand, or None."""
        token, now = new_token(), utcnow()
        with self.sessions() as session:
            job = claim_mass_email(session, now, lease_until(60, now), token)
            if job is None:
                return None
            claimed = (job.id, job.tenant_id, token)
            session.commit()
        return claimed

    def expand_one(self) -> bool:
        claimed = self.claim()
        return False if claimed is None else self.expand(*claimed)

    def expand(self, job_id: str, tenant_id: str, token: str) -> bool:
        """Expand the job claimed under `token`. Its row stays locked while recipients are turned
        into emails (lookups included), so no other worker expands it at the same time; a claim
        lost before the lock is taken expands nothing."""
        uow = self.uow_factory(RequestContext.system(tenant_id, actor="system:comms-mass-email"))
        done = False
        try:
            with uow:
                job = locked_mass_email(uow.session, job_id, token)
                if job is None:
                    log.info("mass email %s: claim lost; another worker expands it", job_id)
                    return False
                done = expand_mass_email(uow, job, utcnow(), float(self.settings.mass_email_wait))
                job.status = "sending" if done else "expanding"
                # not done: customers not heard of yet; look again after a poll interval
                job.lease_until = (
                    None if done else utcnow() + timedelta(seconds=self.settings.mass_email_poll)
                )
                job.claim_token = None
                uow.commit()
        except UpstreamUnavailable as exc:
            log.warning("mass email %s waits for customers: %s", job_id, exc.detail)
            with self.sessions() as session:
                row = session.get(MassEmail, job_id)
                if row is not None and row.claim_token == token:
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
                p = mass_email_progress(uow, job)
                job.complete(utcnow(), p["sent"], p["skipped"], p["failed"])
                uow.commit()
                log.info(
                    "mass email %s completed: %s sent, %s skipped, %s failed",
                    job_id,
                    p["sent"],
                    p["skipped"],
                    p["failed"],
                )
