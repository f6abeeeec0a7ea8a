"""Migrations that change data: what an existing database looks like after them."""

from sqlalchemy import create_engine, text

from accounting_sync.manage import MIGRATIONS
from fieldbook_shared.migrations import upgrade

INSERT = text(
    "INSERT INTO customer_sync (id, tenant_id, customer_id, status, action, snapshot_version, "
    "pushed_version, removed, sage_contact_id, attempts, candidates, next_attempt_at, last_error, "
    "balance_published, created_at, updated_at) VALUES (:id, 't', :id, :status, :action, 1, 0, "
    ":removed, :contact, 0, '[]', '2026-11-23 10:00:00', :error, 0, '2026-11-23 10:00:00', "
    "'2026-11-23 10:00:00')"
)


def test_customers_removed_before_they_reached_sage_become_not_needed(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(MIGRATIONS, url, "0002")
    engine = create_engine(url)
    rows = {
        "deleted-unlinked": ("synced", "none", "deleted", None, None),
        "merged-in-review": ("needs_review", "upsert", "merged", None, "two look-alikes"),
        "erased-failed": ("failed", "upsert", "erased", None, "Sage answered 500"),
        "deleted-linked": ("synced", "deactivate", "deleted", "c-1", None),
        "live": ("synced", "upsert", None, "c-2", None),
        "live-pending": ("pending", "upsert", None, None, None),
    }
    with engine.begin() as db:
        for cid, (status, action, removed, contact, error) in rows.items():
            db.execute(
                INSERT,
                {
                    "id": cid,
                    "status": status,
                    "action": action,
                    "removed": removed,
                    "contact": contact,
                    "error": error,
                },
            )
    upgrade(MIGRATIONS, url)
    with engine.connect() as db:
        after = {
            cid: (status, action, error, due)
            for cid, status, action, error, due in db.execute(
                text("SELECT customer_id, status, action, last_error, next_attempt_at FROM customer_sync")
            )
        }
    engine.dispose()
    assert after == {
        "deleted-unlinked": ("not_needed", "none", None, None),
        "merged-in-review": ("not_needed", "none", None, None),
        "erased-failed": ("not_needed", "none", None, None),
        "deleted-linked": ("synced", "deactivate", None, "2026-11-23 10:00:00"),
        "live": ("synced", "upsert", None, "2026-11-23 10:00:00"),
        "live-pending": ("pending", "upsert", None, "2026-11-23 10:00:00"),
    }


def test_rows_that_may_hold_a_lost_create_are_marked_as_sent(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(MIGRATIONS, url, "0006")
    engine = create_engine(url)
    rows = {"tried": ("SMITHJ01", None, "2026-11-23 10:00:00"), "linked": ("JONESM01", "c-1", "2026-11-23")}
    rows["untried"] = ("BROWNA01", None, None)
    with engine.begin() as db:
        for cid, (ref, contact, tried) in rows.items():
            db.execute(
                INSERT,
                {
                    "id": cid,
                    "status": "pending",
                    "action": "upsert",
                    "removed": None,
                    "contact": contact,
                    "error": None,
                },
            )
            db.execute(
                text("UPDATE customer_sync SET accounts_ref = :ref, last_attempt_at = :tried WHERE id = :id"),
                {"ref": ref, "tried": tried, "id": cid},
            )
    upgrade(MIGRATIONS, url)
    with engine.connect() as db:
        sent = dict(db.execute(text("SELECT customer_id, create_sent_ref FROM customer_sync")).all())
    engine.dispose()
    assert sent == {"tried": "SMITHJ01", "linked": None, "untried": None}
