"""The comms service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Communications, Directory, Emails, MailingLists, MassEmails, Notes, Templates


class CommsUnitOfWork(UnitOfWork):
    directory: Directory
    notes: Notes
    communications: Communications
    templates: Templates
    emails: Emails
    mailing_lists: MailingLists
    mass_emails: MassEmails

    def open_repositories(self, session: Session) -> None:
        self.directory = Directory(session, self.tenant_id)
        self.notes = Notes(session, self.tenant_id)
        self.communications = Communications(session, self.tenant_id)
        self.templates = Templates(session, self.tenant_id)
        self.emails = Emails(session, self.tenant_id)
        self.mailing_lists = MailingLists(session, self.tenant_id)
        self.mass_emails = MassEmails(session, self.tenant_id)
