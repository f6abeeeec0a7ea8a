"""Alembic helpers so every service migrates the same way.

A service keeps its Alembic scripts in `src/<package>/migrations/` (shipped with the package, so
`python -m <package>.manage migrate` works from any directory). Its `env.py` calls
`run_env(Base.metadata)`. The kit's tables (outbox, processed_events, idempotency_keys) are on
`Base.metadata`, so `alembic revision --autogenerate` writes them into the service's own history,
frozen like any other table; a change to them later is a migration in every service.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool

from .settings import Settings


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def migrate_service(migrations_dir: Path, settings: Settings, event_types: Iterable[str]) -> None:
    """`python -m <package>.manage migrate`: the database to head, then the service's queue on the
    broker, so events published before its worker first starts wait for it (see
    `messaging.topology.declare_queues`). A broker that does not answer is reported, not fatal."""
    from .messaging.topology import declare_queues

    upgrade(migrations_dir, settings.database_url)
    problem = declare_queues(settings, event_types)
    if problem is None:
        print(f"{settings.service}: queue {settings.queue} declared", file=sys.stderr)
    else:
        print(
            f"{settings.service}: the broker did not answer ({problem}); "
            "the worker declares its queue when it starts",
            file=sys.stderr,
        )


def run_env(metadata: MetaData) -> None:
    """The body of a service's migrations/env.py (online mode only: we always have a database)."""
    cfg = context.config
    connectable = engine_from_config(
        cfg.get_section(cfg.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
