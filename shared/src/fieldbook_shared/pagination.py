"""Pagination: Flask-Smorest writes `X-Pagination`; we add RFC 8288 `Link` headers from it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Flask, Response, request


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
