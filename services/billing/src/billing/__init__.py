"""Fieldbook billing service: the money side of a customer.

Quotes (convert to a job, refused while the account is blocked or over its credit limit), jobs,
invoices (gap-free numbers per tenant), consolidated invoices, credit notes, payments allocated
across invoices, account credit, stored cards (token only), statements (JSON and PDF) and the
account figures — every figure derived from one ledger.
"""
