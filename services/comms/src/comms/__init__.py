"""Fieldbook comms service: what is said to and about a customer.

Notes (pinned / important, "do not work with again"), the communications log per customer and per
work address (note, email, call, SMS record), emails over SMTP from templates with placeholders,
attachments, mass email to a selection or a mailing list as a background job honouring
communication preferences and dormant status, and statement emails. It keeps a read model of
customers and contacts from the customers service's events.
"""
