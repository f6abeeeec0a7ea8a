"""The use cases of billing, one module a resource, as `api/` has them: `quotes`, `jobs`,
`invoices`, `credit_notes`, `cash` (payments, allocations, account credit, stored cards), `undo`
(de-allocations, payment reversals, refunds), `statements` (statements, the account figures, the
reconciliation), `documents` (what documents print) and `lists` (a customer's quotes, jobs and
invoices, listed and exported); beside them `customers` (the read model of customers that
handlers.py keeps) and `bookings` (the job servicing's `service_reminder.booked` asks for). What
they share is in `common`.

Every function that changes state publishes its event(s) through the outbox in the same
transaction and commits once; money that moves goes through the ledger (`common.post_to_ledger`).
"""
