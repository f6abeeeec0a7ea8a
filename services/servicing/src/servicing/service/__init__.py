"""Use cases of the servicing service, one module per resource (as `api/`): one function per action,
each taking a unit of work.

- `reminders`: what is due, a date set by hand, the batch decisions, what a completed service job
  or a changed asset does to a reminder
- `intervals`: the months between services, per asset type, work address or asset
- `directory`: the read models of customers, work addresses and assets
- `chain`: one stage of the reminder chain for one reminder, claimed once
"""
