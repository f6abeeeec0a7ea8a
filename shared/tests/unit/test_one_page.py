"""`one_page`: a use case that lists one page, called for the page asked for; its total kept."""

from __future__ import annotations

from types import SimpleNamespace

from fieldbook_shared.pagination import one_page


def test_one_page_passes_the_page_and_keeps_the_total():
    asked = []

    def list_page(uow, customer_id, page, page_size, query=None):
        asked.append((uow, customer_id, page, page_size, query))
        return ["a", "b"], 7

    pagination = SimpleNamespace(page=3, page_size=2, item_count=None)
    rows = one_page(pagination, list_page, "uow", "c1", query={"status": "open"})
    assert rows == ["a", "b"]
    assert pagination.item_count == 7
    assert asked == [("uow", "c1", 3, 2, {"status": "open"})]
