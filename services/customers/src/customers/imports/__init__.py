"""CSV import of customers (with their primary contact) and of work addresses.

upload (`service.upload`) → mapping (`service.set_mapping`, status queued) → the worker's import
loop (`job.import_loop`) runs the batches (customers: `rows`; work addresses, set-based: `sites`)
→ progress and the row report (`service.get`, `service.issues`). The file lives in the database
in chunks (`files`).
"""
