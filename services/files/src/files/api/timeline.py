"""files' part of a customer's timeline (the gateway merges it with the other services'): one
entry a file on the record, at its upload."""

from fieldbook_shared.timeline import Source, timeline_blueprint

from ..store.models import StoredFile


def _entry(row: StoredFile) -> dict:
    return {
        "title": f"File added: {row.filename}",
        "summary": f"{row.media_type}, {row.size_bytes} bytes, on the {row.attached_to.replace('_', ' ')}",
        "status": row.attached_to,
        "links": {"self": f"/v1/files/{row.id}", "content": f"/v1/files/{row.id}/content"},
    }


SOURCES = [Source(("file",), StoredFile, _entry)]

blp = timeline_blueprint(SOURCES)
