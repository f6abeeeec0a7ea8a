"""What the comms service publishes. Each payload is the record itself, read through the kit's
catalogue schema (`fieldbook_shared/events/catalogue/comms.py`) when the unit of work commits
(`fieldbook_shared.aggregate`); the records say what happened to them (store/models.py):

- `note.created` (service/notes.add_note), `note.updated` (`Note.edit`)
- `email.sent` (`Email.mark_sent`), `email.failed` (`Email.mark_failed`: the sender, or a statement
  email with no address)
- `mass_email.completed` (`MassEmail.complete`, with the job's figures)
- `customer.erasure_reported` (handlers.py, on `customer.erased`: what comms removed)

What it consumes is in handlers.py.
"""
