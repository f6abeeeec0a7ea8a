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

A view that only hands the URL's ids (and the page, or the body) to the service is written whole:
`lister` a paged list, `reader` a GET of one record, `creator` a create, `editor` an edit and
`deleter` a delete by If-Match, beside the class's other verbs:

    @blp.route("/<uuid:contact_id>")
    class ContactItem(MethodView):
        get = reader(blp, ContactSchema, contacts.get_contact, "Read a contact of the customer.")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE

from .apidoc import requires_if_match, sends_etag, sends_location
from .etag import ExpectedVersion, expected_version, with_etag
from .pagination import paginate
from .schemas import PagedQuery
from .web import current_uow


def blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """A service's blueprint of one resource: `name` is its tag in the OpenAPI document (and its
    endpoints' prefix), `url_prefix` where its routes live, `description` the tag's description. A
    service's views answer JSON and files they make, never static files or templates, so the import
    name Flask would look for those by is the kit's."""
    return Blueprint(name, __name__, url_prefix=url_prefix, description=description)


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


def lister(
    blp: Blueprint, schema: Any, load: Callable[..., Any], doc: str | None, *, query: Any = PagedQuery
) -> Callable:
    """The paged list view (`lists`) whose query only pages it: `load(uow, *ids, *page)`, the URL's
    ids as strings in the URL's order, answers (items, total). The query is `PagedQuery` (any other
    parameter a 422), or none at all (`query=None`). `doc` is the operation's summary and
    description, as a docstring would give them."""

    def get(self: Any, *query_: Any, page: Any, **ids: Any) -> Any:
        return load(current_uow(), *(str(value) for value in ids.values()), *page)

    get.__doc__ = doc
    options = {} if query is None else {"query": query, "unknown": RAISE}
    return lists(blp, schema, **options)(get)


def creates(blp: Blueprint, body: Any, schema: Any) -> Callable:
    """A POST that adds a record: 201 with the record, its ETag and its Location (`created`)."""
    return _stack(sends_etag, sends_location, blp.arguments(body), blp.response(201, schema))


def adds(blp: Blueprint, body: Any, schema: Any, *, status: int = 201, **body_options: Any) -> Callable:
    """A POST that adds something with no ETag of its own (a payment, a card, a custom field), or
    starts a job (`status=202`: an export, an import, an email): the answer and its Location
    (`located`). `body_options` go with the body's schema (e.g. `location="query"`)."""
    return _stack(sends_location, blp.arguments(body, **body_options), blp.response(status, schema))


def creator(
    blp: Blueprint, body: Any, schema: Any, make: Callable[..., Any], location: str, doc: str | None
) -> Callable:
    """The POST view that adds a record (`creates`): `make(uow, *ids, body)`, the URL's ids as
    strings in the URL's order, adds it; the answer is `created` with the Location `location`
    formatted with the URL's ids and the new record's `id` ("/v1/customers/{customer_id}/branches/{id}").
    `doc` is the operation's summary and description, as a docstring would give them."""

    def post(self: Any, body_: Any, **ids: Any) -> Any:
        record = make(current_uow(), *(str(value) for value in ids.values()), body_)
        return created(record, location.format(**ids, id=record.id))

    post.__doc__ = doc
    return creates(blp, body, schema)(post)


def reads(blp: Blueprint, schema: Any) -> Callable:
    """A GET of one record: the record and its ETag (`with_etag`)."""
    return _stack(sends_etag, blp.response(200, schema))


def reader(
    blp: Blueprint, schema: Any, load: Callable[..., Any], doc: str | None, *, etag: bool = True
) -> Callable:
    """The GET view of one record: `load(uow, *ids)`, the URL's ids as strings in the URL's order,
    answers it (its 404 is `load`'s) with its ETag (`reads`), or without one (`etag=False`: a job's
    progress, a status no edit is made against). `doc` is the operation's summary and description,
    as a docstring would give them (None: neither)."""

    def get(self: Any, **ids: Any) -> Any:
        record = load(current_uow(), *(str(value) for value in ids.values()))
        return with_etag(record) if etag else record

    get.__doc__ = doc
    return (reads(blp, schema) if etag else blp.response(200, schema))(get)


def edits(blp: Blueprint, body: Any, schema: Any) -> Callable:
    """A PATCH (or PUT) of one record: needs If-Match (`etag.expected_version()`), answers the
    record and its new ETag."""
    return _stack(requires_if_match, sends_etag, blp.arguments(body), blp.response(200, schema))


def editor(
    blp: Blueprint,
    body: Any,
    schema: Any,
    save: Callable[..., Any],
    doc: str | None,
    *,
    version: Callable[[], ExpectedVersion] = expected_version,
) -> Callable:
    """The PATCH (or POST) view that changes one record (`edits`): `save(uow, *ids, seen, body)`,
    the URL's ids as strings in the URL's order and `seen` the If-Match as `version()` reads it
    (`expected_version`: 428 without one; `optional_version`: checked only when sent), answers the
    record with its new ETag. `doc` is the operation's summary and description."""

    def patch(self: Any, body_: Any, **ids: Any) -> Any:
        seen = version()
        return with_etag(save(current_uow(), *(str(value) for value in ids.values()), seen, body_))

    patch.__doc__ = doc
    return edits(blp, body, schema)(patch)


def acts(blp: Blueprint, body: Any, schema: Any) -> Callable:
    """A POST (or PATCH) that changes one record and asks no If-Match (block, mark sent, reschedule,
    cancel): the body, and the record with its new ETag (`with_etag`)."""
    return _stack(sends_etag, blp.arguments(body), blp.response(200, schema))


def deletes(blp: Blueprint) -> Callable:
    """A DELETE of one record: needs If-Match, answers 204."""
    return _stack(requires_if_match, blp.response(204))


def deleter(
    blp: Blueprint,
    remove: Callable[..., Any],
    doc: str | None,
    *,
    version: Callable[[], ExpectedVersion] | None = expected_version,
) -> Callable:
    """The DELETE view of one record (`deletes`): `remove(uow, *ids, seen)`, the URL's ids as strings
    in the URL's order and `seen` the If-Match as `version()` reads it; answers 204. A record deleted
    without If-Match (`version=None`) is `remove(uow, *ids)`, and its operation says nothing of it.
    `doc` is the operation's summary and description."""

    def delete(self: Any, **ids: Any) -> None:
        seen = () if version is None else (version(),)
        remove(current_uow(), *(str(value) for value in ids.values()), *seen)

    delete.__doc__ = doc
    return (blp.response(204) if version is None else deletes(blp))(delete)


def created(record: Any, location: str) -> tuple:
    """A create's answer: the record, 201, its ETag and where it lives."""
    return with_etag(record, 201, Location=location)


def located(answer: Any, location: str, status: int = 201) -> tuple:
    """An `adds` view's answer: what it added (or the job it started, with 202) and where it lives."""
    return answer, status, {"Location": location}
