"""Alembic helpers so every service migrates the same way.

A service keeps its Alembic scripts in `src/<package>/migrations/` (shipped with the package, so
`python -m <package>.manage migrate` works from any directory). Its `env.py` calls
`run_env(Base.metadata)`.

The kit's own tables (outbox, processed_events, idempotency_keys) have their own Alembic branch,
labelled `kit`, in `versions/` next to this file. Every service's history includes it (a second
version location) and its first migration `depends_on` the kit's first revision, so a change to a
kit table is one kit revision that every service's `migrate` applies, not a migration in each
service. `upgrade` goes to "heads": alembic_version holds the service's head, and the kit's head
too while no service revision depends on it (a kit revision added later).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool

from ..settings import Settings

# The kit's branch: the revisions that create and change the kit's tables.
KIT_VERSIONS = Path(__file__).resolve().parent / "versions"


def alembic_config(migrations_dir: Path, database_url: str, *, kit_tables: bool = True) -> Config:
    """The service's scripts plus, with `kit_tables` (every service; not the gateway, which has no
    outbox), the kit's branch."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    locations = [migrations_dir / "versions", *([KIT_VERSIONS] if kit_tables else [])]
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    return cfg


def upgrade(
    migrations_dir: Path, database_url: str, revision: str = "heads", *, kit_tables: bool = True
) -> None:
    """To `revision`: "heads" is the service's head and the kit's; a service revision id brings the
    kit's revisions it depends on along."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(migrations_dir, database_url, kit_tables=kit_tables), revision)


def migrate_service(migrations_dir: Path, settings: Settings, event_types: Iterable[str]) -> None:
    """`python -m <package>.manage migrate`: the database to its heads, then the service's queue on the
    broker, so events published before its worker first starts wait for it (see
    `messaging.topology.declare_queues`). A broker that does not answer is reported, not fatal."""
    from ..messaging.topology import declare_queues

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
