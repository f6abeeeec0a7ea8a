"""Pagination: `@paginate(blp)` with the service's page sizes, `X-Pagination` and `Link` headers.

Every list endpoint takes its page sizes from the running service's Settings (`PAGE_SIZE_DEFAULT`,
`PAGE_SIZE_MAX`), read per request, so a service built with other settings honours them:

    @blp.response(200, CustomerSchema(many=True))
    @paginate(blp)
    def get(self, query, page):
        rows, total = service.list_customers(current_uow(), query, *page)
        return [row_of(r) for r in rows], total

The view is given `page` (a `Page`: the page number and its size, which unpack as the two
arguments every list use case takes) and answers `(items, total)`: the decorator tells
Flask-Smorest the total and hands on the items. Flask-Smorest parses `page` / `page_size` and
writes `X-Pagination`; it is given a ceiling (`PAGE_SIZE_CEILING`) only as a bound, and the
configured maximum is checked here (422 above it).
`apidoc.PageLimitPlugin` writes the configured default and maximum into the OpenAPI document. An
endpoint with limits of its own (a report's rows) names them: `paginate(blp, page_size=100,
max_page_size=1000)`.
We add RFC 8288 `Link` headers to every `X-Pagination`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlencode

from flask import Flask, Response, current_app, request
from flask_smorest import Blueprint

from .problems import ValidationFailed
from .settings import Settings

# Flask-Smorest's own bound for `page_size` on `paginate(blp)` endpoints: far above any sensible
# PAGE_SIZE_MAX, so the configured maximum below is what clients meet. (page ≤ apidoc.MAX_PAGE
# times this stays well inside a 64-bit OFFSET.)
PAGE_SIZE_CEILING = 2**31 - 1


def page_sizes() -> tuple[int, int]:
    """(default, maximum) page size of the running service; the default never above the maximum."""
    settings: Settings | None = current_app.config.get("FIELDBOOK_SETTINGS")
    maximum = settings.page_size_max if settings else Settings.page_size_max
    default = settings.page_size_default if settings else Settings.page_size_default
    return min(default, maximum), maximum


class Page(NamedTuple):
    """Which page a list view is asked for: `*page` passes (number, size) to a use case."""

    number: int
    size: int


def paginate(blp: Blueprint, *, page_size: int | None = None, max_page_size: int | None = None) -> Callable:
    """`blp.paginate()` for a view that pages itself: it takes `page` and answers (items, total).

    Page sizes are the service's default and maximum, or the endpoint's own when given (a report's
    rows: `paginate(blp, page_size=100, max_page_size=1000)`)."""
    own_limits = page_size is not None and max_page_size is not None
    if own_limits:
        smorest = blp.paginate(page_size=page_size, max_page_size=max_page_size)
    else:
        smorest = blp.paginate(page_size=Settings.page_size_default, max_page_size=PAGE_SIZE_CEILING)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def with_page(*args, pagination_parameters, **kwargs):
            if not own_limits:
                _service_page_size(pagination_parameters)
            page = Page(pagination_parameters.page, pagination_parameters.page_size)
            items, pagination_parameters.item_count = view(*args, page=page, **kwargs)
            return items

        return smorest(with_page)

    return decorator


def _service_page_size(pagination_parameters) -> None:
    default, maximum = page_sizes()
    if "page_size" not in request.args:
        pagination_parameters.page_size = default
    elif pagination_parameters.page_size > maximum:
        message = f"Must be greater than or equal to 1 and less than or equal to {maximum}."
        raise ValidationFailed({"page_size": [message]})


def init_link_headers(app: Flask) -> None:
    @app.after_request
    def _links(response: Response) -> Response:
        raw = response.headers.get("X-Pagination")
        if not raw:
            return response
        try:
            meta = json.loads(raw)
        except ValueError:
            return response
        page_size = request.args.get("page_size") or None
        links = []
        for rel, key in (
            ("first", "first_page"),
            ("prev", "previous_page"),
            ("next", "next_page"),
            ("last", "last_page"),
        ):
            if key in meta:
                args = request.args.to_dict()
                args["page"] = str(meta[key])
                if page_size:
                    args["page_size"] = page_size
                links.append(f'<{request.path}?{urlencode(args)}>; rel="{rel}"')
        if links:
            response.headers["Link"] = ", ".join(links)
        return response
