"""Service reminders: what is due, one reminder (with its chain), a date set by hand, and the batch
decisions (book, postpone, cancel)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.etag import expected_version, with_etag
from fieldbook_shared.verbs import blueprint, edits, lists, reads
from fieldbook_shared.web import current_uow

from ..service import reminders as service
from ..store.queries import ReminderFilters
from .schemas import (
    DecisionSchema,
    ReminderDetailSchema,
    ReminderPatchSchema,
    ReminderQuerySchema,
    ReminderSchema,
)

blp = blueprint(
    "service-reminders",
    "/v1/service-reminders",
    "Service reminders: each asset's next service and the office's decisions.",
)


def _detail(found):
    reminder, sends = found
    reminder.sends = sends  # the response schema's nested list (not a column)
    return with_etag(reminder)


@blp.route("")
class Reminders(MethodView):
    @lists(blp, ReminderSchema(many=True), query=ReminderQuerySchema, unknown=RAISE)
    def get(self, query, page):
        """What is due, soonest first: filter by `due_before`, work address, customer, asset, status."""
        return service.list_reminders(current_uow(), ReminderFilters(**query), *page)


@blp.route("/<uuid:reminder_id>")
class ReminderItem(MethodView):
    @reads(blp, ReminderDetailSchema)
    def get(self, reminder_id):
        """One reminder, with the stages of its chain sent or skipped (and why)."""
        return _detail(service.get_reminder(current_uow(), str(reminder_id)))

    @edits(blp, ReminderPatchSchema, ReminderDetailSchema)
    def patch(self, body, reminder_id):
        """Set the next service date by hand (null: worked out from the interval again). Needs `If-Match`."""
        version = expected_version()
        return _detail(service.set_due_date(current_uow(), str(reminder_id), version, body["due_date"]))


@blp.route("/decisions")
class Decisions(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, ReminderSchema(many=True))
    def post(self, body):
        """One decision on a selection, all or nothing: `book` (billing makes the job, linked; its id
        appears on the reminder), `postpone` to `date` with a `reason`, or `cancel` with a `reason`."""
        return service.decide(
            current_uow(), body["reminder_ids"], body["decision"], body.get("date"), body.get("reason")
        )
