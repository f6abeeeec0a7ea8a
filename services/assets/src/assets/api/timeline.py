"""assets' part of a customer's timeline (the gateway merges it with the other services'): each
asset's history, one entry a change (created, updated, moved, deleted)."""

from fieldbook_shared.timeline import Source, timeline_blueprint

from ..store.models import AssetChange


def _entry(change: AssetChange) -> dict:
    return {
        "title": f"Asset {change.change}: {change.summary or 'Asset'}",
        "summary": change.summary,
        "status": change.change,
        "links": {"self": f"/v1/assets/{change.asset_id}"},
    }


SOURCES = [Source(("asset_change",), AssetChange, _entry, occurred_at="occurred_at")]

blp = timeline_blueprint(SOURCES)
