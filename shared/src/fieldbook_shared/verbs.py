"""The house's REST verbs: what each kind of view answers, declared once (docs/api-contract.md).

Every service's views follow the same conventions: a list is paged; a create answers 201 with the
new record's ETag and Location; a read answers the record with its ETag; an edit needs If-Match and
answers the new ETag; a delete needs If-Match and answers 204. Each verb here stacks the
Flask-Smorest and `apidoc` decorators of that convention, so a view says only which verb it is:

    @blp.route("/<uuid:customer_id>/contacts")
    class Contacts(MethodView):
        @lists(blp, ContactSchema(many=True), query=ContactQuerySchema)
        def get(self, query, customer_id, page): ...

        @creates(blp, ContactInSchema, ContactSchema)
        def post(self, body, customer_id):
            contact = service.add_contact(current_uow(), str(customer_id), body)
            return created(contact, f"/v1/customers/{customer_id}/contacts/{contact.id}")

`adds` is a POST whose answer has a Location and no ETag (`located(answer, location)`), also a
job started (`status=202`). A view with another shape (a file, an optional If-Match) keeps the
decorators themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from .apidoc import requires_if_match, sends_etag, sends_location
from .etag import with_etag
from .pagination import paginate


def _stack(*decorators: Callable) -> Callable:
    """The decorators as written top to bottom over a view (the last is applied first)."""

    def decorator(view: Callable) -> Callable:
        for apply in reversed(decorators):
            view = apply(view)
        return view

    return decorator


def lists(blp: Blueprint, schema: Any, *, query: Any = None, **query_options: Any) -> Callable:
    """A paged list (`pagination.paginate`): the view takes `page` (and `query` when a query schema
    is given; `query_options` such as `unknown=RAISE` go with it) and answers (items, total)."""
    decorators: list[Callable] = []
    if query is not None:
        decorators.append(blp.arguments(query, location="query", **query_options))
    return _stack(*decorators, blp.response(200, schema), paginate(blp))


def creates(blp: Blueprint, body: Any, schema: Any) -> Callable:
    """A POST that adds a record: 201 with the record, its ETag and its Location (`created`)."""
    return _stack(sends_etag, sends_location, blp.arguments(body), blp.response(201, schema))


def adds(blp: Blueprint, body: Any, schema: Any, *, status: int = 201, **body_options: Any) -> Callable:
    """A POST that adds something with no ETag of its own (a payment, a card, a custom field), or
    starts a job (`status=202`: an export, an import, an email): the answer and its Location
    (`located`). `body_options` go with the body's schema (e.g. `location="query"`)."""
    return _stack(sends_location, blp.arguments(body, **body_options), blp.response(status, schema))


def reads(blp: Blueprint, schema: Any) -> Callable:
    """A GET of one record: the record and its ETag (`with_etag`)."""
    return _stack(sends_etag, blp.response(200, schema))


def edits(blp: Blueprint, body: Any, schema: Any) -> Callable:
    """A PATCH (or PUT) of one record: needs If-Match (`etag.expected_version()`), answers the
    record and its new ETag."""
    return _stack(requires_if_match, sends_etag, blp.arguments(body), blp.response(200, schema))


def deletes(blp: Blueprint) -> Callable:
    """A DELETE of one record: needs If-Match, answers 204."""
    return _stack(requires_if_match, blp.response(204))


def created(record: Any, location: str) -> tuple:
    """A create's answer: the record, 201, its ETag and where it lives."""
    return with_etag(record, 201, Location=location)


def located(answer: Any, location: str, status: int = 201) -> tuple:
    """An `adds` view's answer: what it added (or the job it started, with 202) and where it lives."""
    return answer, status, {"Location": location}
