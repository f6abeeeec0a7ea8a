"""The rules of the sync in plain Python: field mapping, accounts refs, matching, retry policy."""
