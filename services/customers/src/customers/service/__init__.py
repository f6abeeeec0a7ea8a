"""The use cases of customers, one module a resource, as `api/` has them: `customers` (the record:
add, edit, dormant, block, unblock), `contacts`, `sites` (branches and work addresses),
`tenant_settings` (custom fields, customer types) and `lifecycle` (change type, merge, delete,
erase, billing's document admission, the erasure report). The record rules they and the CSV
import share are public in `records`.

Every function that changes state writes its event(s) to the outbox in the same transaction and
commits once.
"""
