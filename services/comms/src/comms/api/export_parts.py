"""comms' part of the export of all customer data (called by customers' export job)."""

from fieldbook_shared.export_parts import Part, parts_blueprint

from ..store.models import Communication, Note

PARTS = {
    "notes": Part(
        Note,
        (
            "id",
            "customer_id",
            "work_address_id",
            "text",
            "important",
            "do_not_work_with_again",
            "author",
            "created_at",
            "updated_at",
        ),
    ),
    "communications": Part(
        Communication,
        (
            "id",
            "customer_id",
            "work_address_id",
            "kind",
            "direction",
            "author",
            "occurred_at",
            "subject",
            "summary",
            "pinned",
            "note_id",
            "email_id",
            "status",
            "created_at",
        ),
    ),
}

blp = parts_blueprint(PARTS)
