"""Fieldbook files service: the files on a customer's record (customers, work addresses, jobs, assets)."""
