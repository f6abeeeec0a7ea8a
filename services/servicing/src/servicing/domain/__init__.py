"""The rules of servicing in plain Python (no Flask, no session)."""
