"""The comms service's unit of work: the kit's, with this service's repositories attached."""

from fieldbook_shared.uow import UnitOfWork

from .store.queries import (
    Communications,
    Directory,
    Emails,
    Letters,
    MailingLists,
    MassEmails,
    Notes,
    SmsMessages,
    Templates,
)


class CommsUnitOfWork(UnitOfWork):
    directory: Directory
    notes: Notes
    communications: Communications
    templates: Templates
    emails: Emails
    letters: Letters
    mailing_lists: MailingLists
    mass_emails: MassEmails
    sms: SmsMessages
