"""Tenant-scoped repositories of the comms service, and the few non-trivial queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session

from fieldbook_shared.db import page_of
from fieldbook_shared.jobs import skip_locked
from fieldbook_shared.uow import Repository

from ..domain.recipients import SKIP_MERGED
from .models import (
    Attachment,
    Communication,
    ContactCopy,
    CustomerCopy,
    Email,
    EmailAttempt,
    EmailTemplate,
    Letter,
    MailingList,
    MassEmail,
    MassEmailRecipient,
    Note,
    Sms,
    WorkAddressCopy,
)


class _Repo(Repository):
    def _one(self, model, row_id: str, missing: str):
        """The tenant's row of `model` with that id; NotFound (404, `missing`) otherwise."""
        return self.get_one(model, model.id == str(row_id), missing=missing)


class _Named(_Repo):
    """Rows whose name is unique per tenant, listed by name: templates, mailing lists."""

    model: type

    def by_name(self, name: str):
        model = self.model
        return self.session.scalar(select(model).where(model.tenant_id == self.tenant_id, model.name == name))

    def page(self, page: int, page_size: int) -> tuple[list, int]:
        model = self.model
        stmt = select(model).where(model.tenant_id == self.tenant_id).order_by(model.name, model.id)
        return page_of(self.session, stmt, page, page_size)


class Directory(_Repo):
    """The read model: customers, contacts and work addresses as customers' events told us."""

    def customer(self, customer_id: str) -> CustomerCopy | None:
        return self.session.scalar(
            select(CustomerCopy).where(
                CustomerCopy.id == str(customer_id), CustomerCopy.tenant_id == self.tenant_id
            )
        )

    def customers(self, customer_ids: list[str]) -> dict[str, CustomerCopy]:
        if not customer_ids:
            return {}
        rows = self.session.scalars(
            select(CustomerCopy).where(
                CustomerCopy.tenant_id == self.tenant_id, CustomerCopy.id.in_(customer_ids)
            )
        )
        return {row.id: row for row in rows}

    def contact(self, contact_id: str) -> ContactCopy | None:
        return self.session.scalar(
            select(ContactCopy).where(ContactCopy.id == contact_id, ContactCopy.tenant_id == self.tenant_id)
        )

    def contacts_of(self, customer_id: str) -> list[ContactCopy]:
        return list(
            self.session.scalars(
                select(ContactCopy).where(
                    ContactCopy.tenant_id == self.tenant_id, ContactCopy.customer_id == customer_id
                )
            )
        )

    def primary_contacts(self, customer_ids: list[str]) -> dict[str, ContactCopy]:
        """The primary, active contact of each customer (the one that drives emails)."""
        if not customer_ids:
            return {}
        rows = self.session.scalars(
            select(ContactCopy).where(
                ContactCopy.tenant_id == self.tenant_id,
                ContactCopy.customer_id.in_(customer_ids),
                ContactCopy.is_primary.is_(True),
                ContactCopy.archived.is_(False),
                ContactCopy.removed.is_(False),
            )
        )
        return {row.customer_id: row for row in rows}

    def work_address(self, work_address_id: str) -> WorkAddressCopy | None:
        return self.session.scalar(
            select(WorkAddressCopy).where(
                WorkAddressCopy.id == str(work_address_id), WorkAddressCopy.tenant_id == self.tenant_id
            )
        )


class Notes(_Repo):
    def get(self, note_id: str) -> Note:
        return self._one(Note, note_id, "No note with that id.")

    def of_customer(
        self,
        customer_id: str,
        work_address_id: str | None,
        page: int,
        page_size: int,
        do_not_work_with_again: bool | None = None,
    ) -> tuple[list[Note], int]:
        """Pinned (important) first, then latest first."""
        stmt = select(Note).where(Note.tenant_id == self.tenant_id, Note.customer_id == customer_id)
        if work_address_id:
            stmt = stmt.where(Note.work_address_id == work_address_id)
        if do_not_work_with_again is not None:
            stmt = stmt.where(Note.do_not_work_with_again.is_(do_not_work_with_again))
        return page_of(
            self.session,
            stmt.order_by(Note.important.desc(), Note.created_at.desc(), Note.id.desc()),
            page,
            page_size,
        )


class Communications(_Repo):
    def page(
        self,
        *,
        customer_id: str | None = None,
        work_address_id: str | None = None,
        kind: str | None = None,
        page: int = 1,
        page_size: int = 25,
    ) -> tuple[list[Communication], int]:
        """Pinned first, then latest first. A work address's log holds only what concerns it."""
        stmt = select(Communication).where(Communication.tenant_id == self.tenant_id)
        if customer_id is not None:
            stmt = stmt.where(Communication.customer_id == customer_id)
        if work_address_id is not None:
            stmt = stmt.where(Communication.work_address_id == work_address_id)
        if kind:
            stmt = stmt.where(Communication.kind == kind)
        return page_of(
            self.session,
            stmt.order_by(
                Communication.pinned.desc(), Communication.occurred_at.desc(), Communication.id.desc()
            ),
            page,
            page_size,
        )

    def of_message(self, kind: str, message_id: str) -> Communication | None:
        """The log line of a note, letter, email or SMS (`kind`: note, letter, email, sms), by the
        message's id."""
        return self.find_one(Communication, getattr(Communication, f"{kind}_id") == message_id)


class _Sent(_Repo):
    """The messages comms sends (letters, emails, SMS): a customer's or all, in one status or all."""

    model: type
    missing: str  # the 404's detail

    def get(self, row_id: str):
        return self._one(self.model, row_id, self.missing)

    def _filtered(self, customer_id: str | None, status: str | None):
        model = self.model
        stmt = self.select(model)
        if customer_id:
            stmt = stmt.where(model.customer_id == customer_id)
        if status:
            stmt = stmt.where(model.status == status)
        return stmt

    def page(self, customer_id: str | None, status: str | None, page: int, page_size: int):
        """Latest first."""
        model = self.model
        stmt = self._filtered(customer_id, status).order_by(model.created_at.desc(), model.id.desc())
        return page_of(self.session, stmt, page, page_size)


class Letters(_Sent):
    model = Letter
    missing = "No letter with that id."

    def with_key(self, message_key: str) -> Letter | None:
        return self.find_one(Letter, Letter.message_key == message_key)

    def page(self, customer_id: str | None, status: str | None, page: int, page_size: int):
        """Oldest first: the order they are printed in."""
        stmt = self._filtered(customer_id, status).order_by(Letter.created_at, Letter.id)
        return page_of(self.session, stmt, page, page_size)

    def to_print(self, limit: int) -> list[Letter]:
        stmt = self._filtered(None, "to_print").order_by(Letter.created_at, Letter.id).limit(limit)
        return list(self.session.scalars(stmt))

    def of_ids(self, letter_ids: list[str]) -> list[Letter]:
        stmt = select(Letter).where(Letter.tenant_id == self.tenant_id, Letter.id.in_(letter_ids))
        return list(self.session.scalars(stmt.order_by(Letter.created_at, Letter.id)))


class Templates(_Named):
    model = EmailTemplate

    def get(self, template_id: str) -> EmailTemplate:
        return self._one(EmailTemplate, template_id, "No email template with that id.")


class Emails(_Sent):
    model = Email
    missing = "No email with that id."

    def with_key(self, message_key: str) -> Email | None:
        return self.find_one(Email, Email.message_key == message_key)

    def attachments(self, email: Email) -> list[Attachment]:
        clauses = [Attachment.email_id == email.id]
        stmt = select(Attachment).where(Attachment.tenant_id == email.tenant_id)
        if email.mass_email_id:
            stmt = stmt.where(
                (Attachment.email_id == email.id) | (Attachment.mass_email_id == email.mass_email_id)
            )
        else:
            stmt = stmt.where(*clauses)
        return list(self.session.scalars(stmt.order_by(Attachment.filename, Attachment.id)))

    def attempts(self, email_id: str) -> list[EmailAttempt]:
        stmt = self.select(EmailAttempt, EmailAttempt.email_id == email_id)
        return list(self.session.scalars(stmt.order_by(EmailAttempt.attempted_at, EmailAttempt.id)))


class SmsMessages(_Sent):
    model = Sms
    missing = "No SMS with that id."

    def get(self, sms_id: str, for_update: bool = False) -> Sms:
        if for_update:
            row = self.session.scalar(
                select(Sms).where(Sms.tenant_id == self.tenant_id, Sms.id == str(sms_id)).with_for_update()
            )
            if row is not None:
                return row
        return super().get(sms_id)


class MailingLists(_Named):
    model = MailingList

    def get(self, list_id: str) -> MailingList:
        return self._one(MailingList, list_id, "No mailing list with that id.")

    def all(self) -> list[MailingList]:
        return list(self.session.scalars(self.select(MailingList).order_by(MailingList.name, MailingList.id)))


class MassEmails(_Repo):
    def get(self, job_id: str) -> MassEmail:
        return self._one(MassEmail, job_id, "No mass email with that id.")

    def page(self, page: int, page_size: int) -> tuple[list[MassEmail], int]:
        stmt = select(MassEmail).where(MassEmail.tenant_id == self.tenant_id)
        return page_of(
            self.session, stmt.order_by(MassEmail.created_at.desc(), MassEmail.id.desc()), page, page_size
        )

    def recipients(self, job_id: str, status: str | None = None) -> list[MassEmailRecipient]:
        stmt = select(MassEmailRecipient).where(
            MassEmailRecipient.tenant_id == self.tenant_id, MassEmailRecipient.mass_email_id == job_id
        )
        if status:
            stmt = stmt.where(MassEmailRecipient.status == status)
        return list(self.session.scalars(stmt.order_by(MassEmailRecipient.position)))

    def recipients_page(
        self, job_id: str, shown: str | None, page: int, page_size: int
    ) -> tuple[list[tuple[MassEmailRecipient, Email | None, str]], int]:
        """One page of the job's recipients, in order, each with its email (if any) and the status
        it shows: pending, skipped, or its email's sending, sent or failed. `shown` keeps the rows
        showing that status (in SQL, so the pages and the total agree)."""
        no_email = Email.id.is_(None)
        status = case(
            (and_(no_email, MassEmailRecipient.status.in_(("pending", "queued"))), "pending"),
            (no_email, MassEmailRecipient.status),
            (Email.status.in_(("queued", "sending")), "sending"),
            else_=Email.status,
        ).label("shown")
        stmt = (
            select(MassEmailRecipient, Email, status)
            .outerjoin(
                Email, and_(Email.id == MassEmailRecipient.email_id, Email.tenant_id == self.tenant_id)
            )
            .where(MassEmailRecipient.tenant_id == self.tenant_id, MassEmailRecipient.mass_email_id == job_id)
        )
        if shown:
            stmt = stmt.where(status == shown)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        stmt = stmt.order_by(MassEmailRecipient.position).offset((page - 1) * page_size).limit(page_size)
        return [tuple(row) for row in self.session.execute(stmt)], total

    def progress(self, job_id: str) -> dict:
        """total / queued / sent / skipped / failed, from the recipients and their emails."""
        recipients = {
            status: n
            for status, n in self.session.execute(
                select(MassEmailRecipient.status, func.count())
                .where(
                    MassEmailRecipient.tenant_id == self.tenant_id, MassEmailRecipient.mass_email_id == job_id
                )
                .group_by(MassEmailRecipient.status)
            )
        }
        emails = {
            status: n
            for status, n in self.session.execute(
                select(Email.status, func.count())
                .where(Email.tenant_id == self.tenant_id, Email.mass_email_id == job_id)
                .group_by(Email.status)
            )
        }
        return {
            "pending": recipients.get("pending", 0),
            "skipped": recipients.get("skipped", 0),
            "sent": emails.get("sent", 0),
            "failed": emails.get("failed", 0),
            "sending": emails.get("queued", 0) + emails.get("sending", 0),
        }

    def skipped_reasons(self, job_id: str) -> dict[str, int]:
        return {
            reason: n
            for reason, n in self.session.execute(
                select(MassEmailRecipient.reason, func.count())
                .where(
                    MassEmailRecipient.tenant_id == self.tenant_id,
                    MassEmailRecipient.mass_email_id == job_id,
                    MassEmailRecipient.status == "skipped",
                )
                .group_by(MassEmailRecipient.reason)
            )
        }


# --- the worker's claims (across tenants) ---------------------------------------------------------


def claim_due(session: Session, model, now: datetime, lease_until: datetime, limit: int, token: str) -> list:
    """Take up to `limit` messages of `model` (emails, SMS) due for sending (or whose sender died
    mid-lease): mark them sending under the claim `token`.

    On PostgreSQL `FOR UPDATE SKIP LOCKED`, so several workers share the queue without taking the
    same email; the caller commits at once, which releases the row locks and keeps the lease. A
    lease that runs out lets another worker claim the email with its own token: the first one
    then finds its token gone (`locked_email`) and leaves the email alone.
    """
    due = (model.status == "queued") & (model.next_attempt_at <= now)
    stale = (model.status == "sending") & (model.lease_until < now)
    stmt = select(model).where(due | stale).order_by(model.next_attempt_at, model.created_at).limit(limit)
    rows = list(session.scalars(skip_locked(session, stmt)))
    for row in rows:
        row.status = "sending"
        row.lease_until = lease_until
        row.claim_token = token
    return rows


def locked_email(session: Session, email_id: str) -> Email | None:
    """The email, its row locked until the transaction ends (PostgreSQL), to check a claim."""
    return locked(session, Email, email_id)


def locked(session: Session, model, row_id: str):
    """The row (an email, an SMS), locked until the transaction ends (PostgreSQL), to check a claim."""
    return session.scalar(select(model).where(model.id == row_id).with_for_update())


def claim_mass_email(session: Session, now: datetime, lease_until: datetime, token: str) -> MassEmail | None:
    """One job to work on: queued, or expanding with an expired lease (its worker died); marked
    with the claim `token`. A worker expanding a job holds its row locked (`locked_mass_email`),
    so nobody claims it meanwhile, however long the lookups take."""
    runnable = (MassEmail.status == "queued") | (
        MassEmail.status.in_(("expanding",))
        & ((MassEmail.lease_until.is_(None)) | (MassEmail.lease_until < now))
    )
    stmt = select(MassEmail).where(runnable).order_by(MassEmail.created_at).limit(1)
    job = session.scalar(skip_locked(session, stmt))
    if job is not None:
        job.status = "expanding"
        job.lease_until = lease_until
        job.claim_token = token
        job.started_at = job.started_at or now
    return job


def locked_mass_email(session: Session, job_id: str, token: str) -> MassEmail | None:
    """The job, row locked, if the claim `token` is still its own; None when the claim was lost."""
    return session.scalar(
        select(MassEmail)
        .where(MassEmail.id == job_id, MassEmail.claim_token == token, MassEmail.status == "expanding")
        .with_for_update()
    )


def sending_jobs(session: Session) -> list[MassEmail]:
    return list(session.scalars(select(MassEmail).where(MassEmail.status == "sending")))


def open_emails_of_job(session: Session, job_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(Email.mass_email_id == job_id, Email.status.in_(("queued", "sending")))
        )
        or 0
    )


def repoint_customer(session: Session, tenant_id: str, merged_id: str, survivor_id: str) -> None:
    """Every record of the merged customer now belongs to the survivor."""
    session.execute(
        update(Note)
        .where(Note.tenant_id == tenant_id, Note.customer_id == merged_id)
        .values(customer_id=survivor_id, version=Note.version + 1)
        .execution_options(synchronize_session=False)
    )
    for model in (Communication, Email, Sms, Letter, WorkAddressCopy, ContactCopy):
        session.execute(
            update(model)
            .where(model.tenant_id == tenant_id, model.customer_id == merged_id)
            .values(customer_id=survivor_id)
            .execution_options(synchronize_session=False)
        )
    # its places in mass emails too (so a later delete of the survivor settles them); in a job that
    # has the survivor already, one not written yet is skipped (the survivor gets its own email)
    # and one written keeps its row, found through its email
    mine = (MassEmailRecipient.tenant_id == tenant_id) & (MassEmailRecipient.customer_id == merged_id)
    survivors_jobs = select(MassEmailRecipient.mass_email_id).where(
        MassEmailRecipient.tenant_id == tenant_id, MassEmailRecipient.customer_id == survivor_id
    )
    session.execute(
        update(MassEmailRecipient)
        .where(mine, MassEmailRecipient.mass_email_id.not_in(survivors_jobs))
        .values(customer_id=survivor_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(MassEmailRecipient)
        .where(mine, MassEmailRecipient.status == "pending")
        .values(status="skipped", reason=SKIP_MERGED)
        .execution_options(synchronize_session=False)
    )
