"""Alembic environment of the gateway's own database (the kit's run_env, the gateway's metadata)."""

from fieldbook_shared.migrations import run_env
from gateway.store import Base

run_env(Base.metadata)
