"""What the assets service publishes. Each payload is the asset itself, read through the kit's
catalogue schema (`fieldbook_shared/events/catalogue/assets.py`) when the unit of work commits
(`fieldbook_shared.aggregate`); the use cases in service/assets.py record them on the asset:

- `asset.created`, `asset.updated` (a full snapshot with its `version`; also when a customer's or a
  branch's merge or a branch's deletion moves it)
- `asset.deleted` {id, customer_id, serial_number, reason: `deleted` or `customer_deleted`}
- `customer.erasure_reported` (handlers.py, on `customer.erased`)

What it consumes is in handlers.py.
"""
