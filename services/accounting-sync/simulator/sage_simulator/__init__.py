"""A simulator of the Sage Business Cloud Accounting v3.1 contacts API subset that accounting-sync
uses, with injectable faults, for local runs and tests. Run: `python -m sage_simulator` (port 8090)."""
