"""Use cases of the comms service, one module per resource (as `api/`): one function per action,
each taking a unit of work.

Every function that changes state publishes its event(s) through the outbox in the same
transaction and commits once. Emails are only *queued* here; the worker sends them (sending.py).

- `notes`, `communications` (the log), `templates`, `emails` (and statement emails),
  `mass_emails`, `mailing_lists`: one per resource
- `customers`: the customer a record is on (live, merged → 410, unknown → 404) and its work
  addresses; `named`: saving a row whose name is unique per tenant
"""
