"""Operator commands: `python -m gateway.manage <command>`.

  migrate                                         bring the gateway database to the latest schema
  create-tenant NAME [--id UUID]                  prints only the new tenant id
  create-key --tenant ID --role ROLE [--name N]   prints only the plain key (shown this once)
  list-keys --tenant ID                           one tab-separated line per key
  revoke-key KEY_ID
  create-user --tenant ID --email E --role ROLE [--name N]   a person who logs in to the console;
                                                  the password is read from FIELDBOOK_NEW_PASSWORD

The values go alone on stdout so scripts can capture them (`KEY=$(python -m gateway.manage …)`);
messages and errors go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fieldbook_shared.context import ROLES
from fieldbook_shared.db import session_factory
from fieldbook_shared.migrations import upgrade

from . import identity, keys
from .settings import Settings
from .store import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"  # shipped with the package


def migrate(settings: Settings) -> None:
    """Alembic upgrade head; the scripts ship inside the package, so any working directory will do."""
    upgrade(MIGRATIONS, settings.database_url, kit_tables=False)  # no outbox, inbox or idempotency keys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.manage", description="Fieldbook gateway administration"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the gateway database to the latest migration")
    p = sub.add_parser("create-tenant", help="create a tenant; prints its id")
    p.add_argument("name")
    p.add_argument("--id", dest="tenant_id", help="use this UUID instead of a new one")
    p = sub.add_parser("create-key", help="create an API key; prints the key, shown only this once")
    p.add_argument("--tenant", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name", help="a label for the key (default: the role)")
    p = sub.add_parser("list-keys", help="list a tenant's keys (never the keys themselves)")
    p.add_argument("--tenant", required=True)
    p = sub.add_parser("revoke-key", help="revoke a key by its id")
    p.add_argument("key_id")
    p = sub.add_parser("create-user", help="create a console user (password from FIELDBOOK_NEW_PASSWORD)")
    p.add_argument("--tenant", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name")
    return parser


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings or Settings.from_env()
    if args.command == "migrate":
        migrate(settings)
        print("gateway database is up to date", file=sys.stderr)
        return 0

    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            if args.command == "create-tenant":
                tenant = keys.create_tenant(session, args.name, args.tenant_id)
                session.commit()
                print(tenant.id)
            elif args.command == "create-key":
                row, plain = keys.create_key(session, args.tenant, args.role, args.name)
                session.commit()
                print(f"created key {row.id} ({row.role}) for tenant {row.tenant_id}", file=sys.stderr)
                print(plain)
            elif args.command == "list-keys":
                print("id\tname\trole\tprefix\tcreated_at\trevoked_at")
                for k in keys.list_keys(session, args.tenant):
                    revoked = k.revoked_at.isoformat() if k.revoked_at else ""
                    print(f"{k.id}\t{k.name}\t{k.role}\t{k.prefix}\t{k.created_at.isoformat()}\t{revoked}")
            elif args.command == "revoke-key":
                row = keys.revoke_key(session, args.key_id)
                session.commit()
                grace = f"{settings.key_cache_seconds:g} s"
                print(f"revoked key {row.id}; workers may accept it for up to {grace} more", file=sys.stderr)
            elif args.command == "create-user":
                # from the environment, never the command line (which `ps` shows to everyone)
                password = os.environ.get("FIELDBOOK_NEW_PASSWORD", "")
                user = identity.create_user(session, args.tenant, args.email, args.name, args.role, password)
                session.commit()
                print(user.id)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
