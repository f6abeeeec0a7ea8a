"""What the servicing service publishes (schemas in the kit's `events/catalogue/servicing.py`):

- `service_reminder.booked` {id (the reminder), customer_id, asset_id, work_address_id, date,
  description}: recorded by the reminder when the office books it (`ServiceReminder.decide`);
  billing makes the job, with `service_reminder_id`;
- `service_reminder.send_requested` {id, customer_id, work_address_id, asset_id, stage,
  message_key, service_due_date, asset, work_address}: one stage of the reminder chain
  (service/chain.py); comms emails it once per `message_key`;
- `customer.erasure_reported` (handlers.py, on `customer.erased`).

What it consumes is in handlers.py.
"""
