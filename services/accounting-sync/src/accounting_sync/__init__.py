"""Fieldbook accounting-sync: every customer reaches Sage once; the accounts ref and balance come back.

It pushes customers to the tenant's accounting system through an adapter (Sage Business Cloud
Accounting v3.1 contacts API, or the simulator in `services/accounting-sync/simulator/`) when they
are created or updated; prevents duplicates before a create (match by accounts ref, email, or
normalised name + postcode: link, or `needs_review` when ambiguous); keeps Sage 50 style accounts
refs; retries with backoff; exposes a per-customer sync status and manual re-sync; and polls
balances back as `accounting.balance_updated`.
"""
