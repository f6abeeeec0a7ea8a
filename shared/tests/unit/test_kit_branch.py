"""The kit's Alembic branch (fieldbook_shared/migrations/versions, label `kit`) in every service's
history: a new database gets the schema the services' migrations made before the branch existed,
and a database made back then upgrades to it without error; a new database matches the models
(`alembic check`).

A database "made back then" is the service's history run to one of the revisions it had (a head
of the time, or one before the processed_at index). Run with today's scripts it is what the old
scripts made to the letter: the same alembic_version row and the same schema, whose fingerprint
OLD_CHAIN was taken from the old scripts (commit 2cb65e1, the parent of the kit branch).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory
from migration_support import BEFORE_THE_INDEX, HEADS, fingerprint, migrations_of, schema_of, versions_of
from sqlalchemy import inspect

from fieldbook_shared import migrations
from fieldbook_shared.db import KIT_TABLES, create_engine
from fieldbook_shared.service_table import SERVICES

# sha256 of schema_of() on SQLite after the old scripts ran to (package, revision).
OLD_CHAIN = {
    ("customers", "0005"): "1627a97db59cdee4c4e53cd1ae527f459a68cfa4e0bb55cd4cf1dbdf4f2c5d49",
    ("customers", "0010"): "f27e4e01bb61d4de742fb39e8ca0cb11cf15b2eb1a9d16f594245f82f4c3c77d",
    ("billing", "0001"): "8f823284a231391812c93394f31b047902dba712df6e6431e30b14cc53815bbb",
    ("billing", "0005"): "986b3fb4c3d1c802f338a0c7a21fbfd2be95c593c906a45e8364f55144d15ca5",
    ("comms", "0002"): "05a80c41f3634302ed30a8eb8bfdaf8f1d4da764c85dee9bd9158f72d97e225f",
    ("comms", "0005"): "47275347b57c7b06aad998baa11a8bf1eeb606035c247b5970723204f3c9de55",
    ("assets", "0001"): "02b0d0dcf8a5be4ad76dc5c2a91da2448b2714fd98142604206b04bfcc5065a4",
    ("assets", "0002"): "057bcb0bf96cfa04ccc187fec4dbf00d5feb9dfa623bf2d1add42fcf70cdbae0",
    ("accounting_sync", "0003"): "454dae13bdb6130a66b99c78cc815c252df5eb67034058ace962bdbbf71946bb",
    ("accounting_sync", "0007"): "d1863adbff9a65bc20b023abf2039e50472ac06922a3cbe986e6b0eaa91d883e",
}
PACKAGES = sorted(HEADS)
# services made after the kit's branch: no old scripts to compare with, only today's
BORN_WITH_THE_BRANCH = ["servicing", "files", "webhooks"]


def test_every_service_but_the_gateway_is_checked():
    services = {s.package for s in SERVICES if s.kind == "service"}  # the console keeps no database
    assert set(PACKAGES) | set(BORN_WITH_THE_BRANCH) == services - {"gateway"}


@pytest.mark.parametrize("package", PACKAGES)
def test_the_scripts_make_the_schema_the_old_scripts_made(package, tmp_path):
    for revision in (BEFORE_THE_INDEX[package], HEADS[package]):
        url = f"sqlite:///{tmp_path / f'{revision}.db'}"
        migrations.upgrade(migrations_of(package), url, revision)
        assert fingerprint(schema_of(url)) == OLD_CHAIN[(package, revision)], (
            f"{package} at {revision}: a migration that has run somewhere must keep making the same schema"
        )


@pytest.mark.parametrize("package", PACKAGES)
def test_a_database_made_before_the_kit_branch_upgrades_to_the_new_schema(package, tmp_path):
    new = f"sqlite:///{tmp_path / 'new.db'}"
    migrations.upgrade(migrations_of(package), new)
    for revision in (BEFORE_THE_INDEX[package], HEADS[package]):
        old = f"sqlite:///{tmp_path / f'old-{revision}.db'}"
        migrations.upgrade(migrations_of(package), old, revision)
        assert versions_of(old) == {revision}  # one row, the service's, as the old scripts left it
        assert set(KIT_TABLES) <= set(schema_of(old))

        migrations.upgrade(migrations_of(package), old)

        assert schema_of(old) == schema_of(new)
        assert versions_of(old) == versions_of(new)


# `alembic check` in a process of its own, so that Base.metadata holds that service's models only
CHECK = """
import sys
from pathlib import Path
from alembic import command
from fieldbook_shared.migrations import alembic_config, upgrade
migrations, url = Path(sys.argv[1]), sys.argv[2]
upgrade(migrations, url)
command.check(alembic_config(migrations, url))
"""


@pytest.mark.parametrize("package", PACKAGES + BORN_WITH_THE_BRANCH)
def test_a_new_database_matches_the_models(package, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    check = [sys.executable, "-c", CHECK, str(migrations_of(package)), url]
    done = subprocess.run(check, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def _kit_head() -> str:
    config = migrations.alembic_config(migrations_of("customers"), "sqlite://")
    return ScriptDirectory.from_config(config).get_revision("kit@head").revision


def test_a_kit_revision_added_later_reaches_every_service_database(tmp_path, monkeypatch):
    urls = {p: f"sqlite:///{tmp_path / f'{p}.db'}" for p in PACKAGES}
    for package, url in urls.items():
        migrations.upgrade(migrations_of(package), url)
    # each service's own head today (HEADS is theirs before the kit branch; services add revisions)
    own_heads = {p: versions_of(url) - {_kit_head()} for p, url in urls.items()}
    kit = tmp_path / "kit-versions"
    shutil.copytree(migrations.KIT_VERSIONS, kit, ignore=shutil.ignore_patterns("__pycache__"))
    (kit / "kit_9999_a_later_table.py").write_text(
        f'revision = "kit_9999"\ndown_revision = "{_kit_head()}"\nbranch_labels = None\n'
        "depends_on = None\n\n"
        "import sqlalchemy as sa\nfrom alembic import op\n\n\n"
        'def upgrade():\n    op.create_table("kit_later", sa.Column("id", sa.Integer, primary_key=True))\n'
    )
    monkeypatch.setattr(migrations, "KIT_VERSIONS", kit)

    for package, url in urls.items():
        migrations.upgrade(migrations_of(package), url)
        migrations.upgrade(migrations_of(package), url)  # and only once

        assert "kit_later" in schema_of(url)
        assert versions_of(url) == own_heads[package] | {"kit_9999"}
        assert len(own_heads[package]) == 1


def test_the_gateway_has_no_kit_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    migrations.upgrade(migrations_of("gateway"), url, kit_tables=False)
    engine = create_engine(url)
    assert not set(KIT_TABLES) & set(inspect(engine).get_table_names())
    engine.dispose()
