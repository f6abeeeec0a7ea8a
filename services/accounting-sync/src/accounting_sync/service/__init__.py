"""Use cases of the accounting-sync service, one module per resource as `api/` has them:
`accounting` (sync status, re-sync, review, balance polls, the Sage business)."""
