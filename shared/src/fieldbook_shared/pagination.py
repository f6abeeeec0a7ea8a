"""Pagination: `@paginate(blp)` with the service's page sizes, `X-Pagination` and `Link` headers.

Every list endpoint takes its page sizes from the running service's Settings (`PAGE_SIZE_DEFAULT`,
`PAGE_SIZE_MAX`), read per request, so a service built with other settings honours them:

    @blp.response(200, CustomerSchema(many=True))
    @paginate(blp)
    def get(self, query, pagination_parameters): ...

Flask-Smorest parses `page` / `page_size` and writes `X-Pagination`; it is given a ceiling
(`PAGE_SIZE_CEILING`) only as a bound, and the configured maximum is checked here (422 above it).
`apidoc.PageLimitPlugin` writes the configured default and maximum into the OpenAPI document. An
endpoint with limits of its own (a report's rows) keeps calling `blp.paginate(...)` itself.
We add RFC 8288 `Link` headers to every `X-Pagination`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
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


def paginate(blp: Blueprint) -> Callable:
    """`blp.paginate()` for a view that pages itself (`pagination_parameters.item_count = total`),
    with the service's default and maximum page size."""
    smorest = blp.paginate(page_size=Settings.page_size_default, max_page_size=PAGE_SIZE_CEILING)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def with_service_page_sizes(*args, pagination_parameters, **kwargs):
            default, maximum = page_sizes()
            if "page_size" not in request.args:
                pagination_parameters.page_size = default
            elif pagination_parameters.page_size > maximum:
                message = f"Must be greater than or equal to 1 and less than or equal to {maximum}."
                raise ValidationFailed({"page_size": [message]})
            return view(*args, pagination_parameters=pagination_parameters, **kwargs)

        return smorest(with_service_page_sizes)

    return decorator


def one_page(pagination_parameters, list_page: Callable[..., tuple[list, int]], *args, **kwargs) -> list:
    """The rows of the page asked for, from a use case that lists one page
    (`list_page(*args, page, page_size, **kwargs)` → rows, total); the total goes to `X-Pagination`.

        return one_page(pagination_parameters, list_refunds, current_uow(), str(customer_id))
    """
    rows, total = list_page(*args, pagination_parameters.page, pagination_parameters.page_size, **kwargs)
    pagination_parameters.item_count = total
    return rows


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
