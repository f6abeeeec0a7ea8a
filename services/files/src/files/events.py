"""What the files service publishes. Each payload is the file's metadata (never its bytes), read
through the kit's catalogue schema (`fieldbook_shared/events/catalogue/files.py`) when the unit of
work commits (`fieldbook_shared.aggregate`); the use cases in service/files.py record them on the file:

- `file.uploaded` {id, customer_id, attached_to, owner_id, work_address_id, filename, media_type,
  size_bytes, sha256, uploaded_by, created_at}
- `file.deleted` {id, customer_id, attached_to, owner_id, reason: `deleted`, `customer_deleted`,
  `customer_erased` or `owner_deleted`}
- `customer.erasure_reported` (handlers.py, on `customer.erased`)

What it consumes is in handlers.py.
"""
