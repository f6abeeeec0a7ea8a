"""servicing's part of a customer's timeline (the gateway merges it with the other services'): a
contract at its making (its status and term as they are now) and an asset's service reminder (its
next service due and status as they are now)."""

from fieldbook_shared.timeline import Source, timeline_blueprint

from ..store.models import Contract, ServiceReminder


def _contract(row: Contract) -> dict:
    renew = "auto-renews" if row.auto_renew else "does not auto-renew"
    return {
        "title": f"Contract: {row.plan_name}, {row.start_date.isoformat()} to {row.end_date.isoformat()}",
        "summary": f"Term {row.term}, {renew}; covers {len(row.work_address_ids or [])} work address(es)",
        "status": row.status,
        "links": {"self": f"/v1/contracts/{row.id}"},
    }


def _reminder(row: ServiceReminder) -> dict:
    due = row.due_date.isoformat() if row.due_date else "not worked out"
    return {
        "title": f"Next service due: {due}",
        "summary": row.reason,
        "status": row.status,
        "links": {"self": f"/v1/service-reminders/{row.id}"},
    }


SOURCES = [
    Source(("contract",), Contract, _contract, work_address=None),
    Source(("service_reminder",), ServiceReminder, _reminder),
]

blp = timeline_blueprint(SOURCES)
