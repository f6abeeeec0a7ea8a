"""What the webhooks service publishes (schemas in the kit's `events/catalogue/webhooks.py`):

- `webhook_endpoint.disabled` {id, url, description, failing_since, disabled_at, reason}: recorded
  by the endpoint when every delivery to it failed for `WEBHOOK_DISABLE_AFTER_SECONDS`
  (`Endpoint.disable`), to tell the tenant's admin; the endpoint also shows `status: disabled`;
- `customer.erasure_reported` (handlers.py, on `customer.erased`).

What it consumes is in handlers.py: every public event, to deliver.
"""
