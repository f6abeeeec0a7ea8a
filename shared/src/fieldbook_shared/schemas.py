"""Small marshmallow pieces every service's api uses the same way."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, pre_load

PAGINATION = ("page", "page_size")


class StrictSchema(Schema):
    """The base of every request body's schema: a field it does not know is a 422 naming it, so a
    typo is never silently dropped. (marshmallow's default too, said here so no setting or
    subclass changes it unseen; query strings are loaded with `unknown=RAISE` in the views, since
    webargs would exclude unknown names there.)"""

    class Meta:
        unknown = RAISE


class Stamped(Schema):
    """A stored record's version (its ETag, `etag.etag_for`) and when it was made and last changed,
    as every answer that shows such a record names them."""

    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class FromCatalogue(StrictSchema):
    """The first base of an API schema that derives from a catalogue data schema (the record as its
    events carry it), e.g. `class InvoiceSchema(FromCatalogue, InvoiceData)`: the API adds what
    only it shows. An event's data is read leniently (`EXCLUDE`, so producers may add fields); an
    answer of the API has exactly the fields its schema names, which the document says
    (`additionalProperties: false`)."""


class PagedQuery(StrictSchema):
    """The query string of a paged list: `page` / `page_size` are the pagination's (read by
    `fieldbook_shared.pagination`); any other name this schema does not know is a 422 naming it."""

    @pre_load
    def _leave_pagination(self, data, **kwargs):
        return {name: data[name] for name in data if name not in PAGINATION}


class Id(fields.UUID):
    """A UUID in any case, kept as its canonical (lower-case) string: how every id is stored and
    compared."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))
