"""Whatever looks like a placeholder is read as one: separators do not matter, unknown names are
refused naming them, never sent as written."""

from __future__ import annotations

import pytest

from comms.domain.templates import placeholder_errors, render, unknown_placeholders


@pytest.mark.parametrize(
    "written", ["[ first_name]", "[first-name]", "[First.Name]", "[first\tname]", "[first_name ]"]
)
def test_separators_and_spacing_do_not_matter(written):
    assert unknown_placeholders(written) == []
    assert render(f"Dear {written}", {"first_name": "Jane"}) == "Dear Jane"


@pytest.mark.parametrize("written", ["[ frist_name]", "[first-nmae]", "[First.Nam]", "[frist\tname]"])
def test_an_unknown_name_in_any_spelling_is_refused_naming_it(written):
    errors = placeholder_errors(body=f"Dear {written}")
    assert errors["body"][0].startswith(f"Unknown placeholder {written}.")


def test_plain_text_in_brackets_stays_text():
    text = "Ref [1] [#42] [-] [" + "a" * 41 + "]"
    assert unknown_placeholders(text) == []
    assert render(text, {}) == text


def test_the_api_refuses_a_misspelt_placeholder(api):
    r = api.post("/v1/email-templates", {"name": "T", "subject": "Hi [first-nme]", "body": "b"})
    assert r.status_code == 422 and "[first-nme]" in r.get_json()["errors"]["subject"][0]
    r = api.post("/v1/email-templates", {"name": "T", "subject": "Hi [First.Name]", "body": "[ last name]"})
    assert r.status_code == 201, r.get_json()
