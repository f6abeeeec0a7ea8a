"""Fieldbook customers service: the customer record — customers, contacts, branches, work addresses."""
