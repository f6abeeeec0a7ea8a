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


SAM = {"first_name": "Sam", "surname": "Ellis", "last_name": "Ellis"}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("Dear [title] [first_name] [surname]", SAM, "Dear Sam Ellis"),
        ("Dear [title] [first_name] [surname],", {}, "Dear,"),
        ("Dear [first_name] [surname], thanks", {"surname": "Ellis"}, "Dear Ellis, thanks"),
        ("Hello [first_name]!", {}, "Hello!"),
        ("Hi ([title]) there", {}, "Hi () there"),
        ("Hi ([title] [first_name]) there", {"first_name": "Sam"}, "Hi (Sam) there"),
        ("[title] [first_name] [surname]\nPlease pay", SAM, "Sam Ellis\nPlease pay"),
        ("Dear [title] [first_name]\r\nPay", {"title": "Mr"}, "Dear Mr\r\nPay"),
        ("  [title] Sam\n", {}, "  Sam\n"),
        ("Line one\n[title]\nLine three", {}, "Line one\n\nLine three"),
        ("[first_name][surname] x", {"surname": "Ellis"}, "Ellis x"),
        ('Dear "First Name"  "Last Name".', {"last_name": "Ellis"}, "Dear Ellis."),
        ("Dear [title]  [first_name]", {"title": "  "}, "Dear"),
        # spacing the author wrote away from blanks stays as written
        ("A  b [title] c.   Next", {}, "A  b c.   Next"),
        ("Dear [title] [first_name]", {"title": "Dr", "first_name": "Ann"}, "Dear Dr Ann"),
    ],
)
def test_a_blank_placeholder_leaves_no_gap(text, values, expected):
    assert render(text, values) == expected


def test_surname_is_a_placeholder_too():
    assert unknown_placeholders("Dear [Surname]") == []
