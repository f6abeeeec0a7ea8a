"""What every event data schema shares."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema


class EventData(Schema):
    """Consumers load with `unknown=EXCLUDE` so a producer may add fields without breaking them."""

    class Meta:
        unknown = EXCLUDE
