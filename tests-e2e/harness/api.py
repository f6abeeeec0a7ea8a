"""Small helpers for the public API: request bodies, problem responses, list counts."""

from __future__ import annotations

import json
import uuid

import requests

from fieldbook_shared.testing import document_line, payment_body, private_customer  # noqa: F401 - the suite imports it from here

PROBLEM_JSON = "application/problem+json"


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def line(
    unit_price: str,
    vat_rate: str = "20",
    quantity: str = "1",
    category: str = "labour",
    description: str = "Work",
) -> dict:
    """A document line for billing, its price first."""
    return document_line(description, quantity, unit_price, vat_rate, category)


def company_customer(**overrides) -> dict:
    body = {
        "type": "company",
        "company_name": "Acme Ltd",
        "address": {"line_1": "2 Mill Lane", "town": "Bradford", "postcode": "BD1 1AA"},
        "email": "accounts@acme.example",
    }
    body.update(overrides)
    return body


def describe(response: requests.Response) -> str:
    try:
        body = json.dumps(response.json())[:1000]
    except ValueError:
        body = response.text[:1000]
    return f"{response.request.method} {response.request.path_url} -> {response.status_code} {body}"


def expect(response: requests.Response, status: int) -> requests.Response:
    assert response.status_code == status, f"expected {status}: {describe(response)}"
    return response


def record_payment(client, customer_id: str, amount: str, *allocations, **fields) -> dict:
    """POST /v1/payments (a 201) with the kit's payment_body; the payment."""
    body = payment_body(customer_id, amount, *allocations, **fields)
    return expect(client.post("/v1/payments", json=body), 201).json()


def assert_problem(response: requests.Response, status: int) -> dict:
    """The response is an RFC 9457 problem with the given status; returns the body."""
    expect(response, status)
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith(PROBLEM_JSON), f"not problem+json ({content_type}): {describe(response)}"
    body = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, f"problem without {key!r}: {body}"
    assert body["status"] == status, body
    return body


def create_customer(client, body: dict | None = None, **headers) -> dict:
    r = client.post("/v1/customers", json=body or private_customer(), headers=headers or None)
    return expect(r, 201).json()


def customer_count(client, **params) -> int:
    """Total customers the client's tenant can see, from the X-Pagination header."""
    r = expect(client.get("/v1/customers", params={"page_size": 1, **params}), 200)
    header = r.headers.get("X-Pagination")
    assert header, f"list without X-Pagination: {describe(r)}"
    return json.loads(header)["total"]


def list_ids(client, **params) -> list[str]:
    r = expect(client.get("/v1/customers", params={"page_size": 100, **params}), 200)
    return [c["id"] for c in r.json()]


def all_pages(client, path: str, params: dict | None = None, page_size: int = 100) -> list:
    """Every row of a paged list, following its `Link: <…>; rel="next"` from the first page on."""
    rows: list = []
    url: str | None = path
    query: dict | None = {**(params or {}), "page_size": page_size}
    for _ in range(1000):
        r = expect(client.get(url, params=query), 200)
        assert r.headers.get("X-Pagination"), f"list without X-Pagination: {describe(r)}"
        rows.extend(r.json())
        url, query = r.links.get("next", {}).get("url"), None  # the link carries the query
        if not url:
            return rows
    raise AssertionError(f"{path}: more than 1000 pages")


def post_large_body(
    base_url: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    chunked: bool = False,
    timeout: float = 30.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST a large body the way a careful HTTP client does (RFC 9112 §9.6): watch for an early
    answer while sending and stop sending when it comes.

    A server may refuse an oversized body from its Content-Length and close the connection without
    reading it; a client that insists on sending everything first (python-requests does) can then
    see a connection reset instead of the 413. Returns (status, headers, body).
    """
    import http.client
    import select
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest("POST", path)
        for name, value in headers.items():
            conn.putheader(name, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        step = 64 * 1024
        try:
            for start in range(0, len(body), step):
                readable, _, _ = select.select([conn.sock], [], [], 0)
                if readable:  # the server answered before the body was all sent
                    break
                piece = body[start : start + step]
                conn.sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            else:
                if chunked:
                    conn.sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: its answer is waiting
        response = conn.getresponse()
        return response.status, {k: v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
